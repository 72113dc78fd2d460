package player

import (
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
)

// startServer runs our server (the /test pattern, 640x480 at 30 fps) for
// the test and returns the pattern's URL.
func startServer(t *testing.T) string {
	t.Helper()
	return servertest.URL(t, servertest.Start(t, server.Config{}), "/test")
}

// TestRealServer taps the buttons against our server: Setup enables Play,
// Play shows moving video, Pause freezes it, Teardown resets the window.
func TestRealServer(t *testing.T) {
	url := startServer(t)
	h := newHarness(t, Config{Dial: ClientDialer(client.Config{Transport: client.TransportUDP}), URL: url})
	p := h.p

	h.tap(p.setupBtn)
	if got := h.enabled(); got != ready || p.State() != client.StateReady {
		t.Fatalf("after Setup: enabled %v state %v (status %q); want %v ready", got, p.State(), h.statusText(), ready)
	}

	h.tap(p.playBtn)
	if got := h.enabled(); got != playing {
		t.Fatalf("after Play: enabled %v (status %q), want %v", got, h.statusText(), playing)
	}
	h.waitShown(3)
	a := h.videoCapture()
	h.waitShown(10)
	b := h.videoCapture()
	if slices.Equal(a.Pix, b.Pix) {
		t.Error("video area identical in two captures while playing")
	}
	if blank(a) {
		t.Error("video area is blank while playing")
	}

	h.tap(p.pauseBtn)
	if got := h.enabled(); got != ready {
		t.Errorf("after Pause: enabled %v, want %v", got, ready)
	}
	// Frames already in the jitter buffer are still shown: wait (with a
	// deadline) until no picture is shown for 300 ms, then the picture
	// must not have changed over those 300 ms.
	var c *image.NRGBA
	for deadline := time.Now().Add(10 * time.Second); ; {
		n := h.shownCount()
		c = h.videoCapture()
		time.Sleep(300 * time.Millisecond) // the interval under test, not synchronisation
		if h.shownCount() == n {
			if d := h.videoCapture(); !slices.Equal(c.Pix, d.Pix) {
				t.Error("picture changes while paused")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("pictures still shown 10 s after Pause")
		}
	}
	if blank(c) {
		t.Error("paused picture is blank")
	}

	h.tap(p.playBtn)
	h.waitShown(3)

	h.tap(p.teardownBtn)
	if got := h.enabled(); got != initial || p.State() != client.StateInit {
		t.Errorf("after Teardown: enabled %v state %v, want %v init", got, p.State(), initial)
	}
	if !blank(h.videoCapture()) {
		t.Error("video area not cleared by Teardown")
	}
	if s := h.statusText(); strings.HasPrefix(s, "Error") {
		t.Errorf("status %q", s)
	}
}

func TestRealServerPlayWithoutSetup(t *testing.T) {
	url := startServer(t)
	h := newHarness(t, Config{Dial: ClientDialer(client.Config{}), URL: url})
	h.tap(h.p.playBtn)
	if got := h.enabled(); got != playing {
		t.Fatalf("after Play: enabled %v (status %q), want %v", got, h.statusText(), playing)
	}
	h.waitShown(5)
}

func TestRealServerErrors(t *testing.T) {
	url := startServer(t)
	tests := []struct {
		name, url, want string
	}{
		{"404", strings.TrimSuffix(url, "/test") + "/nope", "404"},
		{"unreachable", "rtsp://127.0.0.1:1/test", "refused"},
		{"bad URL", "http://example.com/", "bad URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{Dial: ClientDialer(client.Config{}), URL: tt.url})
			h.tap(h.p.playBtn)
			if got := h.statusText(); !strings.HasPrefix(got, "Error: ") || !strings.Contains(got, tt.want) {
				t.Errorf("status %q, want an error with %q", got, tt.want)
			}
			if got := h.enabled(); got != initial {
				t.Errorf("enabled %v, want %v", got, initial)
			}
		})
	}
}

// blank reports whether img is one colour (a 4-pixel frame excepted: the
// area's edge may catch the theme's background).
func blank(img *image.NRGBA) bool {
	r := img.Rect.Inset(4)
	first := img.NRGBAAt(r.Min.X, r.Min.Y)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.NRGBAAt(x, y) != first {
				return false
			}
		}
	}
	return true
}
