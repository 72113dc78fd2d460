package sdp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestMarshalGolden checks the exact shape of interop.md "What servers must
// answer": v o s c t a=control a=range m a=rtpmap a=framerate a=control.
func TestMarshalGolden(t *testing.T) {
	tests := []struct {
		name string
		s    Session
		want string
	}{
		{
			name: "file",
			s: Session{Origin: "- 1732536000 1 IN IP4 192.168.1.5", Name: "movie.Mjpeg", Range: "npt=0-16.667",
				Media: []Media{{Type: "video", Proto: "RTP/AVP", Formats: []int{26}, Control: "stream=0",
					RTPMap: map[int]string{26: "JPEG/90000"}, Framerate: 30}}},
			want: "v=0\r\n" +
				"o=- 1732536000 1 IN IP4 192.168.1.5\r\n" +
				"s=movie.Mjpeg\r\n" +
				"c=IN IP4 0.0.0.0\r\n" +
				"t=0 0\r\n" +
				"a=control:*\r\n" +
				"a=range:npt=0-16.667\r\n" +
				"m=video 0 RTP/AVP 26\r\n" +
				"a=rtpmap:26 JPEG/90000\r\n" +
				"a=framerate:30\r\n" +
				"a=control:stream=0\r\n",
		},
		{
			name: "defaults: live, media control from index, formats from rtpmap",
			s:    Session{Range: "npt=now-", Media: []Media{{RTPMap: map[int]string{26: "JPEG/90000"}, Framerate: 29.97}}},
			want: "v=0\r\n" +
				"o=- 0 0 IN IP4 127.0.0.1\r\n" +
				"s= \r\n" +
				"c=IN IP4 0.0.0.0\r\n" +
				"t=0 0\r\n" +
				"a=control:*\r\n" +
				"a=range:npt=now-\r\n" +
				"m=video 0 RTP/AVP 26\r\n" +
				"a=rtpmap:26 JPEG/90000\r\n" +
				"a=framerate:29.97\r\n" +
				"a=control:stream=0\r\n",
		},
		{
			name: "extra attributes, IPv6, two media, injection stripped",
			s: Session{Name: "a\r\nb=evil", ConnAddr: "::1", Control: "rtsp://h/x/", Attributes: []Attribute{{"tool", "rtpstream"}, {"recvonly", ""}},
				Media: []Media{
					{Type: "video", Port: 0, Proto: "RTP/AVP", Formats: []int{26}, Attributes: []Attribute{{"x-dimensions", "640,480"}}},
					{Type: "audio", Port: 0, Proto: "RTP/AVP", Formats: []int{0, 8}, RTPMap: map[int]string{8: "PCMA/8000"}},
				}},
			want: "v=0\r\n" +
				"o=- 0 0 IN IP4 127.0.0.1\r\n" +
				"s=a  b=evil\r\n" +
				"c=IN IP6 ::1\r\n" +
				"t=0 0\r\n" +
				"a=control:rtsp://h/x/\r\n" +
				"a=tool:rtpstream\r\n" +
				"a=recvonly\r\n" +
				"m=video 0 RTP/AVP 26\r\n" +
				"a=control:stream=0\r\n" +
				"a=x-dimensions:640,480\r\n" +
				"m=audio 0 RTP/AVP 0 8\r\n" +
				"a=rtpmap:8 PCMA/8000\r\n" +
				"a=control:stream=1\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.s.Marshal()); got != tt.want {
				t.Errorf("Marshal =\n%s\nwant\n%s", strings.ReplaceAll(got, "\r", "␍"), strings.ReplaceAll(tt.want, "\r", "␍"))
			}
		})
	}
}

// gstSDP is the DESCRIBE body of gst-rtsp-server 1.22 (Debian 12) serving
// "videotestsrc ! jpegenc ! rtpjpegpay name=pay0 pt=26", captured on this
// machine from shared/peers/gst_rtsp_server.py; its reply carried
// "Content-Base: rtsp://127.0.0.1:18554/test/".
const gstSDP = "v=0\r\n" +
	"o=- 13014207802222818106 1 IN IP4 127.0.0.1\r\n" +
	"s=Session streamed with GStreamer\r\n" +
	"i=rtsp-server\r\n" +
	"t=0 0\r\n" +
	"a=tool:GStreamer\r\n" +
	"a=type:broadcast\r\n" +
	"a=control:*\r\n" +
	"a=range:npt=now-\r\n" +
	"m=video 0 RTP/AVP 26\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=rtpmap:26 JPEG/90000\r\n" +
	"a=framerate:30.000000\r\n" +
	"a=control:stream=0\r\n" +
	"a=ts-refclk:local\r\n" +
	"a=mediaclk:sender\r\n" +
	"a=ssrc:3827673772 cname:user3490005347@host-57ce79e2\r\n"

