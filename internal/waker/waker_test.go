package waker

import (
	"testing"
	"time"
)

// TestWaker: a wake before the wait ends it at once, a wait without one
// lasts its duration, a wake during a wait ends it, and a wake after close
// is harmless; for the platform waker and the portable one.
func TestWaker(t *testing.T) {
	for name, mk := range map[string]func() Waker{
		"platform": New,
		"timer":    NewTimer,
	} {
		t.Run(name, func(t *testing.T) {
			w := mk()
			w.Wake()
			start := time.Now()
			w.Wait(10 * time.Second)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("a pending wake did not end the wait (%v)", d)
			}
			start = time.Now()
			w.Wait(30 * time.Millisecond)
			if d := time.Since(start); d < 20*time.Millisecond {
				t.Errorf("wait(30ms) returned after %v with no wake (a stale wake?)", d)
			}
			woke := make(chan struct{})
			go func() {
				defer close(woke)
				time.Sleep(20 * time.Millisecond) // give Wait time to start; the test holds either way
				w.Wake()
			}()
			start = time.Now()
			w.Wait(10 * time.Second)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("a wake during the wait did not end it (%v)", d)
			}
			<-woke
			w.Close()
			w.Wake() // must not touch a released descriptor
			w.Close()
		})
	}
}
