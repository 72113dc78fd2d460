package rtsp

import (
	"strings"
	"testing"
)

func TestRequestMarshal(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{
			name: "CSeq spelling kept, order kept",
			req: Request{Method: "PLAY", URL: "rtsp://h/test/", Header: Header{
				{"CSeq", "4"}, {"Session", "ABCDEF01"}, {"Range", "npt=0.000-"}}},
			want: "PLAY rtsp://h/test/ RTSP/1.0\r\nCSeq: 4\r\nSession: ABCDEF01\r\nRange: npt=0.000-\r\n\r\n",
		},
		{
			name: "Content-Length added",
			req:  Request{Method: "SET_PARAMETER", URL: "rtsp://h/", Proto: "RTSP/1.0", Header: Header{{"CSeq", "9"}}, Body: []byte("a: b\r\n")},
			want: "SET_PARAMETER rtsp://h/ RTSP/1.0\r\nCSeq: 9\r\nContent-Length: 6\r\n\r\na: b\r\n",
		},
		{
			name: "Content-Length corrected in place",
			req:  Request{Method: "X", URL: "*", Header: Header{{"content-length", "99"}, {"CSeq", "1"}}, Body: []byte("abc")},
			want: "X * RTSP/1.0\r\ncontent-length: 3\r\nCSeq: 1\r\n\r\nabc",
		},
		{
			name: "no header injection",
			req:  Request{Method: "OPTIONS", URL: "*", Header: Header{{"CSeq", "1\r\nEvil: yes"}}},
			want: "OPTIONS * RTSP/1.0\r\nCSeq: 1  Evil: yes\r\n\r\n",
		},
		{
			name: "lab SETUP byte for byte",
			req: Request{Method: "SETUP", URL: "movie.Mjpeg", Lab: true, Header: Header{
				{"CSeq", "1"}, {"Transport", LabTransport(25000)}}},
			want: labRequests[0],
		},
		{
			name: "lab TEARDOWN byte for byte",
			req:  Request{Method: "TEARDOWN", URL: "movie.Mjpeg", Lab: true, Header: Header{{"CSeq", "4"}, {"Session", "837388"}}},
			want: labRequests[3],
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.req.Marshal()); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestResponseMarshal(t *testing.T) {
	tests := []struct {
		resp Response
		want string
	}{
		{Response{StatusCode: 200, Header: Header{{"CSeq", "1"}, {"Session", "837388"}}},
			"RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: 837388\r\n\r\n"},
		{Response{StatusCode: StatusRTSPVersionNotSupported, Header: Header{{"CSeq", "5"}}},
			"RTSP/1.0 505 RTSP Version not supported\r\nCSeq: 5\r\n\r\n"},
		{Response{StatusCode: 299, Header: nil}, "RTSP/1.0 299\r\n\r\n"},
		{Response{StatusCode: 200, Reason: "Fine", Header: Header{{"CSeq", "2"}, {"Content-Type", "application/sdp"}}, Body: []byte("v=0\r\n")},
			"RTSP/1.0 200 Fine\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n"},
	}
	for _, tt := range tests {
		if got := string(tt.resp.Marshal()); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

// countingWriter counts Write calls: each message must be one call (one
// TCP segment), which the lab peers need.
type countingWriter struct {
	calls int
	b     strings.Builder
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.calls++
	return w.b.Write(p)
}

func TestWriteToSingleWrite(t *testing.T) {
	var w countingWriter
	req := &Request{Method: "SETUP", URL: "movie.Mjpeg", Lab: true, Header: Header{{"CSeq", "1"}, {"Transport", LabTransport(25000)}}}
	n, err := req.WriteTo(&w)
	if err != nil || w.calls != 1 || int(n) != len(labRequests[0]) || w.b.String() != labRequests[0] {
		t.Fatalf("request: n=%d err=%v calls=%d %q", n, err, w.calls, w.b.String())
	}
	w = countingWriter{}
	resp := &Response{StatusCode: 200, Header: Header{{"CSeq", "1"}}, Body: []byte("xyz")}
	if _, err := resp.WriteTo(&w); err != nil || w.calls != 1 {
		t.Fatalf("response: err=%v calls=%d", err, w.calls)
	}
}

func TestMarshalParseRoundTrip(t *testing.T) {
	reqs := []*Request{
		{Method: "DESCRIBE", URL: "rtsp://h/test", Proto: "RTSP/1.0", Header: Header{{"Accept", "application/sdp"}, {"CSeq", "2"}}},
		{Method: "ANNOUNCE", URL: "rtsp://h/x", Proto: "RTSP/1.0", Header: Header{{"CSeq", "2"}, {"Content-Length", "4"}}, Body: []byte("v=0\n")},
		{Method: "PLAY", URL: "movie.Mjpeg", Proto: "RTSP/1.0", Lab: true, Header: Header{{"CSeq", "2"}, {"Session", "837388"}}},
	}
	for _, want := range reqs {
		got, err := ParseRequest(want.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Marshal()) != string(want.Marshal()) || got.Lab != want.Lab {
			t.Fatalf("got %#v, want %#v", got, want)
		}
	}
}