var gstSession = &Session{
	Origin:     "- 13014207802222818106 1 IN IP4 127.0.0.1",
	Name:       "Session streamed with GStreamer",
	ConnAddr:   "0.0.0.0",
	Control:    "*",
	Range:      "npt=now-",
	Attributes: []Attribute{{"tool", "GStreamer"}, {"type", "broadcast"}},
	Media: []Media{{
		Type: "video", Port: 0, Proto: "RTP/AVP", Formats: []int{26}, Control: "stream=0",
		RTPMap: map[int]string{26: "JPEG/90000"}, Framerate: 30,
		Attributes: []Attribute{{"ts-refclk", "local"}, {"mediaclk", "sender"},
			{"ssrc", "3827673772 cname:user3490005347@host-57ce79e2"}},
	}},
}

// ffmpegSDP is what ffmpeg 5.1's RTP muxer writes for MJPEG (-sdp_file),
// captured on this machine: no a=control and no rtpmap for static type 26.
const ffmpegSDP = "v=0\r\n" +
	"o=- 0 0 IN IP4 127.0.0.1\r\n" +
	"s=No Name\r\n" +
	"c=IN IP4 127.0.0.1\r\n" +
	"t=0 0\r\n" +
	"a=tool:libavformat LIBAVFORMAT_VERSION\r\n" +
	"m=video 25004 RTP/AVP 26\r\n" +
	"b=AS:200\r\n"

