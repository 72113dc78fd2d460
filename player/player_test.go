package player

import (
	"image/color"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
)

func TestButtonsFollowState(t *testing.T) {
	var (
		mu   sync.Mutex
		srcs []*fakeSource
	)
	h := newHarness(t, Config{Dial: fakeDialer(&srcs, &mu, nil), URL: "rtsp://fake/x"})
	p := h.p
	steps := []struct {
		name  string
		tap   func()
		want  [4]bool
		state client.State
	}{
		{"start", func() {}, initial, client.StateInit},
		{"setup", func() { h.tap(p.setupBtn) }, ready, client.StateReady},
		{"setup again is disabled", func() { h.tap(p.setupBtn) }, ready, client.StateReady},
		{"play", func() { h.tap(p.playBtn) }, playing, client.StatePlaying},
		{"pause", func() { h.tap(p.pauseBtn) }, ready, client.StateReady},
		{"resume", func() { h.tap(p.playBtn) }, playing, client.StatePlaying},
		{"teardown", func() { h.tap(p.teardownBtn) }, initial, client.StateInit},
		{"play without setup", func() { h.tap(p.playBtn) }, playing, client.StatePlaying},
	}
	for _, s := range steps {
		s.tap()
		if got := h.enabled(); got != s.want {
			t.Errorf("%s: Setup/Play/Pause/Teardown enabled = %v, want %v", s.name, got, s.want)
		}
		if got := p.State(); got != s.state {
			t.Errorf("%s: state %v, want %v", s.name, got, s.state)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(srcs) != 2 {
		t.Fatalf("dialed %d times, want 2 (once per session)", len(srcs))
	}
	if got, want := srcs[0].Calls(), []string{"SETUP", "PLAY", "PAUSE", "PLAY", "TEARDOWN"}; !slices.Equal(got, want) {
		t.Errorf("first session requests %v, want %v", got, want)
	}
	if got, want := srcs[1].Calls(), []string{"SETUP", "PLAY"}; !slices.Equal(got, want) {
		t.Errorf("second session requests %v, want %v (Play performs SETUP first)", got, want)
	}
	p.Close()
	if got := srcs[1].Calls(); got[len(got)-1] != "TEARDOWN" {
		t.Errorf("Close sent %v, want TEARDOWN last", got)
	}
}

func TestErrorsShownInWindow(t *testing.T) {
	var (
		mu   sync.Mutex
		srcs []*fakeSource
	)
	h := newHarness(t, Config{Dial: fakeDialer(&srcs, &mu, errUnreachable), URL: "rtsp://127.0.0.1:1/x"})
	h.tap(h.p.playBtn)
	if got := h.statusText(); !strings.Contains(got, "connection refused") || !strings.HasPrefix(got, "Error: Play") {
		t.Errorf("status %q, want the dial error", got)
	}
	if got := h.enabled(); got != initial {
		t.Errorf("after a failed dial enabled = %v, want %v", got, initial)
	}
}

func TestStreamEndResets(t *testing.T) {
	var (
		mu   sync.Mutex
		srcs []*fakeSource
	)
	h := newHarness(t, Config{Dial: fakeDialer(&srcs, &mu, nil), URL: "rtsp://fake/x"})
	h.tap(h.p.playBtn)
	mu.Lock()
	src := srcs[0]
	mu.Unlock()
	src.end(client.ErrEndOfStream)
	timeout := time.After(10 * time.Second)
	for !strings.Contains(h.statusText(), "end of stream") {
		select {
		case <-h.ui.ran:
		case <-timeout:
			t.Fatalf("status %q, want end of stream", h.statusText())
		}
	}
	if got := h.enabled(); got != initial {
		t.Errorf("enabled = %v, want %v", got, initial)
	}
}

func TestFramesShownAndCleared(t *testing.T) {
	var (
		mu   sync.Mutex
		srcs []*fakeSource
	)
	h := newHarness(t, Config{Dial: fakeDialer(&srcs, &mu, nil), URL: "rtsp://fake/x", JitterBuffer: -1})
	h.tap(h.p.playBtn)
	mu.Lock()
	src := srcs[0]
	mu.Unlock()
	colors := []color.RGBA{{255, 0, 0, 255}, {0, 0, 255, 255}}
	var caps [2][]byte
	for i, c := range colors {
		// Counted before sending: the picture may be shown before the
		// next line runs.
		before := h.shownCount()
		src.frames <- client.Frame{JPEG: solidJPEG(t, 64, 48, c), Timestamp: uint32(i * 3000), Arrival: time.Now()}
		h.waitShownTotal(before + 1)
		caps[i] = h.videoCapture().Pix
	}
	if slices.Equal(caps[0], caps[1]) {
		t.Error("video area unchanged by a new frame")
	}
	h.tap(h.p.teardownBtn)
	h.ui.mu.Lock()
	img := h.p.video.Image
	h.ui.mu.Unlock()
	if img != nil {
		t.Error("Teardown left a picture")
	}
}
