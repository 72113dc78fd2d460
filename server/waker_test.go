package server

import (
	"testing"
	"time"
)

// TestWaker: a wake before the wait ends it at once, a wait without one
// lasts its duration, a wake during a wait ends it, and a wake after close
// is harmless; for the platform waker and the portable one.
func TestWaker(t *testing.T) {
	for name, mk := range map[string]func() waker{
		"platform": newWaker,
		"chan":     func() waker { return newChanWaker() },
	} {
		t.Run(name, func(t *testing.T) {
			w := mk()
			w.wake()
			start := time.Now()
			w.wait(10 * time.Second)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("a pending wake did not end the wait (%v)", d)
			}
			start = time.Now()
			w.wait(30 * time.Millisecond)
			if d := time.Since(start); d < 20*time.Millisecond {
				t.Errorf("wait(30ms) returned after %v with no wake (a stale wake?)", d)
			}
			go func() {
				time.Sleep(20 * time.Millisecond)
				w.wake()
			}()
			start = time.Now()
			w.wait(10 * time.Second)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("a wake during the wait did not end it (%v)", d)
			}
			w.close()
			w.wake() // must not touch a released descriptor
			w.close()
		})
	}
}
