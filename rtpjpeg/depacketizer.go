package rtpjpeg

import (
	"fmt"
	"slices"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/rtp"
)

// DefaultMaxFrameBytes is the default limit on the scan data of one frame.
const DefaultMaxFrameBytes = 4 << 20

// maxFragments bounds the fragments tracked per frame, and so the cost of
// keeping them sorted when they arrive in reverse order (quadratic in the
// count). A 2040x2040 JPEG of 2 MB needs about 1500 at MTU 1400.
const maxFragments = 4096

// lateWindow is how far (in 90 kHz ticks, 10 s) a timestamp may lie behind
// the current frame's to count as a late packet of an old frame rather than
// a timestamp discontinuity (a new stream), which starts a new frame.
const lateWindow = 10 * ClockRate

// DropCounts breaks Depacketizer.FramesDropped down by reason.
type DropCounts struct {
	Incomplete   uint64 // a fragment was missing when a newer timestamp arrived
	Overlap      uint64 // fragments overlapped without being duplicates
	Inconsistent uint64 // fragments disagreed on headers or the frame's end
	TooLarge     uint64 // the frame exceeded MaxFrameBytes or the fragment limit
	Unsupported  uint64 // type or Q RFC 2435 does not define for us
	NoTables     uint64 // Q >= 128, table length 0, no tables received before
	Malformed    uint64 // a payload too short for its headers or invalid fields
}

// Depacketizer reassembles RFC 2435 payloads into complete JPEG images. The
// zero value is ready to use. It is not safe for concurrent use: one
// receiving goroutine owns it.
//
// Fragments of a frame (same RTP timestamp) are placed by fragment offset,
// so they may arrive in any order; exact duplicates are ignored. The frame
// completes when the marker packet has fixed its end and every byte up to
// it has arrived. A frame is dropped and counted when a fragment is still
// missing as a packet with a newer timestamp arrives, when fragments overlap
// or disagree on their headers, or when it grows past MaxFrameBytes.
// Packets of a frame already completed or dropped are ignored.
//
// Payloads that start with FF D8 (SOI) are whole JPEG images (the
// Kurose-Ross lab dialect) and are returned as they are.
type Depacketizer struct {
	// MaxFrameBytes limits the scan data of one frame; 0 means
	// DefaultMaxFrameBytes.
	MaxFrameBytes int
	// ReuseOutput makes Push return JPEGs in a buffer the Depacketizer
	// reuses, valid only until the next Push, so that steady state does
	// not allocate. By default every returned JPEG is freshly allocated.
	ReuseOutput bool
	// Alloc, when set (and ReuseOutput is not), provides the buffer of
	// each returned JPEG: a slice with capacity for at least size bytes,
	// which the Depacketizer fills from its start and then no longer
	// touches. It lets a caller hand out memory it prepared ahead (a live
	// server touches the pages between frames) instead of a fresh
	// allocation whose page faults land on the frame's way through. A
	// slice with too little capacity is ignored.
	Alloc func(size int) []byte

	// FramesComplete counts the JPEGs returned.
	FramesComplete uint64
	// FramesDropped counts frames given up; Drops says why.
	FramesDropped uint64
	// Drops breaks FramesDropped down by reason.
	Drops DropCounts
	// DuplicateFragments counts fragments received twice (ignored).
	DuplicateFragments uint64
	// LatePackets counts packets of frames already completed or dropped.
	LatePackets uint64

	// Current frame.
	started bool   // a frame (ts) has been seen
	state   uint8  // stateActive, stateDone
	ts      uint32 // RTP timestamp of the current frame
	hdr     mainHeader
	ri      uint16 // restart interval of the current frame
	total   int    // end of the frame from the marker packet; -1 unknown
	got     int    // scan bytes received
	frags   []span // received fragments sorted by start
	scan    []byte // reassembly buffer, indexed by fragment offset
	prec    uint8  // quantization table precision for Q >= 128
	tables  []byte // quantization tables for Q >= 128 (points into a cache entry)
	haveQT  bool   // tables known for this frame
	hdrSet  bool   // hdr and ri hold the frame's headers

	qcache [256 - qInBand]*tableCache // tables last received per Q >= 128
	out    []byte                     // output buffer when ReuseOutput
}

