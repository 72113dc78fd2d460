package server

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// TestSchedulerWatch: a watched descriptor is drained on the scheduler's
// goroutine when it turns readable (and only then: an idle scheduler with
// nothing readable does not call drain), a frame the drain posts is
// delivered in the same wake-up, and a drain that reports the socket
// closed ends the watching instead of spinning on it.
func TestSchedulerWatch(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	var sends atomic.Int64
	sc := newScheduler(func(dueEntry, time.Time) (time.Time, bool) { sends.Add(1); return time.Time{}, false }, nil)
	ls := &liveStream{}
	var drains, delivered atomic.Int64
	var closed atomic.Bool
	buf := make([]byte, 16)
	drain := func() (more, isClosed bool) {
		drains.Add(1)
		if closed.Load() {
			return false, true
		}
		for {
			n, err := unix.Read(p[0], buf)
			if n <= 0 || err != nil {
				return false, false
			}
			for range n {
				sc.post(ls, &liveFrame{})
			}
		}
	}
	if !sc.watch(p[0], drain) {
		t.Skip("this platform's waker cannot watch a descriptor")
	}
	sc.deliver = func(*liveStream, *liveFrame, time.Time) { delivered.Add(1) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sc.run(ctx) }()
	defer func() { cancel(); <-done }()

	testenv.WaitFor(t, 5*time.Second, "the first drain", func() bool { return drains.Load() == 1 })
	for i := int64(1); i <= 3; i++ {
		if _, err := unix.Write(p[1], []byte{1}); err != nil {
			t.Fatal(err)
		}
		testenv.WaitFor(t, 5*time.Second, "the frame delivered", func() bool { return delivered.Load() == i })
	}
	if d := drains.Load(); d > 4 {
		t.Errorf("%d drains for 3 readable events (and the first): drained while nothing was readable", d)
	}
	// A closed socket: one drain reports it, and the scheduler stops
	// watching.
	closed.Store(true)
	if _, err := unix.Write(p[1], []byte{1}); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 5*time.Second, "the drain that finds the socket closed", func() bool { return drains.Load() >= 5 })
	at := drains.Load()
	// The pipe stays readable (nothing reads it now): a scheduler still
	// watching it would drain at every wake-up, this one.
	sc.add(&Session{}, 1, time.Now())
	testenv.WaitFor(t, 5*time.Second, "the wake-up's send", func() bool { return sends.Load() == 1 })
	if d := drains.Load(); d != at {
		t.Errorf("drained %d more times after the socket closed", d-at)
	}
}
