package server

import "time"

// waker is how the scheduler goroutine sleeps until its next due frame or
// until woken (a session was added, the server is shutting down).
type waker interface {
	// wait returns after d or once wake was called (since the last wait).
	wait(d time.Duration)
	// wake ends the current or next wait; it may be called from any
	// goroutine.
	wake()
	// close releases the waker once the scheduler stopped.
	close()
}

// chanWaker waits with a Go timer and a channel: the portable waker.
type chanWaker struct {
	timer *time.Timer
	ch    chan struct{}
}

func newChanWaker() *chanWaker {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &chanWaker{timer: t, ch: make(chan struct{}, 1)}
}

func (w *chanWaker) wait(d time.Duration) {
	w.timer.Reset(d)
	select {
	case <-w.ch:
		w.timer.Stop()
	case <-w.timer.C:
	}
}

func (w *chanWaker) wake() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

func (w *chanWaker) close() { w.timer.Stop() }
