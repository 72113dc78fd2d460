package player

import (
	"image"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/canvas"
)

// screen hands decoded pictures to the video canvas.Image through the UI
// goroutine. At most one picture waits for the UI goroutine: a newer one
// replaces it (counted as dropped), so a slow UI never queues up latency.
// Pictures' pixel buffers are recycled once replaced on the canvas.
type screen struct {
	do    func(func())
	video *canvas.Image
	now   func() time.Time

	pending atomic.Pointer[picture]

	poolMu sync.Mutex
	pool   []*image.RGBA

	shown, dropped atomic.Uint64

	latMu sync.Mutex
	lat   latency
}

// latency accumulates arrival-to-display delays, and the part of them
// after the frame's due time (the UI goroutine's lag).
type latency struct {
	n                int
	sum, max, lagSum time.Duration
}

func (l *latency) add(d, lag time.Duration) {
	l.n++
	l.sum += d
	l.max = max(l.max, d)
	l.lagSum += lag
}

func (l latency) lag() time.Duration {
	if l.n == 0 {
		return 0
	}
	return l.lagSum / time.Duration(l.n)
}

func (l latency) mean() time.Duration {
	if l.n == 0 {
		return 0
	}
	return l.sum / time.Duration(l.n)
}

const poolSize = 4

// buffer returns an RGBA image of w×h pixels, recycled when possible.
func (s *screen) buffer(w, h int) *image.RGBA {
	s.poolMu.Lock()
	defer s.poolMu.Unlock()
	for len(s.pool) > 0 {
		b := s.pool[len(s.pool)-1]
		s.pool = s.pool[:len(s.pool)-1]
		if b.Rect.Dx() == w && b.Rect.Dy() == h {
			return b
		}
	}
	return image.NewRGBA(image.Rect(0, 0, w, h))
}

func (s *screen) release(img image.Image) {
	b, ok := img.(*image.RGBA)
	if !ok || b == nil {
		return
	}
	s.poolMu.Lock()
	if len(s.pool) < poolSize {
		s.pool = append(s.pool, b)
	}
	s.poolMu.Unlock()
}

// offer queues p for display (any goroutine).
func (s *screen) offer(p *picture) {
	if old := s.pending.Swap(p); old != nil {
		s.dropped.Add(1)
		s.release(old.img)
		return
	}
	s.do(s.flush)
}

// flush runs on the UI goroutine: it shows the pending picture.
func (s *screen) flush() {
	p := s.pending.Swap(nil)
	if p == nil {
		return
	}
	old := s.video.Image
	s.video.Image = p.img
	s.video.Refresh()
	// The painter runs on this goroutine and copies the pixels when it
	// uploads the texture, so the replaced buffer is free now.
	if old != nil && old != image.Image(p.img) {
		s.release(old)
	}
	s.shown.Add(1)
	if !p.arrival.IsZero() {
		now := s.now()
		s.latMu.Lock()
		s.lat.add(now.Sub(p.arrival), now.Sub(p.due))
		s.latMu.Unlock()
	}
}

// takeLatency returns the latency since the last call and resets it.
func (s *screen) takeLatency() latency {
	s.latMu.Lock()
	defer s.latMu.Unlock()
	l := s.lat
	s.lat = latency{}
	return l
}

// clear blanks the video area (UI goroutine).
func (s *screen) clear() {
	if p := s.pending.Swap(nil); p != nil {
		s.release(p.img)
	}
	if s.video.Image != nil {
		s.release(s.video.Image)
	}
	s.video.Image = nil
	s.video.Refresh()
}
