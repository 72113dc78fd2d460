package bench

import (
	"bytes"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// Relay latency (publish mode): the publisher notes, for every frame it
// sends, a fingerprint of the frame and the time just before it writes the
// frame's last packet; a reader that receives a frame's marker packet
// fingerprints the frame the same way and looks the send time up. The
// server between them depacketizes and re-packetizes, so the fingerprint
// must survive that: it is the last tailSize bytes of the frame's
// entropy-coded data (RFC 2435 §3.1: what follows the payload headers,
// packet after packet), without a trailing EOI marker (FF D9), which some
// packetizers include and others do not. Packet boundaries differ between
// packetizers, so readers keep a rolling tail across the packets of a
// frame.

const (
	// tailSize is the length of a frame fingerprint.
	tailSize = 16
	// rollSize is the rolling tail a reader keeps: the fingerprint plus a
	// possible EOI.
	rollSize = tailSize + 2
	// sentLogSize is how many recently published frames can be looked up
	// (8.5 s at 30 fps): a reader's frame older than that is unmatched.
	sentLogSize = 256
	// minMatch is the shortest fingerprint (frames with less scan data)
	// that is looked up at all.
	minMatch = 4
)

// fingerprint is the end of a frame's entropy-coded data, EOI removed.
type fingerprint struct {
	b [tailSize]byte
	n uint8
}

// fingerprintOf fingerprints a frame's whole scan (as rtpjpeg.Frame.Scan
// gives it, EOI included or not).
func fingerprintOf(scan []byte) fingerprint {
	var r rollingTail
	r.push(scan)
	return r.fingerprint()
}

// rollingTail accumulates the last rollSize bytes of a frame's scan data
// from its packets' payloads; the zero value is an empty frame.
type rollingTail struct {
	b [rollSize]byte
	n int
}

// push appends data, keeping the last rollSize bytes.
func (r *rollingTail) push(data []byte) {
	if len(data) >= rollSize {
		r.n = copy(r.b[:], data[len(data)-rollSize:])
		return
	}
	if keep := rollSize - len(data); r.n > keep {
		copy(r.b[:], r.b[r.n-keep:r.n])
		r.n = keep
	}
	r.n += copy(r.b[r.n:], data)
}

// fingerprint returns the last tailSize bytes pushed, EOI removed.
func (r *rollingTail) fingerprint() fingerprint {
	end := r.n
	if end >= 2 && r.b[end-2] == 0xFF && r.b[end-1] == 0xD9 {
		end -= 2
	}
	start := max(0, end-tailSize)
	var f fingerprint
	f.n = uint8(copy(f.b[:], r.b[start:end]))
	return f
}

// scanData returns the entropy-coded data of an RFC 2435 payload: what
// follows the main header (§3.1), the restart marker header (types
// 64..127, §3.1.7) and, in the packet at fragment offset 0 with Q >= 128,
// the quantization table header and its tables (§3.1.8). ok is false for a
// payload too short for its headers.
func scanData(p []byte) (data []byte, ok bool) {
	const mainHeader = 8
	if len(p) < mainHeader {
		return nil, false
	}
	off := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
	typ, q := p[4], p[5]
	h := mainHeader
	if typ >= 64 && typ < 128 {
		h += 4
	}
	if off == 0 && q >= 128 {
		if len(p) < h+4 {
			return nil, false
		}
		h += 4 + (int(p[h+2])<<8 | int(p[h+3]))
	}
	if h > len(p) {
		return nil, false
	}
	return p[h:], true
}

// sentFrame is one published frame in the sent log.
type sentFrame struct {
	fp fingerprint
	// at is when its last packet was about to be written, in nanoseconds
	// since sentLog.base (monotonic).
	at int64
}

// sentLog is the publisher's record of recently sent frames, read by every
// reader. The publisher writes under mu; readers look up under its read
// lock (once per frame each).
type sentLog struct {
	// base is the time origin of the entries (monotonic clock reading).
	base time.Time
	// measuring is set during the measurement window: readers record
	// latencies only then.
	measuring atomic.Bool

	mu     sync.RWMutex
	frames [sentLogSize]sentFrame
	next   int // index of the next entry to write
	count  int // entries written, at most sentLogSize
}

func newSentLog() *sentLog { return &sentLog{base: time.Now()} }

// add records a frame about to go out at now.
func (l *sentLog) add(fp fingerprint, now time.Time) {
	l.mu.Lock()
	l.frames[l.next] = sentFrame{fp: fp, at: int64(now.Sub(l.base))}
	l.next = (l.next + 1) % sentLogSize
	l.count = min(l.count+1, sentLogSize)
	l.mu.Unlock()
}

// latency returns how long before now the newest frame matching fp was
// sent. A fingerprint shorter than tailSize (a reader that got less of the
// frame's end) matches the end of a full one.
func (l *sentLog) latency(fp fingerprint, now time.Time) (time.Duration, bool) {
	if fp.n < minMatch {
		return 0, false
	}
	want := fp.b[:fp.n]
	l.mu.RLock()
	defer l.mu.RUnlock()
	for i := 1; i <= l.count; i++ {
		e := &l.frames[(l.next-i+sentLogSize)%sentLogSize]
		if e.fp.n < fp.n || !bytes.Equal(e.fp.b[e.fp.n-fp.n:e.fp.n], want) {
			continue
		}
		return now.Sub(l.base) - time.Duration(e.at), true
	}
	return 0, false
}

// Latency histogram: log-linear buckets of microseconds, exact below
// 128 µs, then 64 buckets per power of two (resolution better than 1.6 %),
// up to 2^32 µs. Fixed size, so that recording allocates nothing.
const (
	histLinear  = 128
	histSub     = 64
	histOctaves = 25
	histBuckets = histLinear + histOctaves*histSub
)

// latencyHist counts latencies; one goroutine writes it.
type latencyHist struct {
	counts [histBuckets]uint32
}

// histBucket is the bucket of v µs.
func histBucket(v uint64) int {
	if v < histLinear {
		return int(v)
	}
	e := min(bits.Len64(v)-7, histOctaves) // v>>e is in [64, 128)
	m := min(int(v>>e), 2*histSub-1)
	return histLinear + (e-1)*histSub + m - histSub
}

// histValue is the middle of bucket i, in µs.
func histValue(i int) float64 {
	if i < histLinear {
		return float64(i)
	}
	e := (i-histLinear)/histSub + 1
	m := (i-histLinear)%histSub + histSub
	return float64(uint64(m)<<e) + float64(uint64(1)<<e)/2
}

// add records d.
func (h *latencyHist) add(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	h.counts[histBucket(us)]++
}

// histPercentile is the nearest-rank percentile p (0..100) of the summed
// counts, in µs; ok is false without samples.
func histPercentile(counts []uint64, p float64) (float64, bool) {
	var n uint64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0, false
	}
	rank := max(uint64(math.Ceil(p/100*float64(n))), 1)
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			return histValue(i), true
		}
	}
	return histValue(len(counts) - 1), true
}
