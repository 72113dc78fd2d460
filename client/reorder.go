package client

import (
	"slices"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
)

// reorderResync is the sequence distance beyond which a packet is taken for
// a new sequence (a server restart or seek), not a reordering: the buffer
// flushes and starts again from it.
const reorderResync = 1000

// reorderBuffer puts UDP packets back in sequence order before the
// depacketizer, within bounds: a packet after a gap waits until the gap
// fills, or until max packets are held, or until the oldest held packet has
// waited delay; then the gap is given up and delivery goes on. A packet
// arriving after its turn passed (late, or a duplicate) is dropped: its frame
// has already been completed or given up by then.
//
// It never copies an in-order packet: packets it delivers directly alias the
// caller's buffer; only held packets are cloned.
type reorderBuffer struct {
	max   int
	delay time.Duration

	started bool
	next    uint16 // next sequence number to deliver
	held    []heldPacket
	late    uint64 // packets dropped because their turn had passed
}

type heldPacket struct {
	p  *rtp.Packet
	at time.Time
}

func newReorderBuffer(max int, delay time.Duration) *reorderBuffer {
	return &reorderBuffer{max: max, delay: delay}
}

// push adds p, received at now, and appends the packets now deliverable, in
// order, to out.
func (b *reorderBuffer) push(p *rtp.Packet, now time.Time, out []*rtp.Packet) []*rtp.Packet {
	seq := p.SequenceNumber
	if !b.started {
		b.started, b.next = true, seq
	}
	d := rtp.SeqDiff(seq, b.next)
	if d > reorderResync || d < -reorderResync {
		out = b.flush(out)
		b.next = seq
		d = 0
	}
	switch {
	case d < 0:
		b.late++
		return out
	case d == 0:
		out = append(out, p)
		b.next++
		return b.drain(out)
	}
	i, found := slices.BinarySearchFunc(b.held, seq, func(h heldPacket, s uint16) int {
		return rtp.SeqDiff(h.p.SequenceNumber, s)
	})
	if found {
		b.late++ // a duplicate of a held packet
		return out
	}
	b.held = slices.Insert(b.held, i, heldPacket{p.Clone(), now})
	if len(b.held) > b.max {
		b.next = b.held[0].p.SequenceNumber
		out = b.drain(out)
	}
	return out
}

// drain delivers the held packets that follow b.next without a gap.
func (b *reorderBuffer) drain(out []*rtp.Packet) []*rtp.Packet {
	n := 0
	for n < len(b.held) && b.held[n].p.SequenceNumber == b.next {
		out = append(out, b.held[n].p)
		b.next++
		n++
	}
	b.held = slices.Delete(b.held, 0, n)
	return out
}

// expire gives up the gaps before held packets that have waited delay.
func (b *reorderBuffer) expire(now time.Time, out []*rtp.Packet) []*rtp.Packet {
	for len(b.held) > 0 && now.Sub(b.held[0].at) >= b.delay {
		b.next = b.held[0].p.SequenceNumber
		out = b.drain(out)
	}
	return out
}

// flush delivers every held packet in order, skipping gaps.
func (b *reorderBuffer) flush(out []*rtp.Packet) []*rtp.Packet {
	for len(b.held) > 0 {
		b.next = b.held[0].p.SequenceNumber
		out = b.drain(out)
	}
	return out
}

// deadline returns when the oldest held packet expires.
func (b *reorderBuffer) deadline() (time.Time, bool) {
	if len(b.held) == 0 {
		return time.Time{}, false
	}
	return b.held[0].at.Add(b.delay), true
}
