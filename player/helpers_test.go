package player

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/rtpstream/rtpstream/client"
)

// ui stands in for the UI goroutine in tests: Do runs functions under a
// mutex that taps and captures also hold, and signals each run.
type ui struct {
	mu  sync.Mutex
	ran chan struct{}
}

func newUI() *ui { return &ui{ran: make(chan struct{}, 1)} }

func (u *ui) do(f func()) {
	u.mu.Lock()
	f()
	u.mu.Unlock()
	select {
	case u.ran <- struct{}{}:
	default:
	}
}

// harness is a Player in a test window.
type harness struct {
	t  *testing.T
	ui *ui
	p  *Player
	w  fyne.Window
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	test.NewTempApp(t)
	u := newUI()
	cfg.Do = u.do
	p := New(cfg)
	t.Cleanup(p.Close)
	w := test.NewTempWindow(t, p.Content())
	w.Resize(fyne.NewSize(480, 440))
	return &harness{t: t, ui: u, p: p, w: w}
}

// tap taps b and waits for the operation it started.
func (h *harness) tap(b *widget.Button) {
	h.ui.mu.Lock()
	test.Tap(b)
	h.ui.mu.Unlock()
	h.p.ops.Wait()
}

// enabled returns which of Setup, Play, Pause, Teardown are enabled.
func (h *harness) enabled() [4]bool {
	h.ui.mu.Lock()
	defer h.ui.mu.Unlock()
	p := h.p
	return [4]bool{!p.setupBtn.Disabled(), !p.playBtn.Disabled(), !p.pauseBtn.Disabled(), !p.teardownBtn.Disabled()}
}

func (h *harness) statusText() string {
	h.ui.mu.Lock()
	defer h.ui.mu.Unlock()
	return h.p.status.Text
}

// videoCapture renders the window and returns the video area's pixels.
func (h *harness) videoCapture() *image.NRGBA {
	h.ui.mu.Lock()
	defer h.ui.mu.Unlock()
	img := h.w.Canvas().Capture()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(h.p.video)
	size := h.p.video.Size()
	s := h.w.Canvas().Scale()
	r := image.Rect(int(pos.X*s), int(pos.Y*s), int((pos.X+size.Width)*s), int((pos.Y+size.Height)*s))
	out := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			out.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return out
}

// waitShown waits until n more pictures than now have been shown. Only for
// a stream that keeps coming: a picture shown before the call is not
// counted, so to wait for the pictures of frames the test sends itself,
// take shownCount before sending and use waitShownTotal.
func (h *harness) waitShown(n uint64) {
	h.t.Helper()
	h.waitShownTotal(h.shownCount() + n)
}

// shownCount is how many pictures have been shown so far.
func (h *harness) shownCount() uint64 { return h.p.scr.shown.Load() }

// waitShownTotal waits until target pictures in all have been shown.
func (h *harness) waitShownTotal(target uint64) {
	h.t.Helper()
	timeout := time.After(10 * time.Second)
	for h.p.scr.shown.Load() < target {
		select {
		case <-h.ui.ran:
		case <-timeout:
			h.t.Fatalf("only %d of %d pictures shown", h.p.scr.shown.Load(), target)
		}
	}
}

var (
	initial = [4]bool{true, true, false, false}
	ready   = [4]bool{false, true, false, true}
	playing = [4]bool{false, false, true, true}
)

// fakeSource is a scriptable Source recording the requests it gets.
type fakeSource struct {
	mu       sync.Mutex
	state    client.State
	calls    []string
	failWith error // returned by Setup and Play
	frames   chan client.Frame
	done     chan struct{}
	doneOnce sync.Once
	err      error
}

func newFakeSource() *fakeSource {
	return &fakeSource{frames: make(chan client.Frame, 16), done: make(chan struct{})}
}

func (f *fakeSource) call(name string) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
}

func (f *fakeSource) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeSource) Setup(context.Context) error {
	f.call("SETUP")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return f.failWith
	}
	f.state = client.StateReady
	return nil
}

func (f *fakeSource) Play(ctx context.Context) error {
	if f.State() == client.StateInit {
		if err := f.Setup(ctx); err != nil {
			return err
		}
	}
	f.call("PLAY")
	f.mu.Lock()
	f.state = client.StatePlaying
	f.mu.Unlock()
	return nil
}

func (f *fakeSource) Pause(context.Context) error {
	f.call("PAUSE")
	f.mu.Lock()
	f.state = client.StateReady
	f.mu.Unlock()
	return nil
}

func (f *fakeSource) Teardown(context.Context) error {
	f.call("TEARDOWN")
	return f.Close()
}

func (f *fakeSource) Close() error {
	f.mu.Lock()
	f.state = client.StateClosed
	f.mu.Unlock()
	f.end(client.ErrClosed)
	return nil
}

func (f *fakeSource) end(err error) {
	f.doneOnce.Do(func() { f.err = err; close(f.done) })
}

func (f *fakeSource) State() client.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeSource) Stats() client.Stats         { return client.Stats{Transport: "udp"} }
func (f *fakeSource) Frames() <-chan client.Frame { return f.frames }
func (f *fakeSource) Done() <-chan struct{}       { return f.done }
func (f *fakeSource) Err() error {
	select {
	case <-f.done:
		return f.err
	default:
		return nil
	}
}

// fakeDialer returns a Dialer handing out fresh fakeSources, recorded in
// *srcs, or failing with err.
func fakeDialer(srcs *[]*fakeSource, mu *sync.Mutex, err error) Dialer {
	return func(context.Context, string) (Source, error) {
		if err != nil {
			return nil, err
		}
		s := newFakeSource()
		mu.Lock()
		*srcs = append(*srcs, s)
		mu.Unlock()
		return s, nil
	}
}

var errUnreachable = errors.New("connect 127.0.0.1:1: connection refused")

// solidJPEG encodes a w×h JPEG of one colour.
func solidJPEG(t testing.TB, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	y, cb, cr := color.RGBToYCbCr(c.(color.RGBA).R, c.(color.RGBA).G, c.(color.RGBA).B)
	for i := range img.Y {
		img.Y[i] = y
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = cb, cr
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newTestImage() *canvas.Image { return &canvas.Image{} }
