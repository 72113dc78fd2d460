package server

import (
	"net"
	"sync"
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
}

// tcpOut writes interleaved RTP/RTCP (RFC 2326 10.12) to one connection
// from its own goroutine, so a slow reader never blocks the scheduler: the
// queue is bounded and a frame that does not fit is dropped whole by the
// caller. Writes of queued frames are coalesced into one writev.
type tcpOut struct {
	nc      net.Conn
	wmu     *sync.Mutex // shared with RTSP responses on the same connection
	timeout time.Duration
	queue   chan outItem
	done    chan struct{}
	once    sync.Once

	// Writer-goroutine scratch, reused for every batch. wbufs is the copy
	// net.Buffers.WriteTo consumes; as a field it does not escape per write.
	prefix []byte
	bufs   net.Buffers
	wbufs  net.Buffers
}

func newTCPOut(nc net.Conn, wmu *sync.Mutex, frames int, timeout time.Duration) *tcpOut {
	return &tcpOut{
		nc: nc, wmu: wmu, timeout: timeout,
		queue: make(chan outItem, frames),
		done:  make(chan struct{}),
	}
}

// enqueueFrame queues a frame; false when the queue is full (the frame is
// dropped whole) or the writer has stopped.
func (o *tcpOut) enqueueFrame(ch uint8, p *rtpjpeg.Packetized, seq uint16, ts, ssrc uint32) bool {
	select {
	case <-o.done:
		return false
	default:
	}
	select {
	case o.queue <- outItem{channel: ch, frame: p, seq: seq, ts: ts, ssrc: ssrc}:
		return true
	default:
		return false
	}
}

// enqueueRaw queues an RTCP packet; it is dropped when the queue is full.
func (o *tcpOut) enqueueRaw(ch uint8, b []byte) {
	select {
	case <-o.done:
	case o.queue <- outItem{channel: ch, raw: b}:
	default:
	}
}

// stop ends the writer.
func (o *tcpOut) stop() { o.once.Do(func() { close(o.done) }) }

// run writes queued items until stop or a write error (which closes the
// connection: a reader that accepts nothing for the write timeout is gone).
func (o *tcpOut) run() {
	for {
		var it outItem
		select {
		case <-o.done:
			return
		case it = <-o.queue:
		}
		o.bufs = o.bufs[:0]
		o.prefix = o.prefix[:0]
		o.add(it)
		// Coalesce whatever else is already queued into the same writev.
	more:
		for len(o.bufs) < 512 {
			select {
			case it = <-o.queue:
				o.add(it)
			default:
				break more
			}
		}
		o.wmu.Lock()
		_ = o.nc.SetWriteDeadline(time.Now().Add(o.timeout))
		o.wbufs = o.bufs
		_, err := o.wbufs.WriteTo(o.nc)
		o.wmu.Unlock()
		if err != nil {
			o.stop()
			o.nc.Close()
			return
		}
	}
}

// add appends one item's '$'-framed packets to the pending writev. The
// prefix scratch (4-byte interleave header + 12-byte RTP header per packet)
// is grown once and reused; payloads are the stream's shared slices.
func (o *tcpOut) add(it outItem) {
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
func (o *tcpOut) rebase() {
	off := 0
	for i := 0; i < len(o.bufs); i += 2 {
		l := len(o.bufs[i])
		o.bufs[i] = o.prefix[off : off+l : off+l]
		off += l
	}
}
