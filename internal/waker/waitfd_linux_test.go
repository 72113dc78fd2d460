package waker

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestWaitFD: the Linux waker's WaitFD ends when the watched descriptor
// turns readable (ready true), on a wake (ready false), and after its
// duration with neither (ready false).
func TestWaitFD(t *testing.T) {
	w, ok := New().(FDWaiter)
	if !ok {
		t.Fatal("the Linux waker is not an FDWaiter")
	}
	defer w.Close()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])

	start := time.Now()
	if w.WaitFD(20*time.Millisecond, p[0]) {
		t.Error("ready with nothing written")
	}
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Errorf("WaitFD(20ms) returned after %v with no wake and nothing to read", d)
	}
	w.Wake()
	if w.WaitFD(10*time.Second, p[0]) {
		t.Error("a wake reported the descriptor ready")
	}
	if _, err := unix.Write(p[1], []byte{1}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if !w.WaitFD(10*time.Second, p[0]) {
		t.Error("a readable descriptor did not report ready")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a readable descriptor did not end the wait (%v)", d)
	}
}
