package rtsp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The lab client's four requests, byte for byte (lab-dialect.md).
var labRequests = []string{
	"SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000",
	"PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 837388",
	"PAUSE movie.Mjpeg RTSP/1.0\nCSeq: 3\nSession: 837388",
	"TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 4\nSession: 837388",
}

const ffmpegSetup = "SETUP rtsp://h/test/stream=0 RTSP/1.0\r\n" +
	"Transport: RTP/AVP/UDP;unicast;client_port=27488-27489\r\n" +
	"CSeq: 3\r\n" +
	"User-Agent: Lavf59.27.100\r\n" +
	"\r\n"

func readAll(t *testing.T, in string, lim Limits) ([]any, error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), lim)
	var out []any
	for {
		m, err := r.Read()
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		if f, ok := m.(*Frame); ok { // owned by the Reader: copy
			m = &Frame{Channel: f.Channel, Payload: bytes.Clone(f.Payload)}
		}
		out = append(out, m)
	}
}

func TestReaderMessages(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []any
	}{
		{
			name: "ffmpeg SETUP",
			in:   ffmpegSetup,
			want: []any{&Request{Method: "SETUP", URL: "rtsp://h/test/stream=0", Proto: "RTSP/1.0", Header: Header{
				{"Transport", "RTP/AVP/UDP;unicast;client_port=27488-27489"}, {"CSeq", "3"}, {"User-Agent", "Lavf59.27.100"}}}},
		},
		{
			name: "keepalive CRLFs, bare LF, body, frame, response",
			in: "\r\n\r\n\nOPTIONS * RTSP/1.0\nCSeq: 1\n\n" +
				"$\x01\x00\x03abc" +
				"\r\nRTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n" +
				"$\x00\x00\x00",
			want: []any{
				&Request{Method: "OPTIONS", URL: "*", Proto: "RTSP/1.0", Header: Header{{"CSeq", "1"}}},
				&Frame{Channel: 1, Payload: []byte("abc")},
				&Response{Proto: "RTSP/1.0", StatusCode: 200, Reason: "OK", Header: Header{
					{"CSeq", "2"}, {"Content-Type", "application/sdp"}, {"Content-Length", "5"}}, Body: []byte("v=0\r\n")},
				&Frame{Channel: 0, Payload: []byte{}},
			},
		},
		{
			name: "names keep spelling, values trimmed, folding",
			in:   "GET_PARAMETER rtsp://h/ RTSP/1.0\r\ncseq:   7  \r\nX-Long: a\r\n  b\r\nSession:\t12345678 \r\n\r\n",
			want: []any{&Request{Method: "GET_PARAMETER", URL: "rtsp://h/", Proto: "RTSP/1.0", Header: Header{
				{"cseq", "7"}, {"X-Long", "a b"}, {"Session", "12345678"}}}},
		},
		{
			name: "status line without reason",
			in:   "RTSP/1.0 454\r\nCSeq: 9\r\n\r\n",
			want: []any{&Response{Proto: "RTSP/1.0", StatusCode: 454, Header: Header{{"CSeq", "9"}}}},
		},
		{
			name: "lab request with blank line",
			in:   "PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 837388\n\n",
			want: []any{&Request{Method: "PLAY", URL: "movie.Mjpeg", Proto: "RTSP/1.0", Lab: true, Header: Header{
				{"CSeq", "2"}, {"Session", "837388"}}}},
		},
		{
			name: "lab request, whole buffer",
			in:   labRequests[0],
			want: []any{&Request{Method: "SETUP", URL: "movie.Mjpeg", Proto: "RTSP/1.0", Lab: true, Header: Header{
				{"CSeq", "1"}, {"Transport", "RTP/UDP; client_port= 25000"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, tt.in, Limits{})
			if err != nil {
				t.Fatalf("error %v after %d messages", err, len(got))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
		})
	}
}

func dump(ms []any) string {
	var b strings.Builder
	for _, m := range ms {
		switch m := m.(type) {
		case *Request:
			b.WriteString(strings.ReplaceAll(string(m.Marshal()), "\r\n", "|"))
			if m.Lab {
				b.WriteString(" (lab)")
			}
		case *Response:
			b.WriteString(strings.ReplaceAll(string(m.Marshal()), "\r\n", "|"))
			b.WriteString(" reason=" + m.Reason)
		case *Frame:
			b.WriteString("frame " + string(m.Payload))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestReaderErrors(t *testing.T) {
	long := strings.Repeat("a", 5000)
	small := Limits{MaxLineBytes: 64, MaxHeaderBytes: 200, MaxHeaders: 3, MaxBodyBytes: 10, MaxFrameBytes: 100}
	tests := []struct {
		name string
		in   string
		lim  Limits
		want error
	}{
		{"long line default", "OPTIONS rtsp://h/" + long + " RTSP/1.0\r\n\r\n", Limits{}, ErrLineTooLong},
		{"long header line", "OPTIONS * RTSP/1.0\r\nX: " + strings.Repeat("b", 70) + "\r\n\r\n", small, ErrLineTooLong},
		{"header bytes", "OPTIONS * RTSP/1.0\r\n" + strings.Repeat("X: 0123456789012345678901234567890123456789\r\n", 5) + "\r\n",
			Limits{MaxHeaderBytes: 200}, ErrHeaderTooLarge},
		{"too many headers", "OPTIONS * RTSP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", small, ErrTooManyHeaders},
		{"body too large", "ANNOUNCE * RTSP/1.0\r\nContent-Length: 11\r\n\r\n01234567890", small, ErrBodyTooLarge},
		{"bad content length", "ANNOUNCE * RTSP/1.0\r\nContent-Length: +5\r\n\r\nabcde", Limits{}, ErrMalformed},
		{"truncated body", "ANNOUNCE * RTSP/1.0\r\nContent-Length: 5\r\n\r\nabc", Limits{}, io.ErrUnexpectedEOF},
		{"truncated headers", "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n", Limits{}, io.ErrUnexpectedEOF},
		{"truncated start line", "OPTIONS * RTSP/1.0", Limits{}, io.ErrUnexpectedEOF},
		{"header without colon", "OPTIONS * RTSP/1.0\r\nCSeq 1\r\n\r\n", Limits{}, ErrMalformed},
		{"name with space", "OPTIONS * RTSP/1.0\r\nC Seq: 1\r\n\r\n", Limits{}, ErrMalformed},
		{"one word", "HELLO\r\n\r\n", Limits{}, ErrMalformed},
		{"two words", "OPTIONS *\r\n\r\n", Limits{}, ErrMalformed},
		{"space in URI", "OPTIONS a b RTSP/1.0\r\n\r\n", Limits{}, ErrMalformed},
		{"bad status", "RTSP/1.0 2000 OK\r\n\r\n", Limits{}, ErrMalformed},
		{"CR inside", "OPTIONS * RTSP/1.0\r\nCSeq: 1\rX: 2\r\n\r\n", Limits{}, ErrMalformed},
		{"frame too large", "$\x00\x00\x65" + strings.Repeat("x", 101), small, ErrFrameTooLarge},
		{"truncated frame", "$\x00\x00\x05abc", Limits{}, io.ErrUnexpectedEOF},
		{"truncated frame header", "$\x00", Limits{}, io.ErrUnexpectedEOF},
		{"RTSP/2.0", "OPTIONS * RTSP/2.0\r\nCSeq: 5\r\n\r\n", Limits{}, ErrBadVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, tt.in, tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReaderBadVersionKeepsRequest(t *testing.T) {
	r := NewReader(strings.NewReader("OPTIONS * RTSP/2.0\r\nCSeq: 5\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 6\r\n\r\n"), Limits{})
	m, err := r.Read()
	if !errors.Is(err, ErrBadVersion) {
		t.Fatalf("err = %v, want ErrBadVersion", err)
	}
	req, ok := m.(*Request)
	if !ok || req.Header.Get("CSeq") != "5" || req.Proto != "RTSP/2.0" {
		t.Fatalf("got %#v, want the request with CSeq 5", m)
	}
	// The stream is still in sync.
	req, err = r.ReadRequest()
	if err != nil || req.Header.Get("cseq") != "6" {
		t.Fatalf("next: %v %v", req, err)
	}
	if _, err := ParseRequest([]byte("PLAY rtsp://h/ HTTP/1.1\r\nCSeq: 3\r\n")); !errors.Is(err, ErrBadVersion) {
		t.Fatalf("ParseRequest: %v", err)
	}
	req, err = ParseRequest([]byte("PLAY rtsp://h/ HTTP/1.1\r\nCSeq: 3\r\n"))
	if req == nil || req.Header.Get("CSeq") != "3" {
		t.Fatalf("ParseRequest with ErrBadVersion: %v %v", req, err)
	}
}

func TestFrameTooLargeKeepsSync(t *testing.T) {
	in := "$\x00\x00\x08ABCDEFGH$\x01\x00\x02hi"
	r := NewReader(strings.NewReader(in), Limits{MaxFrameBytes: 4})
	if _, err := r.Read(); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("err = %v", err)
	}
	m, err := r.Read()
	f, ok := m.(*Frame)
	if err != nil || !ok || f.Channel != 1 || string(f.Payload) != "hi" {
		t.Fatalf("got %v %v", m, err)
	}
}

func TestReadResponseKinds(t *testing.T) {
	r := NewReader(strings.NewReader("$\x00\x00\x01xOPTIONS * RTSP/1.0\r\n\r\nRTSP/1.0 200 OK\r\n\r\n"), Limits{})
	if _, err := r.ReadResponse(); !errors.Is(err, ErrUnexpectedMessage) {
		t.Fatalf("frame: %v", err)
	}
	if _, err := r.ReadResponse(); !errors.Is(err, ErrUnexpectedMessage) {
		t.Fatalf("request: %v", err)
	}
	if resp, err := r.ReadResponse(); err != nil || resp.StatusCode != 200 {
		t.Fatalf("response: %v %v", resp, err)
	}
	if _, err := r.ReadResponse(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if _, err := ParseRequest([]byte("RTSP/1.0 200 OK\r\n\r\n")); !errors.Is(err, ErrUnexpectedMessage) {
		t.Fatalf("ParseRequest of a response: %v", err)
	}
	if _, err := ParseResponse([]byte("OPTIONS * RTSP/1.0\r\n\r\n")); !errors.Is(err, ErrUnexpectedMessage) {
		t.Fatalf("ParseResponse of a request: %v", err)
	}
	if _, err := ParseResponse(nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("ParseResponse(nil): %v", err)
	}
}

// segmentReader delivers its segments one Read each, then blocks until
// closed, like a TCP connection whose peer waits for a reply.
type segmentReader struct {
	segs [][]byte
	done chan struct{}
}

func (s *segmentReader) Read(p []byte) (int, error) {
	if len(s.segs) == 0 {
		<-s.done
		return 0, io.EOF
	}
	n := copy(p, s.segs[0])
	s.segs[0] = s.segs[0][n:]
	if len(s.segs[0]) == 0 {
		s.segs = s.segs[1:]
	}
	return n, nil
}

// readWithin runs r.Read in a goroutine and fails the test if it does not
// return within a second (the lab request must not wait for more bytes).
func readWithin(t *testing.T, r *Reader) (any, error) {
	t.Helper()
	type result struct {
		m   any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		m, err := r.Read()
		ch <- result{m, err}
	}()
	select {
	case res := <-ch:
		return res.m, res.err
	case <-time.After(2 * time.Second):
		t.Fatal("Read blocked on a complete lab request")
		return nil, nil
	}
}

func TestLabRequestDoesNotWait(t *testing.T) {
	for _, split := range []bool{false, true} {
		name := "one segment"
		if split {
			name = "request line alone first"
		}
		t.Run(name, func(t *testing.T) {
			in := []byte(labRequests[0])
			segs := [][]byte{in}
			if split {
				i := bytes.IndexByte(in, '\n') + 1
				segs = [][]byte{in[:i], in[i:]}
			}
			src := &segmentReader{segs: segs, done: make(chan struct{})}
			defer close(src.done)
			m, err := readWithin(t, NewReader(src, Limits{}))
			if err != nil {
				t.Fatal(err)
			}
			want := &Request{Method: "SETUP", URL: "movie.Mjpeg", Proto: "RTSP/1.0", Lab: true,
				Header: Header{{"CSeq", "1"}, {"Transport", "RTP/UDP; client_port= 25000"}}}
			if !reflect.DeepEqual(m, want) {
				t.Fatalf("got %#v", m)
			}
		})
	}
}

// TestLabSessionOverPipe plays the lab client's whole session on one
// connection: each request its own write, a reply read in between.
func TestLabSessionOverPipe(t *testing.T) {
	srv, cli := net.Pipe()
	defer srv.Close()
	defer cli.Close()
	clientErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 256)
		for i, req := range labRequests {
			if _, err := cli.Write([]byte(req)); err != nil {
				clientErr <- err
				return
			}
			n, err := cli.Read(buf)
			if err != nil {
				clientErr <- err
				return
			}
			resp, err := ParseResponse(buf[:n])
			if err != nil {
				clientErr <- err
				return
			}
			if cseq, _ := ParseCSeq(resp.Header.Get("CSeq")); cseq != i+1 {
				clientErr <- errors.New("reply CSeq " + resp.Header.Get("CSeq"))
				return
			}
		}
		clientErr <- nil
	}()
	r := NewReader(srv, Limits{})
	_ = srv.SetDeadline(time.Now().Add(5 * time.Second))
	for i, want := range labRequests {
		m, err := r.Read()
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		req, ok := m.(*Request)
		if !ok || !req.Lab {
			t.Fatalf("request %d: %#v", i+1, m)
		}
		if got := string(req.Marshal()); got != want {
			t.Fatalf("request %d re-marshals as %q, want %q", i+1, got, want)
		}
		resp := &Response{StatusCode: StatusOK, Header: Header{{"CSeq", req.Header.Get("CSeq")}, {"Session", "837388"}}}
		if _, err := resp.WriteTo(srv); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-clientErr; err != nil {
		t.Fatal(err)
	}
}

func TestLabResponsesOnReader(t *testing.T) {
	src := &segmentReader{segs: [][]byte{[]byte("RTSP/1.0 200 OK\nCSeq: 1\r\nSession: 837388")}, done: make(chan struct{})}
	defer close(src.done)
	r := NewReader(src, Limits{})
	r.SetLabResponses(true)
	m, err := readWithin(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := &Response{Proto: "RTSP/1.0", StatusCode: 200, Reason: "OK", Header: Header{{"CSeq", "1"}, {"Session", "837388"}}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %#v", m)
	}
}

func TestParseResponseLab(t *testing.T) {
	for _, in := range []string{
		"RTSP/1.0 200 OK\nCSeq: 1\nSession: 837388",
		"RTSP/1.0 200 OK\nCSeq: 1\r\nSession: 837388",
		"RTSP/1.0 200 OK\nCSeq: 1\nSession: 837388\n",
		"RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: 837388\r\n\r\n",
	} {
		resp, err := ParseResponse([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := &Response{Proto: "RTSP/1.0", StatusCode: 200, Reason: "OK", Header: Header{{"CSeq", "1"}, {"Session", "837388"}}}
		if !reflect.DeepEqual(resp, want) {
			t.Fatalf("%q: got %#v", in, resp)
		}
	}
	req, err := ParseRequest([]byte(labRequests[0]))
	if err != nil || !req.Lab || req.Header.Get("Transport") != "RTP/UDP; client_port= 25000" {
		t.Fatalf("ParseRequest lab: %#v %v", req, err)
	}
	resp, err := ParseResponse([]byte("RTSP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabcdef"))
	if err != nil || string(resp.Body) != "abc" {
		t.Fatalf("body: %#v %v", resp, err)
	}
}

func TestFrameNoAlloc(t *testing.T) {
	pkt := AppendFrame(nil, 0, make([]byte, 1400))
	src := &repeatReader{data: pkt}
	r := NewReader(src, Limits{})
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		m, err := r.Read()
		if f, ok := m.(*Frame); err != nil || !ok || len(f.Payload) != 1400 {
			t.Fatalf("got %v %v", m, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

// repeatReader returns data over and over.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.data[r.off:])
		n += c
		r.off = (r.off + c) % len(r.data)
	}
	return n, nil
}

func TestAppendFrame(t *testing.T) {
	got := AppendFrame([]byte("x"), 3, []byte{1, 2, 3})
	want := []byte{'x', '$', 3, 0, 3, 1, 2, 3}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x", got)
	}
	if n := len(AppendFrame(nil, 0, make([]byte, 70000))); n != FrameHeaderSize+MaxFramePayload {
		t.Fatalf("oversized payload framed as %d bytes", n)
	}
}