const (
	stateActive = iota + 1
	stateDone
)

// span is a received fragment [start, end).
type span struct{ start, end int }

// tableCache holds the last in-band tables received for one Q (§3.1.8).
type tableCache struct {
	prec uint8
	n    int
	b    [4 * 128]byte
}

// Push feeds one RTP packet to the depacketizer. It returns a complete JPEG
// when p completes a frame, and a non-nil error (wrapping one of the
// package's sentinels) when p is invalid or causes a frame to be dropped;
// both are counted. Late and duplicate packets return nothing.
func (d *Depacketizer) Push(p *rtp.Packet) (jpeg []byte, err error) {
	return d.PushPayload(p.Timestamp, p.Marker, p.Payload)
}

// Reset forgets the current frame (without counting it) and the tables
// received, e.g. when the sender's SSRC changes.
func (d *Depacketizer) Reset() {
	d.started, d.state = false, 0
	d.frags = d.frags[:0]
	d.qcache = [len(d.qcache)]*tableCache{}
}

// PushPayload is Push for a packet given by its RTP timestamp, marker bit
// and payload. The payload is copied; it may be reused after the call.
func (d *Depacketizer) PushPayload(ts uint32, marker bool, payload []byte) (jpeg []byte, err error) {
	if len(payload) >= 2 && payload[0] == 0xFF && payload[1] == jpeghdr.MarkerSOI {
		// Lab dialect: a whole JPEG per packet.
		if d.started && d.state == stateActive {
			d.drop(&d.Drops.Incomplete)
		}
		d.started, d.state, d.ts = true, stateDone, ts
		d.FramesComplete++
		return d.keep(append(d.outBuf(len(payload)), payload...)), nil
	}
	var dropErr error
	if d.started {
		switch diff := ts - d.ts; {
		case diff == 0:
			if d.state == stateDone {
				d.LatePackets++
				return nil, nil
			}
		case int32(diff) < 0 && d.ts-ts <= lateWindow:
			d.LatePackets++
			return nil, nil
		default: // a newer frame
			if d.state == stateActive {
				d.drop(&d.Drops.Incomplete)
				dropErr = fmt.Errorf("%w: timestamp %d: %d of %s bytes", ErrIncompleteFrame, d.ts, d.got, d.totalString())
			}
			d.state = 0
		}
	}
	if d.state == 0 {
		d.started, d.state, d.ts = true, stateActive, ts
		d.total, d.got, d.frags, d.haveQT, d.hdrSet = -1, 0, d.frags[:0], false, false
	}
	jpeg, err = d.fragment(marker, payload)
	if err != nil {
		return nil, err
	}
	if jpeg != nil {
		return jpeg, nil
	}
	return nil, dropErr
}

// totalString formats the current frame's expected size for errors.
func (d *Depacketizer) totalString() string {
	if d.total < 0 {
		return "unknown"
	}
	return fmt.Sprint(d.total)
}

// drop counts the current frame as dropped for reason and marks it done so
// its remaining packets are ignored.
func (d *Depacketizer) drop(reason *uint64) {
	*reason++
	d.FramesDropped++
	d.state = stateDone
}

// fail drops the current frame and returns err.
func (d *Depacketizer) fail(reason *uint64, err error) ([]byte, error) {
	d.drop(reason)
	return nil, err
}

