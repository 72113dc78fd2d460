package interleave

import (
	"fmt"

	"github.com/rtpstream/rtpstream/internal/uring"
	"golang.org/x/sys/unix"
)

// ringEntries is the ring's submission queue size: a Send beyond it in
// one wake-up flushes first.
const ringEntries = 256

// batchSys is the Linux Batch: an io_uring and this wake-up's entries.
type batchSys struct {
	ring *uring.Ring
	ents []batchEntry
	done func(id uint64, res int32) // complete, bound once
	// err is set once a submit failed (the kernel withdrew io_uring): from
	// then on every frame takes the per-Conn path.
	err error
}

// batchEntry is one Conn's frame on the ring: its Conn is locked and has
// a queue slot reserved until flush settles it.
type batchEntry struct {
	c     *Conn
	f     Frame
	total int
	res   int32 // bytes sent or -errno; 0 (unsent) until completed
}

// open probes for io_uring; without it the Batch stays per-Conn.
func (s *batchSys) open() {
	r, err := uring.New(ringEntries)
	if err != nil {
		return
	}
	s.ring = r
	s.done = s.complete
}

func (s *batchSys) usable() bool { return s.ring != nil && s.err == nil }

// queue puts f on the ring for c if c is idle and the frame fits one
// sendmsg; false sends the caller to the per-Conn path.
func (s *batchSys) queue(c *Conn, f *Frame) bool {
	if !s.usable() || c.dw == nil || 2*len(f.Payloads) > maxIov {
		return false
	}
	if !c.acquire() {
		return false
	}
	if !c.dw.ensureDup(c.done) {
		c.unreserve()
		c.mu.Unlock()
		return false
	}
	if len(s.ents) == s.ring.Entries() {
		s.flush()
	}
	c.d.reset()
	c.d.addFrame(f)
	total := c.dw.setIov(c.d.bufs)
	c.dw.msg.Iov = &c.dw.iov[0]
	c.dw.msg.SetIovlen(len(c.dw.iov))
	if err := s.ring.QueueSendmsg(c.dw.dup, &c.dw.msg, unix.MSG_NOSIGNAL, uint64(len(s.ents))); err != nil {
		c.dw.release()
		c.unreserve()
		c.mu.Unlock()
		return false
	}
	s.ents = append(s.ents, batchEntry{c: c, f: *f, total: total})
	return true
}

func (s *batchSys) complete(id uint64, res int32) {
	if id < uint64(len(s.ents)) {
		s.ents[id].res = res
	}
}

// flush submits the queued sends and settles each in its Conn.
func (s *batchSys) flush() {
	if len(s.ents) == 0 {
		return
	}
	if err := s.ring.Submit(s.done); err != nil {
		// Every entry not completed reads as unsent: queued for its writer.
		s.err = fmt.Errorf("interleave: io_uring submit failed, sending per connection: %w", err)
	}
	for i := range s.ents {
		e := &s.ents[i]
		e.c.dw.release()
		e.c.settle(&e.f, int(e.res), e.total)
		*e = batchEntry{}
	}
	s.ents = s.ents[:0]
}

func (s *batchSys) close() error {
	if s.ring == nil {
		return nil
	}
	err := s.ring.Close()
	s.ring = nil
	if err != nil {
		return fmt.Errorf("interleave: close ring: %w", err)
	}
	return nil
}
