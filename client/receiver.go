package client

import (
	"log/slog"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// receiver is the media pipeline of one transport setup: statistics on
// arrival (rtcp.ReceiverStats, RFC 3550 A.1/A.3/A.8), the UDP reorder
// buffer, the RFC 2435 depacketizer, and delivery of complete frames. The
// goroutine reading packets (UDP loop or control-connection reader) calls
// into it; RTCP and Stats read it; one mutex guards it all.
type receiver struct {
	mu sync.Mutex

	transport string
	d         *dialect
	frameTick uint32 // RTP units per nominal frame, if d.nominalClock
	log       *slog.Logger

	stats   rtcp.ReceiverStats
	reorder *reorderBuffer // nil for ordered (TCP) transports
	depkt   rtpjpeg.Depacketizer
	frames  chan<- Frame

	pkt  rtp.Packet
	out  []*rtp.Packet
	info jpeghdr.Info

	haveSSRC     bool
	ssrc         uint32
	foreignSSRC  uint64
	invalid      uint64
	bytes        uint64
	first, last  time.Time // packet arrivals
	firstFrame   time.Time
	lastFrame    time.Time
	queueDropped uint64
	width        int
	height       int

	lastSR   uint32 // middle 32 bits of the last SR's NTP time (RFC 3550 §6.4.1 LSR)
	lastSRAt time.Time

	playingSince time.Time // zero when not playing
	firstPacket  chan struct{}
	gotFirst     bool
}

func newReceiver(transport string, cfg *Config, d *dialect, frames chan<- Frame) *receiver {
	r := &receiver{
		transport:   transport,
		d:           d,
		log:         cfg.Logger,
		frames:      frames,
		firstPacket: make(chan struct{}),
	}
	r.depkt.Alloc = cfg.FrameAlloc
	if d.nominalClock {
		r.frameTick = uint32(cfg.LabFrameInterval * rtpjpeg.ClockRate / time.Second)
	}
	if transport == TransportUDP {
		r.reorder = newReorderBuffer(cfg.ReorderPackets, cfg.ReorderDelay)
	}
	return r
}

// rtp handles one RTP packet received at now. buf may be reused once it
// returns.
func (r *receiver) rtp(buf []byte, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := &r.pkt
	if err := p.Unmarshal(buf); err != nil {
		if r.invalid == 0 {
			r.log.Debug("invalid RTP packet", "err", err)
		}
		r.invalid++
		return
	}
	if !r.haveSSRC {
		r.haveSSRC, r.ssrc = true, p.SSRC
	} else if p.SSRC != r.ssrc {
		if r.foreignSSRC == 0 {
			r.log.Warn("ignoring RTP from a second source", "ssrc", p.SSRC, "want", r.ssrc)
		}
		r.foreignSSRC++
		return
	}
	ts := p.Timestamp
	if r.d.nominalClock {
		ts = uint32(p.SequenceNumber) * r.frameTick
	}
	if r.stats.Update(p.SequenceNumber, ts, now) {
		return // duplicate
	}
	r.bytes += uint64(len(buf))
	if !r.gotFirst {
		r.gotFirst, r.first = true, now
		close(r.firstPacket)
	}
	r.last = now
	if r.reorder == nil {
		r.depacketize(p, now)
		return
	}
	r.out = r.reorder.push(p, now, r.out[:0])
	r.deliver(now)
}

// deliver feeds the packets released by the reorder buffer to the
// depacketizer.
func (r *receiver) deliver(now time.Time) {
	for i, q := range r.out {
		r.depacketize(q, now)
		r.out[i] = nil
	}
	r.out = r.out[:0]
}

func (r *receiver) depacketize(p *rtp.Packet, now time.Time) {
	jpeg, err := r.depkt.Push(p)
	if err != nil {
		r.log.Debug("frame dropped", "err", err)
	}
	if jpeg == nil {
		return
	}
	f := Frame{JPEG: jpeg, Timestamp: p.Timestamp, Arrival: now}
	if err := jpeghdr.ParseInto(&r.info, jpeg); err == nil {
		f.Width, f.Height = r.info.Width, r.info.Height
		r.width, r.height = f.Width, f.Height
	}
	if r.firstFrame.IsZero() {
		r.firstFrame = now
	}
	r.lastFrame = now
	select {
	case r.frames <- f:
	default:
		if r.queueDropped == 0 {
			r.log.Warn("frame queue full: dropping frames (consumer too slow)")
		}
		r.queueDropped++
	}
}

// expire gives up reorder gaps whose packets waited too long.
func (r *receiver) expire(now time.Time) {
	if r.reorder == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out = r.reorder.expire(now, r.out[:0])
	r.deliver(now)
}

// flush delivers everything the reorder buffer holds (end of stream).
func (r *receiver) flush() {
	if r.reorder == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out = r.reorder.flush(r.out[:0])
	r.deliver(time.Now())
}

// reorderDeadline returns when the oldest held packet must be released.
func (r *receiver) reorderDeadline() (time.Time, bool) {
	if r.reorder == nil {
		return time.Time{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reorder.deadline()
}

// senderReport records an RTCP SR for the LSR/DLSR fields of our reports
// (RFC 3550 §6.4.1).
func (r *receiver) senderReport(sr *rtcp.SenderReport, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.haveSSRC && sr.SSRC != r.ssrc {
		return
	}
	r.lastSR, r.lastSRAt = rtcp.MiddleNTP(sr.NTPTime), now
}

// fromServer reports whether an RTCP BYE names our source (or we have none
// yet).
func (r *receiver) isSource(ssrcs []uint32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.haveSSRC || len(ssrcs) == 0 {
		return true
	}
	for _, s := range ssrcs {
		if s == r.ssrc {
			return true
		}
	}
	return false
}

// report returns a reception report block for our source, and false before
// the first packet (RFC 3550 §6.4.2: an RR without blocks is then sent).
func (r *receiver) report(now time.Time) (rtcp.ReceptionReport, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.haveSSRC {
		return rtcp.ReceptionReport{}, false
	}
	return r.stats.Report(r.ssrc, r.lastSR, r.lastSRAt, now), true
}

// setPlaying marks the start (or end, with a zero time) of playing, from
// which the idle timeouts count.
func (r *receiver) setPlaying(t time.Time) {
	r.mu.Lock()
	r.playingSince = t
	r.mu.Unlock()
}

// idle returns how long no packet has arrived while playing, and false when
// not playing.
func (r *receiver) idle(now time.Time) (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.playingSince.IsZero() {
		return 0, false
	}
	last := r.playingSince
	if r.last.After(last) {
		last = r.last
	}
	return now.Sub(last), true
}

// snapshot returns the statistics so far.
func (r *receiver) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Stats{
		Transport:          r.transport,
		Lab:                r.d == labDialect,
		PacketsReceived:    r.stats.Received,
		PacketsExpected:    r.stats.Expected(),
		PacketsLost:        r.stats.Lost(),
		Duplicates:         r.stats.Duplicates,
		Reordered:          r.stats.Reordered,
		JitterMs:           float64(r.stats.JitterDuration()) / float64(time.Millisecond),
		FramesComplete:     r.depkt.FramesComplete,
		FramesIncomplete:   r.depkt.FramesDropped,
		FramesQueueDropped: r.queueDropped,
		Bytes:              r.bytes,
		Width:              r.width,
		Height:             r.height,
		SSRC:               r.ssrc,
	}
	if s.PacketsExpected > 0 {
		s.LossRate = float64(s.PacketsLost) / float64(s.PacketsExpected)
	}
	if d := r.lastFrame.Sub(r.firstFrame); d > 0 && s.FramesComplete > 1 {
		s.FPS = float64(s.FramesComplete-1) / d.Seconds()
	}
	if r.gotFirst {
		s.Elapsed = r.last.Sub(r.first)
		if s.Elapsed > 0 {
			s.BitrateBps = float64(s.Bytes) * 8 / s.Elapsed.Seconds()
		}
	}
	return s
}