// fragment adds one payload to the active frame.
func (d *Depacketizer) fragment(marker bool, b []byte) ([]byte, error) {
	if len(b) < mainHeaderSize {
		return d.fail(&d.Drops.Malformed, fmt.Errorf("%w: %d bytes, main header needs %d", ErrMalformedPacket, len(b), mainHeaderSize))
	}
	var h mainHeader
	h.unmarshal(b)
	off := h.offset
	h.offset = 0 // compared across fragments below
	first := !d.hdrSet
	switch {
	case h.typ != 0 && h.typ != 1 && h.typ != 64 && h.typ != 65:
		return d.fail(&d.Drops.Unsupported, fmt.Errorf("%w %d", ErrUnsupportedType, h.typ))
	case h.q == 0 || (h.q >= 100 && h.q < qInBand):
		return d.fail(&d.Drops.Unsupported, fmt.Errorf("%w %d", ErrUnsupportedQ, h.q))
	case h.width8 == 0 || h.height8 == 0:
		return d.fail(&d.Drops.Malformed, fmt.Errorf("%w: size %dx%d", ErrMalformedPacket, int(h.width8)*8, int(h.height8)*8))
	case !first && h != d.hdr:
		return d.fail(&d.Drops.Inconsistent, fmt.Errorf("%w: type %d Q %d %dx%d, frame has type %d Q %d %dx%d", ErrInconsistent,
			h.typ, h.q, int(h.width8)*8, int(h.height8)*8, d.hdr.typ, d.hdr.q, int(d.hdr.width8)*8, int(d.hdr.height8)*8))
	}
	d.hdr = h
	b = b[mainHeaderSize:]
	if first && h.typ < typeRestart {
		d.ri = 0
	}
	if h.typ >= typeRestart {
		if len(b) < restartHeaderSize {
			return d.fail(&d.Drops.Malformed, fmt.Errorf("%w: no room for the restart marker header", ErrMalformedPacket))
		}
		ri := uint16(b[0])<<8 | uint16(b[1])
		if !first && ri != d.ri {
			return d.fail(&d.Drops.Inconsistent, fmt.Errorf("%w: restart interval %d, frame has %d", ErrInconsistent, ri, d.ri))
		}
		d.ri = ri
		b = b[restartHeaderSize:]
	}
	d.hdrSet = true
	if off == 0 && h.q >= qInBand {
		n, err := d.quantHeader(h.q, b)
		if err != nil {
			if err == errNoTables {
				return d.fail(&d.Drops.NoTables, fmt.Errorf("%w %d", ErrNoTables, h.q))
			}
			return d.fail(&d.Drops.Malformed, err)
		}
		b = b[n:]
	}
	return d.place(off, marker, b)
}

// errNoTables is the internal signal for ErrNoTables.
var errNoTables = fmt.Errorf("no tables")

// quantHeader parses the quantization table header (§3.1.8) and its tables,
// returning the bytes used. A length of 0 reuses the tables last received
// for q.
func (d *Depacketizer) quantHeader(q uint8, b []byte) (int, error) {
	if len(b) < quantHeaderSize {
		return 0, fmt.Errorf("%w: no room for the quantization table header", ErrMalformedPacket)
	}
	prec, n := b[1], int(b[2])<<8|int(b[3])
	b = b[quantHeaderSize:]
	c := d.qcache[q-qInBand]
	if n == 0 {
		if c == nil {
			return 0, errNoTables
		}
	} else {
		if n > len(b) {
			return 0, fmt.Errorf("%w: quantization table length %d, %d bytes left", ErrMalformedPacket, n, len(b))
		}
		// Validate the layout: tables of 64 or 128 bytes per precision bit.
		rest := n
		for k := 0; rest > 0; k++ {
			size := 64 << (prec >> k & 1)
			if k == 4 || rest < size {
				return 0, fmt.Errorf("%w: quantization table length %d with precision 0x%02x", ErrMalformedPacket, n, prec)
			}
			rest -= size
		}
		if c == nil {
			c = new(tableCache)
			d.qcache[q-qInBand] = c
		}
		c.prec, c.n = prec, copy(c.b[:], b[:n])
	}
	d.prec, d.tables, d.haveQT = c.prec, c.b[:c.n], true
	return quantHeaderSize + n, nil
}

