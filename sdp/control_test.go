package sdp

import (
	"errors"
	"testing"
)

func TestResolveControl(t *testing.T) {
	tests := []struct {
		name, base, control, want string
	}{
		// ffmpeg: SETUP = Content-Base + media control; PLAY/TEARDOWN to the
		// aggregate URL = Content-Base with its trailing '/'.
		{"ffmpeg setup", "rtsp://h/test/", "stream=0", "rtsp://h/test/stream=0"},
		{"ffmpeg play *", "rtsp://h/test/", "*", "rtsp://h/test/"},
		{"gst-rtsp-server capture", "rtsp://127.0.0.1:18554/test/", "stream=0", "rtsp://127.0.0.1:18554/test/stream=0"},
		// No Content-Base: base is the request URL without '/'. Joining with
		// '/' gives the URL GStreamer retries with after its first 404.
		{"no content-base", "rtsp://h/test", "stream=0", "rtsp://h/test/stream=0"},
		{"no content-base, *", "rtsp://h/test", "*", "rtsp://h/test"},
		{"no control attribute", "rtsp://h/test/", "", "rtsp://h/test/"},
		{"absolute control", "rtsp://h/test/", "rtsp://other:554/x/trackID=1", "rtsp://other:554/x/trackID=1"},
		{"absolute rtsps", "rtsp://h/test/", "rtsps://h/t", "rtsps://h/t"},
		{"absolute session control", "rtsp://h/test/", "rtsp://h/test/", "rtsp://h/test/"},
		{"host-absolute path", "rtsp://u:p@h:8554/a/b/", "/c/trackID=2", "rtsp://u:p@h:8554/c/trackID=2"},
		{"base without path", "rtsp://h:8554", "stream=0", "rtsp://h:8554/stream=0"},
		{"base query kept", "rtsp://h/test?token=1", "stream=0", "rtsp://h/test/stream=0?token=1"},
		{"base query replaced by control's", "rtsp://h/test/?token=1", "stream=0?x=2", "rtsp://h/test/stream=0?x=2"},
		{"control with colon is relative", "rtsp://h/test/", "track:1", "rtsp://h/test/track:1"},
		{"spaces trimmed", "rtsp://h/test/", " stream=0 ", "rtsp://h/test/stream=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveControl(tt.base, tt.control)
			if err != nil || got != tt.want {
				t.Errorf("ResolveControl(%q, %q) = %q, %v; want %q", tt.base, tt.control, got, err, tt.want)
			}
		})
	}
}

func TestResolveControlBadBase(t *testing.T) {
	for _, base := range []string{"", "movie.Mjpeg", "/test", "rtsp://", "rtsp:///path", "1tsp://h/", "rtsp:h/x",
		"A://#", "rtsp://?x=1", // fuzz regression: empty authority before a fragment or query
	} {
		if _, err := ResolveControl(base, "stream=0"); !errors.Is(err, ErrBadBase) {
			t.Errorf("ResolveControl(%q) error = %v, want ErrBadBase", base, err)
		}
	}
}

func TestResolveControlBadControl(t *testing.T) {
	for _, c := range []string{"rtsp://", "rtsp:///x", "a://", "rtsp://#f", "rtsp://?q"} {
		if _, err := ResolveControl("rtsp://h/", c); !errors.Is(err, ErrBadControl) {
			t.Errorf("ResolveControl(%q) error = %v, want ErrBadControl", c, err)
		}
	}
}
