package interleave

import "github.com/rtpstream/rtpstream/rtp"

// MaxPacket is the largest packet an interleaved frame can carry: its
// length field has 16 bits (RFC 2326 10.12).
const MaxPacket = 0xffff

// MaxPayload is the largest RTP payload of a Frame: MaxPacket less the
// 12-byte RTP header.
const MaxPayload = MaxPacket - rtp.HeaderSize

// prefixSize is the '$'-frame header (4 bytes) plus the RTP header.
const prefixSize = 4 + rtp.HeaderSize

// Frame is one video frame's RTP packets for one client: packet i is an
// RTP header (RFC 3550 5.1: version 2, PayloadType, sequence Seq+i,
// Timestamp, SSRC, marker set on the last packet) followed by Payloads[i],
// '$'-framed on Channel. Payloads are only read, so every client of a
// stream can share them; they must stay unchanged until written (a queued
// frame holds them until its Conn's writer goroutine sends it).
type Frame struct {
	// Channel is the interleaved channel of the session's RTP (the first
	// number of the Transport header's interleaved=).
	Channel uint8
	// PayloadType is the RTP payload type (26 for JPEG, RFC 3551 6).
	PayloadType uint8
	// Seq is the first packet's RTP sequence number.
	Seq uint16
	// Timestamp and SSRC go in every packet's header.
	Timestamp, SSRC uint32
	// Payloads are the packets' RTP payloads, each at most MaxPayload
	// bytes.
	Payloads [][]byte
}

// valid tells whether every packet fits an interleaved frame.
func (f *Frame) valid() bool {
	for _, pl := range f.Payloads {
		if len(pl) > MaxPayload {
			return false
		}
	}
	return true
}

// item is one entry of a Conn's queue: a Frame, or a raw packet (RTCP)
// to frame on f.Channel.
type item struct {
	f   Frame
	raw []byte
}

// frameBufs is a writev under construction: '$'-framed packets whose
// 4-byte interleave and 12-byte RTP headers live in prefix and whose
// payloads are the caller's slices. bufs holds (prefix, payload) pairs.
type frameBufs struct {
	prefix []byte
	bufs   [][]byte
}

// reset empties the writev, keeping the scratch.
func (w *frameBufs) reset() {
	w.bufs = w.bufs[:0]
	w.prefix = w.prefix[:0]
}

// addSlot appends an empty (prefix, payload) pair that bufs[len-1] can
// later fill with bytes that must go first (a Conn's unsent tail).
func (w *frameBufs) addSlot() {
	end := len(w.prefix)
	w.bufs = append(w.bufs, w.prefix[end:end:end], nil)
}

// add appends one item's '$'-framed packets. The prefix scratch is grown
// once and reused.
func (w *frameBufs) add(it *item) {
	if it.raw == nil {
		w.addFrame(&it.f)
		return
	}
	w.grow(4)
	start := len(w.prefix)
	w.prefix = append(w.prefix, '$', it.f.Channel, byte(len(it.raw)>>8), byte(len(it.raw)))
	w.bufs = append(w.bufs, w.prefix[start:len(w.prefix):len(w.prefix)], it.raw)
}

// addFrame appends a frame's packets: a 16-byte prefix each, then the
// shared payload.
func (w *frameBufs) addFrame(f *Frame) {
	n := len(f.Payloads)
	w.grow(prefixSize * n)
	for i, pl := range f.Payloads {
		start := len(w.prefix)
		l := rtp.HeaderSize + len(pl)
		w.prefix = w.prefix[:start+prefixSize]
		b := w.prefix[start:]
		b[0], b[1], b[2], b[3] = '$', f.Channel, byte(l>>8), byte(l)
		rtp.PutHeader(b[4:prefixSize], i == n-1, f.PayloadType, f.Seq+uint16(i), f.Timestamp, f.SSRC)
		w.bufs = append(w.bufs, w.prefix[start:start+prefixSize:start+prefixSize], pl)
	}
}

// grow makes room for n more prefix bytes. Growing moves the backing
// array under earlier slices, so they are re-pointed (rebase); this
// happens only until the scratch is warm.
func (w *frameBufs) grow(n int) {
	need := len(w.prefix) + n
	if cap(w.prefix) >= need {
		return
	}
	grown := make([]byte, len(w.prefix), 2*need)
	copy(grown, w.prefix)
	w.prefix = grown
	off := 0
	for i := 0; i < len(w.bufs); i += 2 {
		l := len(w.bufs[i])
		w.bufs[i] = w.prefix[off : off+l : off+l]
		off += l
	}
}

// total is the byte length of the writev.
func (w *frameBufs) total() int {
	n := 0
	for _, b := range w.bufs {
		n += len(b)
	}
	return n
}

// tail copies what follows the first n bytes of the writev.
func (w *frameBufs) tail(n int) []byte {
	t := make([]byte, 0, w.total()-n)
	for _, b := range w.bufs {
		if n >= len(b) {
			n -= len(b)
			continue
		}
		t = append(t, b[n:]...)
		n = 0
	}
	return t
}