// place stores the data of a fragment at offset off and completes the
// frame when every byte up to the marker's end has arrived.
func (d *Depacketizer) place(off int, marker bool, data []byte) ([]byte, error) {
	end := off + len(data)
	limit := d.MaxFrameBytes
	if limit <= 0 {
		limit = DefaultMaxFrameBytes
	}
	if end > limit {
		return d.fail(&d.Drops.TooLarge, fmt.Errorf("%w: fragment ends at %d, limit %d", ErrFrameTooLarge, end, limit))
	}
	if marker {
		if d.total >= 0 && d.total != end {
			return d.fail(&d.Drops.Inconsistent, fmt.Errorf("%w: two marker packets end at %d and %d", ErrInconsistent, d.total, end))
		}
		if n := len(d.frags); n > 0 && d.frags[n-1].end > end {
			return d.fail(&d.Drops.Inconsistent, fmt.Errorf("%w: marker packet ends at %d, data received up to %d", ErrInconsistent, end, d.frags[n-1].end))
		}
		d.total = end
	} else if d.total >= 0 && end > d.total {
		return d.fail(&d.Drops.Inconsistent, fmt.Errorf("%w: fragment ends at %d after the marker packet's end %d", ErrInconsistent, end, d.total))
	}
	if len(data) > 0 {
		// Find the first fragment starting at or after off; in-order
		// arrival appends at the end.
		i := len(d.frags)
		if i > 0 && d.frags[i-1].start >= off {
			i, _ = slices.BinarySearchFunc(d.frags, off, func(s span, off int) int { return s.start - off })
		}
		switch {
		case i < len(d.frags) && d.frags[i].start == off && d.frags[i].end == end:
			d.DuplicateFragments++
			return nil, nil
		case i < len(d.frags) && d.frags[i].start < end, i > 0 && d.frags[i-1].end > off:
			return d.fail(&d.Drops.Overlap, fmt.Errorf("%w: bytes %d..%d", ErrOverlap, off, end))
		case len(d.frags) >= maxFragments:
			return d.fail(&d.Drops.TooLarge, fmt.Errorf("%w: more than %d fragments", ErrFrameTooLarge, maxFragments))
		}
		d.frags = slices.Insert(d.frags, i, span{off, end})
		if end > len(d.scan) {
			if end > cap(d.scan) {
				grown := make([]byte, end, min(max(2*cap(d.scan), end, 64<<10), limit))
				copy(grown, d.scan)
				d.scan = grown
			}
			d.scan = d.scan[:end]
		}
		copy(d.scan[off:], data)
		d.got += len(data)
	}
	if d.total < 0 || d.got != d.total {
		return nil, nil
	}
	// Complete: no overlaps and got == total mean [0, total) is covered.
	if d.hdr.q >= qInBand && !d.haveQT {
		return d.fail(&d.Drops.Malformed, fmt.Errorf("%w: no quantization table header at offset 0", ErrMalformedPacket))
	}
	f := Frame{
		Type: d.hdr.typ, Q: d.hdr.q,
		Width: int(d.hdr.width8) * 8, Height: int(d.hdr.height8) * 8,
		RestartInterval: d.ri, Precision: d.prec, Tables: d.tables,
		Scan: d.scan[:d.total],
	}
	jpeg, err := f.AppendJPEG(d.outBuf(jpegHeaderMax + d.total + 2))
	if err != nil {
		return d.fail(&d.Drops.Malformed, err)
	}
	d.state = stateDone
	d.FramesComplete++
	return d.keep(jpeg), nil
}

// outBuf returns an empty buffer with room for size bytes for a returned
// JPEG: the reused one with ReuseOutput, else the caller's (Alloc) or a
// fresh one.
func (d *Depacketizer) outBuf(size int) []byte {
	if !d.ReuseOutput {
		if d.Alloc != nil {
			if b := d.Alloc(size); cap(b) >= size {
				return b[:0]
			}
		}
		return make([]byte, 0, size)
	}
	if cap(d.out) < size {
		d.out = make([]byte, 0, size)
	}
	return d.out[:0]
}

// keep records a returned JPEG's buffer for reuse with ReuseOutput.
func (d *Depacketizer) keep(jpeg []byte) []byte {
	if d.ReuseOutput {
		d.out = jpeg
	}
	return jpeg
}