func TestUnmarshalGolden(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Session
	}{
		{"gst-rtsp-server", gstSDP, gstSession},
		{"gst-rtsp-server with LF only", strings.ReplaceAll(gstSDP, "\r\n", "\n"), gstSession},
		{"ffmpeg rtp muxer", ffmpegSDP, &Session{
			Origin: "- 0 0 IN IP4 127.0.0.1", Name: "No Name", ConnAddr: "127.0.0.1",
			Attributes: []Attribute{{"tool", "libavformat LIBAVFORMAT_VERSION"}},
			Media:      []Media{{Type: "video", Port: 25004, Proto: "RTP/AVP", Formats: []int{26}}},
		}},
		{"our own", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=movie.Mjpeg\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=control:*\r\n" +
			"a=range:npt=0-16.667\r\nm=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\na=framerate:30\r\na=control:stream=0\r\n",
			&Session{Origin: "- 1 1 IN IP4 10.0.0.1", Name: "movie.Mjpeg", ConnAddr: "0.0.0.0", Control: "*", Range: "npt=0-16.667",
				Media: []Media{{Type: "video", Proto: "RTP/AVP", Formats: []int{26}, Control: "stream=0",
					RTPMap: map[int]string{26: "JPEG/90000"}, Framerate: 30}}}},
		{"tolerance: blank lines, junk, spaces, bad rtpmap/framerate kept, media range, port count, odd formats",
			"\n  v=0 \r\n\r\nthis is not sdp\nx\nz=0 0\n" +
				"s=  spaced name  \n" +
				"a=control: rtsp://srv/live/ \n" +
				"m=video 5000/2 RTP/AVP 26 96 webrtc 300\n" +
				"a=rtpmap:x JPEG/90000\n" +
				"a=rtpmap:96 H264/90000/1\n" +
				"a=framerate:fast\n" +
				"a=framerate:-1\n" +
				"a=range:npt=0-\n" +
				"a=sendonly\n" +
				"a=control:trackID=1\n" +
				"a=control:ignored-second\n" +
				"c=IN IP4 10.1.2.3/127\n",
			&Session{Name: "spaced name", Control: "rtsp://srv/live/", Range: "npt=0-", ConnAddr: "10.1.2.3/127",
				Media: []Media{{Type: "video", Port: 5000, Proto: "RTP/AVP", Formats: []int{26, 96}, Control: "trackID=1",
					RTPMap: map[int]string{96: "H264/90000/1"},
					Attributes: []Attribute{{"rtpmap", "x JPEG/90000"}, {"framerate", "fast"}, {"framerate", "-1"},
						{"range", "npt=0-"}, {"sendonly", ""}}}}}},
		{"session c= wins over media c=", "v=0\nc=IN IP4 1.1.1.1\nm=video 0 RTP/AVP 26\nc=IN IP4 2.2.2.2\n",
			&Session{ConnAddr: "1.1.1.1", Media: []Media{{Type: "video", Proto: "RTP/AVP", Formats: []int{26}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unmarshal([]byte(tt.in))
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Unmarshal =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrMissingVersion},
		{"html", "<html><body>404</body></html>", ErrMissingVersion},
		{"no v line", "o=- 0 0 IN IP4 1.2.3.4\r\ns=x\r\n", ErrMissingVersion},
		{"version 1", "v=1\r\n", ErrBadVersion},
		{"m= too short", "v=0\r\nm=video 0\r\n", ErrMalformed},
		{"m= bad port", "v=0\r\nm=video x RTP/AVP 26\r\n", ErrMalformed},
		{"m= port out of range", "v=0\r\nm=video 70000 RTP/AVP 26\r\n", ErrMalformed},
		{"m= negative port", "v=0\r\nm=video -1 RTP/AVP 26\r\n", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Unmarshal([]byte(tt.in)); !errors.Is(err, tt.want) {
				t.Fatalf("Unmarshal error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestRoundTrip checks Unmarshal(Marshal(s)) == s for descriptions that use
// no defaults, and that the GStreamer description survives a round trip
// (with c= moved to the session level).
func TestRoundTrip(t *testing.T) {
	for _, s := range []*Session{
		gstSession,
		{Origin: "- 1 2 IN IP4 1.2.3.4", Name: "n", ConnAddr: "::1", Control: "rtsp://h/a/", Range: "npt=0-1.5",
			Attributes: []Attribute{{"k", "v:w"}, {"flag", ""}},
			Media: []Media{
				{Type: "video", Port: 1, Proto: "RTP/AVP", Formats: []int{26, 96}, Control: "v",
					RTPMap: map[int]string{26: "JPEG/90000", 96: "H264/90000"}, Framerate: 12.5},
				{Type: "audio", Port: 2, Proto: "RTP/AVP/TCP", Formats: []int{0}, Control: "a",
					Attributes: []Attribute{{"ptime", "20"}}},
			}},
	} {
		got, err := Unmarshal(s.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip =\n%#v\nwant\n%#v", got, s)
		}
	}
}

func TestEncoding(t *testing.T) {
	m := Media{RTPMap: map[int]string{96: "H264/90000", 97: "opus/48000/2", 98: "bad", 99: "X/0", 26: "JPEG/90000"}}
	tests := []struct {
		pt    int
		name  string
		clock int
		ok    bool
	}{
		{26, "JPEG", 90000, true},
		{96, "H264", 90000, true},
		{97, "opus", 48000, true},
		{98, "", 0, false},
		{99, "", 0, false},
		{0, "PCMU", 8000, true}, // static, no rtpmap
		{8, "PCMA", 8000, true},
		{100, "", 0, false},
	}
	for _, tt := range tests {
		name, clock, ok := m.Encoding(tt.pt)
		if name != tt.name || clock != tt.clock || ok != tt.ok {
			t.Errorf("Encoding(%d) = %q %d %v, want %q %d %v", tt.pt, name, clock, ok, tt.name, tt.clock, tt.ok)
		}
	}
	// ffmpeg's description: JPEG without rtpmap.
	s, err := Unmarshal([]byte(ffmpegSDP))
	if err != nil {
		t.Fatal(err)
	}
	if name, clock, ok := s.Media[0].Encoding(26); name != "JPEG" || clock != 90000 || !ok {
		t.Errorf("ffmpeg Encoding(26) = %q %d %v", name, clock, ok)
	}
}

func TestAttributeLookup(t *testing.T) {
	if v, ok := gstSession.Attribute("type"); !ok || v != "broadcast" {
		t.Errorf("Session.Attribute(type) = %q %v", v, ok)
	}
	if _, ok := gstSession.Attribute("nope"); ok {
		t.Error("Session.Attribute(nope) found")
	}
	if v, ok := gstSession.Media[0].Attribute("mediaclk"); !ok || v != "sender" {
		t.Errorf("Media.Attribute(mediaclk) = %q %v", v, ok)
	}
}
