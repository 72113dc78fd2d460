package bench

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
)

// jpegPayloadType is RFC 2435's static payload type (RFC 3551 §6).
const jpegPayloadType = 26

// periodSteps is how many positive timestamp steps a tracker collects
// before it sets the frame period to their median, when the SDP has no
// a=framerate. One step is not enough: an ffmpeg publisher looping a file
// steps 2999 then 1 tick at each loop, and a 1-tick period makes nearly
// every frame late.
const periodSteps = 9

// pendingFrame is a complete frame received while the period was being
// learned: its unwrapped timestamp and arrival time.
type pendingFrame struct {
	ext int64
	at  time.Time
}

// tracker counts one client's RTP stream: packets, sequence gaps, frames,
// late frames and the first complete frame (definitions in the package
// doc). One goroutine feeds it; window counters are atomic so the
// coordinator can snapshot them while packets flow.
type tracker struct {
	// windowPackets counts every packet, read atomically for the window;
	// windowBytes sums their RTP payload bytes.
	windowPackets atomic.Uint64
	windowBytes   atomic.Uint64
	// playAt is the UnixNano when the PLAY response was read (0: not yet).
	playAt atomic.Int64

	// clockRate is the RTP clock (90000 for JPEG); periodTicks is the frame
	// period T in clock ticks, 0 until known.
	clockRate   int64
	periodTicks int64

	// Period learning (periodTicks == 0): the first positive timestamp
	// steps (stepsBefore of them seen before the anchor, which do not
	// count skipped frames) and the complete frames after the anchor,
	// checked once the period is known.
	steps       [periodSteps]int64
	nsteps      int
	stepsBefore int
	pending     [periodSteps + 1]pendingFrame
	npending    int

	hdr rtp.Header

	// Sequence accounting (RFC 3550 A.1, A.3).
	started  bool
	baseSeq  uint16
	maxSeq   uint16
	cycles   uint32
	received uint64
	bad      uint64

	// Frame assembly.
	haveFrame   bool
	curTS       uint32
	curOK       bool
	curDone     bool
	expectSeq   uint16
	afterMarker bool

	// Frame timestamps unwrapped to 64 bits.
	haveTS bool
	lastTS uint32
	extTS  int64

	frames     uint64 // frames whose marker arrived
	complete   uint64
	incomplete uint64
	evaluated  uint64 // complete frames after the anchor
	late       uint64
	skipped    uint64

	anchorSet bool
	anchorAt  time.Time
	anchorTS  int64
	firstAt   time.Time

	// Relay latency (publish mode only; relay is nil otherwise): the
	// current frame's rolling scan tail (tailBad when a packet's scan data
	// could not be read whole), the latency histogram and the marker
	// packets of complete frames matched or not in the sent log during
	// the window.
	relay   *sentLog
	roll    rollingTail
	tailBad bool
	hist    *latencyHist
	// rxAt is the kernel's receive time of the packet being accounted
	// (UDP, publish mode, Linux; zero when unknown), readHist the latency
	// to the moment this process read the frame's last packet.
	rxAt           time.Time
	readHist       *latencyHist
	relayMatched   uint64
	relayUnmatched uint64
}

// newTracker makes a tracker; with relay set it also measures relay
// latency against that log (and then needs whole packets).
func newTracker(clockRate int, periodTicks int64, relay *sentLog) *tracker {
	if clockRate <= 0 {
		clockRate = 90000
	}
	t := &tracker{clockRate: int64(clockRate), periodTicks: periodTicks, relay: relay}
	if relay != nil {
		t.hist, t.readHist = new(latencyHist), new(latencyHist)
	}
	return t
}

// packet accounts one received datagram that arrived at now: b is its
// beginning (the first bytes at least, possibly all), size its length.
func (t *tracker) packet(b []byte, size int, now time.Time) {
	t.windowPackets.Add(1)
	n, err := t.hdr.Unmarshal(b)
	if err != nil {
		t.bad++
		return
	}
	t.windowBytes.Add(uint64(max(size-n, 0)))
	h := &t.hdr
	seq := h.SequenceNumber
	t.received++
	if !t.started {
		t.started = true
		t.baseSeq, t.maxSeq = seq, seq
	} else if d := rtp.SeqDiff(seq, t.maxSeq); d > 0 {
		if seq < t.maxSeq {
			t.cycles += 1 << 16
		}
		t.maxSeq = seq
	}

	// Where does a frame start? RFC 2435 §3.1: fragment offset 0.
	isStart := t.afterMarker || !t.haveFrame
	if h.PayloadType == jpegPayloadType && len(b) >= n+4 {
		off := int(b[n+1])<<16 | int(b[n+2])<<8 | int(b[n+3])
		isStart = off == 0
	}
	if !t.haveFrame || h.Timestamp != t.curTS {
		if t.haveFrame && !t.curDone {
			t.incomplete++
		}
		t.newFrame(h.Timestamp)
		t.haveFrame, t.curTS, t.curOK, t.curDone = true, h.Timestamp, isStart, false
		t.roll, t.tailBad = rollingTail{}, false
	} else if seq != t.expectSeq || t.curDone {
		t.curOK = false
	}
	if t.relay != nil {
		t.scanTail(b, n, size)
	}
	t.expectSeq = seq + 1
	t.afterMarker = h.Marker
	if h.Marker && !t.curDone {
		t.curDone = true
		t.frames++
		if t.curOK {
			t.complete++
			t.completed(now)
			if t.relay != nil {
				t.relayFrame(now)
			}
		} else {
			t.incomplete++
		}
	}
}

