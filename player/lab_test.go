package player

import (
	"image/color"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
)

// TestLabServer plays from the fake Kurose-Ross lab server (which fails the
// test on any breach of lab-dialect.md) through the buttons: Setup, Play,
// Pause, Teardown; whole-JPEG frames are shown at their arrival times.
func TestLabServer(t *testing.T) {
	frames := [][]byte{
		solidJPEG(t, 64, 48, color.RGBA{255, 0, 0, 255}),
		solidJPEG(t, 64, 48, color.RGBA{0, 255, 0, 255}),
		solidJPEG(t, 64, 48, color.RGBA{0, 0, 255, 255}),
	}
	lab := clienttest.StartLabServer(t, clienttest.LabConfig{Frames: frames, Count: 1000, Interval: 20 * time.Millisecond})
	h := newHarness(t, Config{Dial: ClientDialer(client.Config{Lab: true}), URL: lab.URL})
	h.tap(h.p.setupBtn)
	if got := h.enabled(); got != ready {
		t.Fatalf("after Setup: enabled %v (status %q), want %v", got, h.statusText(), ready)
	}
	h.tap(h.p.playBtn)
	h.waitShown(5)
	h.tap(h.p.pauseBtn)
	if got := h.enabled(); got != ready {
		t.Errorf("after Pause: enabled %v (status %q), want %v", got, h.statusText(), ready)
	}
	h.tap(h.p.teardownBtn)
	if got := h.enabled(); got != initial {
		t.Errorf("after Teardown: enabled %v (status %q), want %v", got, h.statusText(), initial)
	}
	if td, _ := lab.TornDown(); !td {
		t.Error("the lab server saw no TEARDOWN")
	}
}
