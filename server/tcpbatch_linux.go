package server

import (
	"github.com/rtpstream/rtpstream/internal/uring"
	"golang.org/x/sys/unix"
)

// tcpBatch sends the TCP frames of one scheduler wake-up together: each
// idle connection's frame becomes a non-blocking sendmsg queued on an
// io_uring, and flush submits them all with one system call. As separate
// writev calls, 200 TCP clients cost 200 system calls (and Go runtime
// syscall entries and exits) per tick; measured on this project's 2-core
// VM, the ring halves the CPU per TCP send. Where io_uring is missing or
// forbidden the server keeps the per-connection writev (tryDirect).
//
// A connection whose frame is queued stays write-locked (its wmu) until
// flush, which also keeps its descriptor (a dup, closed by the writer
// goroutine under wmu) from being closed under the kernel's feet.
type tcpBatch struct {
	ring *uring.Ring
	ents []tcpBatchEntry
	done func(id uint64, res int32)
	// failed is set once a submit failed (the kernel withdrew io_uring):
	// from then on every frame takes the per-connection path.
	failed bool
}

type tcpBatchEntry struct {
	o     *tcpOut
	ss    *Session
	it    outItem
	total int
	res   int32
}

// maxBatchIov is the most iovecs one sendmsg takes (IOV_MAX); larger
// frames take the writev path, which splits them.
const maxBatchIov = 1024

// newTCPBatch returns nil when the kernel offers no io_uring.
func newTCPBatch() *tcpBatch {
	r, err := uring.New(256)
	if err != nil {
		return nil
	}
	b := &tcpBatch{ring: r}
	b.done = b.complete
	return b
}

// queue tries to queue ss's frame it on o for this wake-up's flush; false
// when o is busy, has a backlog, or the frame does not fit one sendmsg (the
// caller then takes the per-connection path). It runs on the scheduler
// goroutine with ss locked.
func (b *tcpBatch) queue(ss *Session, o *tcpOut, it outItem) bool {
	if b == nil || b.failed || o.dw == nil || 2*len(it.frame.Payloads) > maxBatchIov {
		return false
	}
	if !o.lockIdle() {
		return false
	}
	if !o.dw.ensureDup(o.done) {
		o.wmu.Unlock()
		return false
	}
	if len(b.ents) == b.ring.Entries() {
		b.flush()
	}
	o.d.reset()
	o.d.add(it)
	total := o.dw.setIov(o.d.bufs)
	o.dw.msg.Iov = &o.dw.iov[0]
	o.dw.msg.SetIovlen(len(o.dw.iov))
	if err := b.ring.QueueSendmsg(o.dw.dup, &o.dw.msg, unix.MSG_NOSIGNAL, uint64(len(b.ents))); err != nil {
		o.wmu.Unlock()
		return false
	}
	b.ents = append(b.ents, tcpBatchEntry{o: o, ss: ss, it: it, total: total})
	return true
}

func (b *tcpBatch) complete(id uint64, res int32) {
	if id < uint64(len(b.ents)) {
		b.ents[id].res = res
	}
}

// flush submits the queued sends and settles each: sent whole; sent in
// part (the tail is queued for the writer goroutine); or not at all, when
// the frame is queued for the writer like any other, or dropped whole if
// its queue is full (the session's counters then forget it).
func (b *tcpBatch) flush() {
	if b == nil || len(b.ents) == 0 {
		return
	}
	// Entries start with res 0: unsent unless the kernel says otherwise.
	if err := b.ring.Submit(b.done); err != nil {
		b.failed = true // every entry reads as unsent: queued for its writer
	}
	for i := range b.ents {
		e := &b.ents[i]
		if !e.o.finishBatch(e.it, int(e.res), e.total) {
			e.ss.mu.Lock()
			e.ss.uncount(e.it.frame)
			e.ss.framesDropped++
			e.ss.mu.Unlock()
		}
		e.o.dw.msg.Iov = nil
		clear(e.o.dw.iov) // drop references to the stream's payloads
		*e = tcpBatchEntry{}
	}
	b.ents = b.ents[:0]
}

// finishBatch settles a batched send that wrote n of total bytes (n < 0:
// an errno) and releases wmu; false means the frame was dropped whole.
func (o *tcpOut) finishBatch(it outItem, n, total int) bool {
	defer o.wmu.Unlock()
	switch {
	case n >= total:
		return true
	case n > 0:
		o.queueTail(n, total)
		return true
	}
	// Nothing went: the writer goroutine sends it once the socket drains
	// (or finds the connection broken and closes it).
	return o.enqueueFrame(it)
}

// ensureDup makes d.dup a duplicate of the socket's descriptor, unless the
// writer already stopped (done closed). The caller holds wmu.
func (d *directWriter) ensureDup(done <-chan struct{}) bool {
	if d.dup >= 0 {
		return true
	}
	select {
	case <-done:
		return false
	default:
	}
	_ = d.rc.Control(func(fd uintptr) {
		d.dup, _ = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if d.dup < 0 {
		d.dup = -1
		return false
	}
	return true
}

// closeDup closes the duplicate descriptor; the writer goroutine calls it
// (under wmu) when it stops, so the socket closes with the connection.
func (d *directWriter) closeDup() {
	if d.dup >= 0 {
		unix.Close(d.dup)
		d.dup = -1
	}
}

// close releases the ring once the scheduler stopped.
func (b *tcpBatch) close() {
	if b != nil {
		b.ring.Close()
	}
}
