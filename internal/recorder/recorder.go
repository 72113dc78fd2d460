package recorder

import (
	"sync"
	"sync/atomic"
	"time"
)

// queued is a frame waiting for the Recorder's goroutine.
type queued struct {
	jpeg []byte
	at   time.Time
}

// Recorder records frames without blocking its caller: Offer queues a
// frame (bounded; a full queue drops it, counted) for the Recorder's own
// goroutine, which owns the Writer. Close ends it.
type Recorder struct {
	w    *Writer
	q    chan queued
	quit chan struct{}
	done chan struct{}
	gap  time.Duration

	closing  atomic.Bool
	stopOnce sync.Once
	// dropped counts frames the queue refused; closeErr is the last
	// segment's completion error (set by the goroutine before done).
	dropped  atomic.Uint64
	closeErr error
}

// Start makes a Writer (recovering leftovers, see NewWriter) and starts
// the goroutine that writes queued frames. Only invalid options are an
// error.
func Start(opt Options) (*Recorder, error) {
	w, err := NewWriter(opt)
	if err != nil {
		return nil, err
	}
	r := &Recorder{
		w: w, q: make(chan queued, w.opt.Queue), quit: make(chan struct{}), done: make(chan struct{}),
		gap: w.opt.Gap,
	}
	go r.run()
	return r, nil
}

// Offer queues a frame that arrived at at, never blocking. jpeg must not
// change afterwards (the server's frames never do). It reports whether the
// frame was queued: false when the queue is full or the Recorder closed.
func (r *Recorder) Offer(jpeg []byte, at time.Time) bool {
	if r.closing.Load() {
		return false
	}
	select {
	case r.q <- queued{jpeg, at}:
		return true
	default:
		r.dropped.Add(1)
		return false
	}
}

// Stats returns the counters; Dropped includes frames the queue refused.
func (r *Recorder) Stats() Stats {
	s := r.w.Stats()
	s.Dropped += r.dropped.Load()
	return s
}

// Close writes the frames already queued, completes the open segment and
// stops the goroutine, waiting for it. It returns the segment's completion
// error. Calling it again returns the same.
func (r *Recorder) Close() error {
	r.stopOnce.Do(func() {
		r.closing.Store(true)
		close(r.quit)
	})
	<-r.done
	return r.closeErr
}

// run is the Recorder's goroutine: frames in order, the open segment
// completed Gap after the last frame, and on quit the queue drained
// (bounded by its capacity: Offer refuses frames once closing).
func (r *Recorder) run() {
	defer close(r.done)
	idle := time.NewTimer(r.gap)
	idle.Stop()
	defer idle.Stop()
	reported := uint64(0)
	write := func(f queued) {
		_ = r.w.WriteFrame(f.jpeg, f.at) // failures are logged once by the Writer
		idle.Reset(r.gap)
		if d := r.dropped.Load(); d != reported && r.w.seg != nil && r.w.seg.frames == 1 {
			// At most one line a segment, when the disk lags.
			r.w.log.Warn("recording: queue full, frames dropped (the disk is not keeping up)", "dropped_total", d)
			reported = d
		}
	}
	for {
		select {
		case f := <-r.q:
			write(f)
		case <-idle.C:
			if err := r.w.CloseSegment(); err != nil {
				r.w.fail(time.Now(), err)
			}
		case <-r.quit:
			for range cap(r.q) {
				select {
				case f := <-r.q:
					write(f)
					continue
				default:
				}
				break
			}
			r.closeErr = r.w.Close()
			return
		}
	}
}
