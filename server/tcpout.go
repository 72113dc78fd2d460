package server

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// outItem is one frame (or one raw RTCP packet) waiting for a TCP
// connection's writer.
type outItem struct {
	channel uint8
	frame   *rtpjpeg.Packetized
	seq     uint16
	ts      uint32
	ssrc    uint32
	raw     []byte
	// framed marks raw bytes already '$'-framed: the tail of a frame a
	// direct write could only partly send.
	framed bool
}

// tcpOut writes interleaved RTP/RTCP (RFC 2326 10.12) to one connection.
// A frame goes straight from the scheduler goroutine into the socket when
// nothing is queued and the kernel takes it without blocking (sendFrame):
// no goroutine wake-up per client-frame. Otherwise it waits in a bounded
// queue for the connection's writer goroutine, so a slow reader never
// blocks the scheduler; a frame that does not fit is dropped whole by the
// caller. Writes of queued frames are coalesced into one writev.
type tcpOut struct {
	nc      net.Conn
	wmu     *sync.Mutex // shared with RTSP responses on the same connection
	timeout time.Duration
	queue   chan outItem
	done    chan struct{}
	once    sync.Once
	// pending counts items queued and not yet written; a direct write is
	// only allowed at 0, so it never overtakes them.
	pending atomic.Int64

	// w is the writer goroutine's scratch, reused for every batch; wbufs is
	// the copy net.Buffers.WriteTo consumes (a field, so it does not escape
	// per write).
	w     frameBufs
	wbufs net.Buffers
	// d is sendFrame's scratch (scheduler goroutine); dw its non-blocking
	// writev, nil where the platform or connection has none.
	d  frameBufs
	dw *directWriter
	// partials counts direct writes the kernel took only part of
	// (scheduler goroutine).
	partials int
}

// frameBufs is a writev under construction: '$'-framed packets whose
// 4-byte interleave and 12-byte RTP headers live in prefix and whose
// payloads are the stream's shared slices.
type frameBufs struct {
	prefix []byte
	bufs   net.Buffers
}

func newTCPOut(nc net.Conn, wmu *sync.Mutex, frames int, timeout time.Duration) *tcpOut {
	return &tcpOut{
		nc: nc, wmu: wmu, timeout: timeout,
		queue: make(chan outItem, frames),
		done:  make(chan struct{}),
		dw:    newDirectWriter(nc),
	}
}

// sendFrame sends a frame without blocking: written directly when the
// connection is idle, else queued. False means dropped (queue full or the
// writer stopped).
func (o *tcpOut) sendFrame(it outItem) bool {
	if o.dw != nil && o.tryDirect(it) {
		return true
	}
	return o.enqueueFrame(it)
}

// tryDirect writes it with one non-blocking writev when no one else is
// writing and nothing is queued. If the kernel takes only part, the rest is
// copied and queued ahead of anything else (framing must stay intact); if
// it takes nothing, it reports false and the caller queues the frame.
func (o *tcpOut) tryDirect(it outItem) bool {
	if !o.lockIdle() {
		return false
	}
	defer o.wmu.Unlock()
	o.d.reset()
	o.d.add(it)
	n, total := o.dw.writev(o.d.bufs)
	switch {
	case n >= total:
		return true
	case n <= 0:
		return false
	}
	o.queueTail(n, total)
	return true
}

// lockIdle takes wmu if the connection is idle: the writer still running,
// no one else writing, nothing queued. A frame may then go to the socket
// directly without overtaking anything; the caller unlocks.
func (o *tcpOut) lockIdle() bool {
	select {
	case <-o.done:
		return false
	default:
	}
	if !o.wmu.TryLock() {
		return false
	}
	if o.pending.Load() != 0 {
		o.wmu.Unlock()
		return false
	}
	return true
}

// queueTail queues the unsent bytes of o.d's frame after the kernel took
// only n of total: a copy (the prefix scratch is reused) for the writer
// goroutine, ahead of anything else, so the framing stays intact. The
// caller holds wmu.
func (o *tcpOut) queueTail(n, total int) {
	o.partials++
	tail := make([]byte, 0, total-n)
	skip := n
	for _, b := range o.d.bufs {
		if skip >= len(b) {
			skip -= len(b)
			continue
		}
		tail = append(tail, b[skip:]...)
		skip = 0
	}
	if !o.push(outItem{raw: tail, framed: true}) {
		// The queue was empty a moment ago (pending was 0), so only a
		// stopping writer gets here; a stream cut mid-frame must not go on.
		o.stop()
		o.nc.Close()
	}
}

