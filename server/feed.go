package server

import (
	"context"
	"sync"
	"time"
)

// fileFeed plays a file (or the test pattern) as a live source for readers
// that have no position of their own: HTTP viewers watch a file the way
// they watch a camera, all at the same point of one shared timeline. It
// runs while it has readers: one goroutine and one ticker per stream,
// however many viewers.
type fileFeed struct {
	srv *Server
	st  *Stream

	mu      sync.Mutex
	readers []frameReader
	cancel  context.CancelFunc
}

// feedOf returns the stream's feed, making it on first use.
func (s *Server) feedOf(st *Stream) *fileFeed {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.feeds == nil {
		s.feeds = make(map[*Stream]*fileFeed)
	}
	f := s.feeds[st]
	if f == nil {
		f = &fileFeed{srv: s, st: st}
		s.feeds[st] = f
	}
	return f
}

// attach adds a reader; the first one starts the feed.
func (f *fileFeed) attach(r frameReader) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readers = append(f.readers, r)
	f.startLocked()
}

// start runs the feed if it has readers and is not running (Serve calls it
// for viewers that came before the server's context existed).
func (f *fileFeed) start() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.startLocked()
}

func (f *fileFeed) startLocked() {
	if f.cancel != nil || len(f.readers) == 0 {
		return
	}
	f.srv.mu.Lock()
	base := f.srv.baseCtx
	f.srv.mu.Unlock()
	if base == nil || base.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(base)
	f.cancel = cancel
	f.srv.bg.Add(1)
	go func() {
		defer f.srv.bg.Done()
		f.run(ctx)
	}()
}

// detach removes a reader; the last one stops the feed.
func (f *fileFeed) detach(r frameReader) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, o := range f.readers {
		if o == r {
			f.readers = append(f.readers[:i], f.readers[i+1:]...)
			break
		}
	}
	if len(f.readers) == 0 && f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
}

// run hands the stream's frames to the readers at the stream's rate, on
// the stream's frame clock (so the test pattern's frame counter matches
// what RTSP readers see), looping, until ctx ends.
func (f *fileFeed) run(ctx context.Context) {
	st := f.st
	period := time.Duration(float64(time.Second) / st.FPS)
	t := time.NewTicker(period)
	defer t.Stop()
	var (
		lf      liveFrame
		readers []frameReader
	)
	store := st.frames()
	n := int64(store.len())
	for {
		now := time.Now()
		idx := int64(now.Sub(st.epoch)/period) % n
		if sf, err := store.frame(int(idx)); err == nil {
			lf = liveFrame{jpeg: sf.jpeg, pk: sf.pk, arrival: now}
			f.mu.Lock()
			readers = append(readers[:0], f.readers...)
			f.mu.Unlock()
			for _, r := range readers {
				r.deliver(&lf, now)
			}
			clear(readers)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