// scanTail adds a packet's scan data (b[n:size], without RTP padding) to
// the frame's rolling tail.
func (t *tracker) scanTail(b []byte, n, size int) {
	if len(b) < size {
		t.tailBad = true // truncated read
		return
	}
	p := b[n:size]
	if t.hdr.Padding && len(p) > 0 {
		p = p[:max(len(p)-int(p[len(p)-1]), 0)]
	}
	data, ok := scanData(p)
	if !ok {
		t.tailBad = true
		return
	}
	t.roll.push(data)
}

// relayFrame looks a complete frame up in the publisher's log, during the
// window only.
func (t *tracker) relayFrame(now time.Time) {
	if !t.relay.measuring.Load() {
		return
	}
	if !t.tailBad {
		if d, ok := t.relay.latency(t.roll.fingerprint(), now); ok {
			t.readHist.add(d)
			if !t.rxAt.IsZero() {
				// The frame left the server d - (now - rxAt) after
				// the publisher's write; the rest is this process
				// getting round to reading it. Wall clocks both.
				d -= now.Round(0).Sub(t.rxAt)
			}
			t.hist.add(max(d, 0))
			t.relayMatched++
			return
		}
	}
	t.relayUnmatched++
}

// newFrame unwraps a new frame's timestamp, learns the period from the
// median of the first periodSteps positive steps when the SDP did not give
// it, and counts frames the server never sent (a timestamp step of more
// than 1.5 periods).
func (t *tracker) newFrame(ts uint32) {
	if !t.haveTS {
		t.haveTS, t.lastTS, t.extTS = true, ts, int64(ts)
		return
	}
	step := int64(int32(ts - t.lastTS))
	t.extTS += step
	t.lastTS = ts
	if t.periodTicks == 0 {
		if step > 0 {
			t.steps[t.nsteps] = step
			t.nsteps++
			if !t.anchorSet {
				t.stepsBefore++
			}
			if t.nsteps == len(t.steps) {
				t.learnPeriod()
			}
		}
		return
	}
	if t.anchorSet {
		t.countSkipped(step)
	}
}

// countSkipped counts the frames missing in a timestamp step of k > 1.5
// periods: round(k) - 1.
func (t *tracker) countSkipped(step int64) {
	if 2*step > 3*t.periodTicks {
		t.skipped += uint64((step+t.periodTicks/2)/t.periodTicks - 1)
	}
}

// learnPeriod sets the period to the median of the steps collected so far
// (nothing when there are none), then counts the skipped frames of those
// steps and checks the frames received meanwhile.
func (t *tracker) learnPeriod() {
	if t.periodTicks > 0 || t.nsteps == 0 {
		return
	}
	s := slices.Clone(t.steps[:t.nsteps])
	slices.Sort(s)
	t.periodTicks = s[len(s)/2]
	for _, step := range t.steps[t.stepsBefore:t.nsteps] {
		t.countSkipped(step)
	}
	for _, f := range t.pending[:t.npending] {
		t.evaluate(f.ext, f.at)
	}
	t.nsteps, t.npending = 0, 0
}

// completed handles the marker packet of a complete frame (t.extTS is its
// unwrapped timestamp): the first one anchors the timeline, later ones are
// checked against their due time (kept for later while the period is
// being learned).
func (t *tracker) completed(now time.Time) {
	ext := t.extTS
	if !t.anchorSet {
		t.anchorSet, t.anchorAt, t.anchorTS, t.firstAt = true, now, ext, now
		return
	}
	if t.periodTicks <= 0 {
		// Bounded: periodSteps positive steps end learning; frames after
		// non-positive steps beyond the room are not checked.
		if t.npending < len(t.pending) {
			t.pending[t.npending] = pendingFrame{ext, now}
			t.npending++
		}
		return
	}
	t.evaluate(ext, now)
}

// evaluate checks a complete frame with unwrapped timestamp ext, received
// at now, against its due time: late when more than one period after it.
func (t *tracker) evaluate(ext int64, now time.Time) {
	t.evaluated++
	due := t.anchorAt.Add(time.Duration((ext - t.anchorTS) * int64(time.Second) / t.clockRate))
	if now.Sub(due) > time.Duration(t.periodTicks*int64(time.Second)/t.clockRate) {
		t.late++
	}
}

// expected is the number of packets expected from the sequence numbers
// (RFC 3550 A.3).
func (t *tracker) expected() uint64 {
	if !t.started {
		return 0
	}
	ext := uint64(t.cycles) + uint64(t.maxSeq)
	return ext - uint64(t.baseSeq) + 1
}

// lost is expected - received, clamped at 0 (duplicates).
func (t *tracker) lost() uint64 {
	if e := t.expected(); e > t.received {
		return e - t.received
	}
	return 0
}
