package server

import "sync"

// warmPage is the stride at which warmBuf.refill touches a new buffer: the
// smallest page size of the platforms we run on (larger pages only mean
// some writes land on a page already touched).
const warmPage = 4096

// warmBuf hands out one byte buffer at a time whose pages were touched
// ahead of need, so that a live frame's way from its last packet to its
// readers does not pay the page faults of fresh memory: on the VMs we
// measured (shadow paging), a fault costs about 20 µs, and a 640x480
// frame's JPEG and packets took about nine of them, most of the ingest
// time. The frame that takes a buffer keeps it (readers share it, the
// garbage collector frees it); refill then prepares the next one, off the
// frame's path (the scheduler calls it after the frame went out).
//
// get is called by the path's source (its goroutine, or the scheduler
// draining a UDP publisher), refill by the scheduler; mu orders them.
type warmBuf struct {
	mu sync.Mutex
	// spare is the prepared buffer, nil once handed out.
	spare []byte
	// want is the size last asked for: refill prepares that much and an
	// eighth more, for frames that grow a little.
	want int
}

// get returns an empty buffer with room for n bytes: the spare when it is
// large enough (the common case: frames of a stream are of similar size),
// else a fresh allocation.
func (w *warmBuf) get(n int) []byte {
	w.mu.Lock()
	b := w.spare
	w.spare, w.want = nil, n
	w.mu.Unlock()
	if cap(b) < n {
		return make([]byte, 0, n)
	}
	return b[:0]
}

// refill prepares a spare of the size last asked for, when the last one was
// handed out.
func (w *warmBuf) refill() {
	w.mu.Lock()
	n, need := w.want, w.spare == nil && w.want > 0
	w.mu.Unlock()
	if !need {
		return
	}
	b := make([]byte, n+n/8)
	for i := 0; i < len(b); i += warmPage {
		b[i] = 0 // fault the page in now (fresh memory is not written by make)
	}
	w.mu.Lock()
	if w.spare == nil {
		w.spare = b
	}
	w.mu.Unlock()
}
