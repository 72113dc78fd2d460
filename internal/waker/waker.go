// Package waker lets one goroutine sleep until a deadline or until another
// goroutine wakes it: the server's scheduler sleeps between frame ticks and
// is woken when a session starts playing or the server shuts down.
//
// On Linux the sleep is ppoll(2) on an eventfd(2), which blocks the
// goroutine's thread instead of parking it on a Go timer. A server idle
// between ticks otherwise wakes several runtime threads per tick (the
// timer's netpoll thread, a spinning M, sysmon), each a context switch that
// on a small VM costs more CPU than sending a frame to a client; measured
// with one client: about 10 ms of CPU a second with a timer, 6.5 with the
// eventfd (and the RTP socket outside the netpoller). Where the kernel
// refuses an eventfd, and off Linux, a Go timer and channel do the job.
//
// The package is separate from the send paths because it is the
// scheduler's clock, shared by every transport, and the only other place
// the server needed raw system calls.
package waker

import "time"

// Waker is a sleep that another goroutine can cut short. One goroutine
// calls Wait; any goroutine may call Wake; Close is called once the waiting
// goroutine is done with it.
type Waker interface {
	// Wait returns after d, or at once if Wake was called since the last
	// Wait returned, or when Wake is called during it.
	Wait(d time.Duration)
	// Wake ends the current or next Wait. It is safe from any goroutine,
	// also after Close (it then does nothing).
	Wake()
	// Close releases the waker's resources.
	Close()
}

// FDWaiter is a Waker whose sleep can also end when a file descriptor
// turns readable, so that one thread waits for its timer, its wake-ups and
// a socket at once: the scheduler receives UDP publishers' RTP this way,
// on its own thread, instead of keeping a second thread blocked in
// recvfrom(2) (each of whose wake-ups costs a thread switch, and whose long
// blocks make the Go runtime hand its P over and poll for it).
type FDWaiter interface {
	Waker
	// WaitFD is Wait that also returns when fd is readable or has an
	// error pending (ready true). A closed fd also makes it return.
	WaitFD(d time.Duration, fd int) (ready bool)
}

// New returns the platform's cheapest waker: the eventfd one on Linux
// (an FDWaiter), else (or when the kernel refuses an eventfd) NewTimer's.
func New() Waker {
	if w := newPlatform(); w != nil {
		return w
	}
	return NewTimer()
}

// timerWaker waits with a Go timer and a channel: the portable waker.
type timerWaker struct {
	timer *time.Timer
	ch    chan struct{}
}

// NewTimer returns the portable waker: a Go timer and a channel of one.
func NewTimer() Waker {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerWaker{timer: t, ch: make(chan struct{}, 1)}
}

func (w *timerWaker) Wait(d time.Duration) {
	w.timer.Reset(d)
	select {
	case <-w.ch:
		w.timer.Stop()
	case <-w.timer.C:
	}
}

func (w *timerWaker) Wake() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

func (w *timerWaker) Close() { w.timer.Stop() }
