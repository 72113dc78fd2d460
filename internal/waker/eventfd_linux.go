package waker

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// eventWaker sleeps in ppoll(2) on an eventfd (see the package comment).
type eventWaker struct {
	fd  int
	buf [8]byte // Wait's read scratch (the waiting goroutine's)
	// mu keeps Wake from writing to the descriptor once Close released it
	// (the number could name another file by then).
	mu     sync.RWMutex
	closed bool
}

// newPlatform returns an eventWaker, or nil when the kernel refuses an
// eventfd.
func newPlatform() Waker {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil
	}
	return &eventWaker{fd: fd}
}

func (w *eventWaker) Wait(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	fds := [1]unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
	if n, _ := unix.Ppoll(fds[:], &ts, nil); n > 0 {
		_, _ = unix.Read(w.fd, w.buf[:]) // reset the counter
	}
}

func (w *eventWaker) WaitFD(d time.Duration, fd int) bool {
	ts := unix.NsecToTimespec(int64(d))
	fds := [2]unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}, {Fd: int32(fd), Events: unix.POLLIN}}
	n, _ := unix.Ppoll(fds[:], &ts, nil)
	if n > 0 && fds[0].Revents != 0 {
		_, _ = unix.Read(w.fd, w.buf[:]) // reset the counter
	}
	// POLLERR (an ICMP error queued) and POLLNVAL (closed) count too: the
	// caller's read then reports them.
	return n > 0 && fds[1].Revents != 0
}

func (w *eventWaker) Wake() {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if !w.closed {
		one := [8]byte{1}
		_, _ = unix.Write(w.fd, one[:])
	}
}

func (w *eventWaker) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		unix.Close(w.fd)
	}
}
