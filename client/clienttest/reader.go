package clienttest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/internal/testenv"
)

// Reader is one of our clients playing a URL in the background, recording
// when each frame arrived and its RTP timestamp (and, if asked, its JPEG):
// what tests of a server's pacing, continuity, reloads and relays look at.
type Reader struct {
	// Session is the playing session, for its Stats and Err.
	Session *client.Session
	keep    bool
	done    chan struct{} // closed when the frame loop ends

	mu         sync.Mutex
	arrivals   []time.Time
	timestamps []uint32
	jpegs      [][]byte
}

// StartReader dials url with cfg (lab detection off), sets the stream up
// and plays it within 10 s, and records its frames until the session ends;
// keepJPEGs keeps every frame's JPEG too. The test's cleanup tears the
// session down and waits for the recording goroutine.
func StartReader(tb testing.TB, url string, cfg client.Config, keepJPEGs bool) *Reader {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg.DisableLabDetect = true
	sess, err := client.Dial(ctx, url, cfg)
	if err != nil {
		tb.Fatalf("dial %s: %v", url, err)
	}
	if err := sess.Setup(ctx); err != nil {
		_ = sess.Close()
		tb.Fatalf("setup %s: %v", url, err)
	}
	if err := sess.Play(ctx); err != nil {
		_ = sess.Close()
		tb.Fatalf("play %s: %v", url, err)
	}
	r := &Reader{Session: sess, keep: keepJPEGs, done: make(chan struct{})}
	tb.Cleanup(r.Close)
	go r.record()
	return r
}

// record collects frames until the session ends (Frames is never closed).
func (r *Reader) record() {
	defer close(r.done)
	for {
		select {
		case f := <-r.Session.Frames():
			r.mu.Lock()
			r.arrivals = append(r.arrivals, f.Arrival)
			r.timestamps = append(r.timestamps, f.Timestamp)
			if r.keep {
				r.jpegs = append(r.jpegs, f.JPEG)
			}
			r.mu.Unlock()
		case <-r.Session.Done():
			return
		}
	}
}

// Frames returns how many frames arrived so far.
func (r *Reader) Frames() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.arrivals)
}

// FramesSince counts the frames that arrived after t.
func (r *Reader) FramesSince(t time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.arrivals {
		if a.After(t) {
			n++
		}
	}
	return n
}

// WaitFrames waits up to d for n more frames than have arrived now, and
// fails the test otherwise.
func (r *Reader) WaitFrames(tb testing.TB, n int, d time.Duration) {
	tb.Helper()
	from := r.Frames()
	testenv.WaitFor(tb, d, fmt.Sprintf("%d more frames than %d", n, from), func() bool { return r.Frames() >= from+n })
}

// Arrivals returns a copy of each frame's arrival time and RTP timestamp,
// in arrival order.
func (r *Reader) Arrivals() ([]time.Time, []uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.arrivals), slices.Clone(r.timestamps)
}

// JPEGs returns the frames kept so far (none unless StartReader was asked
// to keep them).
func (r *Reader) JPEGs() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.jpegs)
}

// Close tears the session down (TEARDOWN within 2 s, then Close) and waits
// for the recording goroutine. It may be called more than once.
func (r *Reader) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.Session.Teardown(ctx)
	_ = r.Session.Close()
	<-r.done
}
