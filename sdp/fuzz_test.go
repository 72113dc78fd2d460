package sdp

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzUnmarshal feeds arbitrary text to Unmarshal: it must never panic, what
// it accepts must marshal to a description it accepts again, and after that
// one normalising pass (defaults filled in, c= moved to the session)
// Marshal and Unmarshal must be exact inverses.
func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(gstSDP))
	f.Add([]byte(ffmpegSDP))
	f.Add(gstSession.Marshal())
	f.Add([]byte("v=0\nm=video 5000/2 RTP/AVP 26 96 x\na=rtpmap:96 H264/90000\na=framerate:29.97\na=range:npt=0-\nc=IN IP6 ::1\n"))
	f.Add([]byte("v=0\r\na=control\r\na=:x\r\na=\r\nm=a 0 b\r\na=control:\r\n"))
	f.Add([]byte("v=1\r\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		s1, err := Unmarshal(data)
		if err != nil {
			return
		}
		b1 := s1.Marshal()
		s2, err := Unmarshal(b1)
		if err != nil {
			t.Fatalf("re-parse of Marshal output failed: %v\n%q", err, b1)
		}
		b2 := s2.Marshal()
		s3, err := Unmarshal(b2)
		if err != nil {
			t.Fatalf("second re-parse failed: %v\n%q", err, b2)
		}
		if !reflect.DeepEqual(s2, s3) {
			t.Fatalf("not a fixed point:\n%#v\n%#v", s2, s3)
		}
		if b3 := s3.Marshal(); !bytes.Equal(b2, b3) {
			t.Fatalf("Marshal not stable:\n%q\n%q", b2, b3)
		}
	})
}

// FuzzResolveControl checks ResolveControl never panics and that a resolved
// URL is itself a valid base.
func FuzzResolveControl(f *testing.F) {
	f.Add("rtsp://h/test/", "stream=0")
	f.Add("rtsp://h/test", "*")
	f.Add("rtsp://h/test?x=1", "/a?b")
	f.Add("rtsp://u:p@h:8554", "rtsp://x/y")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, base, control string) {
		u, err := ResolveControl(base, control)
		if err != nil {
			return
		}
		if _, err := ResolveControl(u, "*"); err != nil {
			t.Fatalf("resolved %q from (%q, %q) is not a valid base: %v", u, base, control, err)
		}
	})
}