// enqueueFrame queues a frame; false when the queue is full (the frame is
// dropped whole) or the writer has stopped.
func (o *tcpOut) enqueueFrame(it outItem) bool {
	select {
	case <-o.done:
		return false
	default:
	}
	return o.push(it)
}

// enqueueRaw queues an RTCP packet; it is dropped when the queue is full.
func (o *tcpOut) enqueueRaw(ch uint8, b []byte) { o.push(outItem{channel: ch, raw: b}) }

// push queues it without blocking and counts it as pending (the writer
// uncounts it once written); false when the queue is full or the writer
// stopped.
func (o *tcpOut) push(it outItem) bool {
	o.pending.Add(1)
	select {
	case <-o.done:
	case o.queue <- it:
		return true
	default:
	}
	o.pending.Add(-1)
	return false
}

// closeDup closes the direct writer's duplicate descriptor once no batch
// holds the connection (wmu).
func (o *tcpOut) closeDup() {
	if o.dw == nil {
		return
	}
	o.wmu.Lock()
	defer o.wmu.Unlock()
	o.dw.closeDup()
}

// stop ends the writer.
func (o *tcpOut) stop() { o.once.Do(func() { close(o.done) }) }

// run writes queued items until stop or a write error (which closes the
// connection: a reader that accepts nothing for the write timeout is gone).
// On its way out it closes the batched path's descriptor, if any.
func (o *tcpOut) run() {
	defer o.closeDup()
	for {
		var it outItem
		select {
		case <-o.done:
			return
		case it = <-o.queue:
		}
		o.w.reset()
		o.w.add(it)
		items := int64(1)
		// Coalesce whatever else is already queued into the same writev.
	more:
		for len(o.w.bufs) < 512 {
			select {
			case it = <-o.queue:
				o.w.add(it)
				items++
			default:
				break more
			}
		}
		o.wmu.Lock()
		_ = o.nc.SetWriteDeadline(time.Now().Add(o.timeout))
		o.wbufs = o.w.bufs
		_, err := o.wbufs.WriteTo(o.nc)
		o.pending.Add(-items)
		o.wmu.Unlock()
		if err != nil {
			o.stop()
			o.nc.Close()
			return
		}
	}
}

// reset empties the writev, keeping the scratch.
func (o *frameBufs) reset() {
	o.bufs = o.bufs[:0]
	o.prefix = o.prefix[:0]
}

// add appends one item's '$'-framed packets to the pending writev. The
// prefix scratch (4-byte interleave header + 12-byte RTP header per packet)
// is grown once and reused; payloads are the stream's shared slices.
func (o *frameBufs) add(it outItem) {
	if it.framed {
		// An empty prefix keeps bufs in (prefix, payload) pairs for rebase.
		end := len(o.prefix)
		o.bufs = append(o.bufs, o.prefix[end:end:end], it.raw)
		return
	}
	if it.raw != nil {
		start := len(o.prefix)
		o.prefix = append(o.prefix, '$', it.channel, byte(len(it.raw)>>8), byte(len(it.raw)))
		o.bufs = append(o.bufs, o.prefix[start:len(o.prefix):len(o.prefix)], it.raw)
		return
	}
	n := len(it.frame.Payloads)
	need := len(o.prefix) + 16*n
	if cap(o.prefix) < need {
		// Growing would move earlier slices' backing array: rebuild from
		// scratch with room to spare. Happens only until warm.
		grown := make([]byte, len(o.prefix), 2*need)
		copy(grown, o.prefix)
		o.prefix = grown
		o.rebase()
	}
	for i, pl := range it.frame.Payloads {
		start := len(o.prefix)
		l := rtp.HeaderSize + len(pl)
		o.prefix = o.prefix[:start+16]
		b := o.prefix[start:]
		b[0], b[1], b[2], b[3] = '$', it.channel, byte(l>>8), byte(l)
		rtp.PutHeader(b[4:16], i == n-1, rtpjpeg.PayloadType, it.seq+uint16(i), it.ts, it.ssrc)
		o.bufs = append(o.bufs, o.prefix[start:start+16:start+16], pl)
	}
}

// rebase re-points the pending prefix slices at o.prefix after it moved.
func (o *frameBufs) rebase() {
	off := 0
	for i := 0; i < len(o.bufs); i += 2 {
		l := len(o.bufs[i])
		o.bufs[i] = o.prefix[off : off+l : off+l]
		off += l
	}
}
