package server

import (
	"context"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/internal/waker"
)

// scheduler sends every frame from one goroutine. Files and the test
// pattern are paced per session: a min-heap of (due time, session) entries,
// one timer, no goroutine or sleep per session; when an entry is due the
// session's next frame is sent (UDP) or queued (TCP) and the session is
// pushed back with its next due time. Live frames are posted when they
// complete and sent to every reader of their stream in the next wake-up.
type scheduler struct {
	mu sync.Mutex
	h  dueHeap
	// posts are live frames waiting for the next wake-up.
	posts []livePost
	w     waker.Waker
	// send is called for each due entry, outside mu; it returns the next due
	// time and whether the session stays scheduled.
	send func(e dueEntry, now time.Time) (time.Time, bool)
	// deliver sends a posted live frame to its stream's readers (nil: live
	// frames are dropped).
	deliver func(ls *liveStream, f *liveFrame, now time.Time)
	// sent is called for each live frame a wake-up delivered, after the
	// flush put it on its way, with the time then (nil: nothing to do).
	sent func(ls *liveStream, f *liveFrame, now time.Time)
	// flush is called after each wake-up's entries were sent, to push out
	// what send queued (nil: nothing to do).
	flush func()

	// watchFD is a socket the scheduler receives on (see watch), -1 for
	// none; drain reads what is queued there and reports whether it
	// stopped with more to read, or found the socket closed (the
	// scheduler then stops watching it). draining is set (under mu) while
	// drain runs, so that frames it posts wake no one: the loop collects
	// them next.
	watchFD  int
	drain    func() (more, closed bool)
	draining bool
}

// batchSlack is how early an entry may be sent to share a wake-up with
// others: far below a frame period, far above timer jitter.
const batchSlack = time.Millisecond

// livePost is a live frame handed to the scheduler.
type livePost struct {
	ls *liveStream
	f  *liveFrame
}

type dueEntry struct {
	due time.Time
	s   *Session
	gen uint64
}

// dueHeap is a binary min-heap on due time, written out (rather than via
// container/heap) so pushing and popping never box entries in interfaces:
// the scheduler allocates nothing per frame.
type dueHeap []dueEntry

func (h *dueHeap) push(e dueEntry) {
	*h = append(*h, e)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !a[i].due.Before(a[p].due) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *dueHeap) pop() dueEntry {
	a := *h
	e := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a[n] = dueEntry{}
	a = a[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && a[l].due.Before(a[m].due) {
			m = l
		}
		if r := l + 1; r < n && a[r].due.Before(a[m].due) {
			m = r
		}
		if m == i {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return e
}

func newScheduler(send func(dueEntry, time.Time) (time.Time, bool), flush func()) *scheduler {
	return &scheduler{w: waker.New(), send: send, flush: flush, watchFD: -1}
}

// watch makes the scheduler the receiver of socket fd: it waits for fd
// beside its timer and wake-ups, and calls drain (which must read fd
// without blocking) at the top of each wake-up that found fd readable.
// What arrives while the scheduler sends is read as soon as it has
// nothing due (the descriptor is still readable then, so the wait ends at
// once). A live frame that a packet completes then goes out in the same
// wake-up, on the same thread, instead of waking a reader thread and then
// this one. It reports false
// when this platform's waker cannot wait for a descriptor: the caller then
// reads fd on a goroutine of its own. Call it before run.
func (sc *scheduler) watch(fd int, drain func() (more, closed bool)) bool {
	if _, ok := sc.w.(waker.FDWaiter); !ok {
		return false
	}
	sc.watchFD, sc.drain = fd, drain
	return true
}

// add schedules s (at generation gen) to be sent at due.
func (sc *scheduler) add(s *Session, gen uint64, due time.Time) {
	sc.mu.Lock()
	sc.h.push(dueEntry{due: due, s: s, gen: gen})
	first := sc.h[0].s == s && sc.h[0].gen == gen
	sc.mu.Unlock()
	if first {
		sc.w.Wake()
	}
}

// post hands a complete live frame to the scheduler, which sends it to the
// stream's playing readers in its next wake-up (at once).
func (sc *scheduler) post(ls *liveStream, f *liveFrame) {
	sc.mu.Lock()
	sc.posts = append(sc.posts, livePost{ls: ls, f: f})
	first := len(sc.posts) == 1 && !sc.draining
	sc.mu.Unlock()
	if first {
		sc.w.Wake()
	}
}

// postedBefore tells whether ps holds a frame of ls.
func postedBefore(ps []livePost, ls *liveStream) bool {
	for _, p := range ps {
		if p.ls == ls {
			return true
		}
	}
	return false
}

// run sends due frames until ctx ends.
func (sc *scheduler) run(ctx context.Context) {
	defer sc.w.Close()
	stop := context.AfterFunc(ctx, sc.w.Wake)
	defer stop()
	var (
		batch []dueEntry
		posts []livePost
	)
	fw, _ := sc.w.(waker.FDWaiter)
	readable := sc.drain != nil // whatever came before run
	for ctx.Err() == nil {
		if readable {
			sc.mu.Lock()
			sc.draining = true
			sc.mu.Unlock()
			more, closed := sc.drain()
			sc.mu.Lock()
			sc.draining = false
			sc.mu.Unlock()
			readable = more
			if closed {
				sc.drain = nil
			}
		}
		now := time.Now()
		sc.mu.Lock()
		batch = batch[:0]
		// Entries due within batchSlack are sent in this wake-up too: one
		// timer wake-up serves every session of a frame tick.
		horizon := now.Add(batchSlack)
		for len(sc.h) > 0 && !sc.h[0].due.After(horizon) {
			batch = append(batch, sc.h.pop())
		}
		posts, sc.posts = sc.posts, posts[:0]
		var wait time.Duration = -1
		if len(batch) == 0 && len(posts) == 0 && len(sc.h) > 0 {
			wait = sc.h[0].due.Sub(now)
		}
		sc.mu.Unlock()

		if len(batch) > 0 || len(posts) > 0 {
			for i, p := range posts {
				// A session's header scratch serves one frame per
				// flush: two frames of one stream in a wake-up (a
				// burst from the source) go out in two flushes.
				if i > 0 && sc.flush != nil && postedBefore(posts[:i], p.ls) {
					sc.flush()
				}
				if sc.deliver != nil {
					sc.deliver(p.ls, p.f, now)
				}
			}
			for i, e := range batch {
				if next, ok := sc.send(e, now); ok {
					sc.mu.Lock()
					sc.h.push(dueEntry{due: next, s: e.s, gen: e.gen})
					sc.mu.Unlock()
				}
				batch[i] = dueEntry{}
			}
			if sc.flush != nil {
				sc.flush()
			}
			if sc.sent != nil && len(posts) > 0 {
				done := time.Now()
				for _, p := range posts {
					sc.sent(p.ls, p.f, done)
				}
			}
			clear(posts) // drop the frames' references
			continue
		}
		if wait < 0 {
			wait = time.Hour
		}
		if sc.drain != nil {
			readable = fw.WaitFD(wait, sc.watchFD)
			continue
		}
		sc.w.Wait(wait)
	}
}
