package rtcp

import (
	"math"
	"time"
)

// Receiver statistics constants (RFC 3550 Appendix A.1).
const (
	// DefaultClockRate is the RTP clock rate ReceiverStats assumes when
	// ClockRate is zero: 90 kHz, the video clock (RFC 3551 §5, RFC 2435).
	DefaultClockRate = 90000

	// MaxDropout is the largest forward jump in sequence numbers accepted as
	// loss; a larger jump is taken as a source restart and must be confirmed
	// by the next packet (Appendix A.1, MAX_DROPOUT).
	MaxDropout = 3000

	// MaxMisorder is how far behind the highest sequence number a packet may
	// arrive and still count as late or duplicate; farther is a jump
	// (Appendix A.1, MAX_MISORDER).
	MaxMisorder = 100

	seqMod     = 1 << 16
	windowBits = 256 // duplicate window; must exceed MaxMisorder
)

// ReceiverStats keeps reception statistics for one RTP source, per RFC 3550
// Appendix A.1 (sequence validation and extended highest sequence), A.3
// (expected, lost, fraction lost) and A.8 (interarrival jitter). The zero
// value is ready to use; it is not safe for concurrent use (one receiver
// goroutine owns it).
//
// Differences from the RFC's sample code, each deliberate:
//   - no probation: the first packet starts the statistics (a server we
//     asked to PLAY is not a stray sender);
//   - duplicates are detected with a bitmap of the last 256 sequence numbers
//     and counted in Duplicates, not in Received, so they cannot hide losses;
//   - a packet from before the first one received (reordered at the start)
//     moves the base back instead of making Lost negative;
//   - after a confirmed restart (two sequential packets after a jump of more
//     than MaxDropout), the counters keep accumulating instead of resetting.
type ReceiverStats struct {
	// ClockRate is the RTP timestamp clock rate in Hz, used to express
	// arrival times in timestamp units for the jitter; 0 means
	// DefaultClockRate (90000).
	ClockRate uint32

	// Received counts packets accepted: not duplicates, not discarded.
	Received uint64
	// Duplicates counts packets whose sequence number was already received
	// (within the last 256 sequence numbers).
	Duplicates uint64
	// Reordered counts packets that arrived after a packet with a higher
	// sequence number and were not duplicates (late packets).
	Reordered uint64
	// Discarded counts packets set aside as a sequence jump larger than
	// MaxDropout (or more than MaxMisorder behind) that the next packet did
	// not confirm (Appendix A.1, bad_seq).
	Discarded uint64
	// Restarts counts confirmed sequence jumps (source restarts).
	Restarts uint64

	started     bool
	maxSeq      uint16
	cycles      uint64 // wraps of maxSeq, starting at 1 so that "behind" never underflows
	baseExt     uint64 // extended sequence of the first packet (internal numbering)
	expectedOff uint64 // packets expected before the last restart
	badSeq      uint32 // sequence that would confirm a jump; > 0xffff when none

	window [windowBits / 64]uint64 // bit per extended sequence number, relative to maxExt

	expectedPrior uint64 // Expected() at the previous Report
	receivedPrior uint64 // Received at the previous Report

	jitter      float64 // Appendix A.8, timestamp units
	haveTransit bool
	lastArrival time.Time
	lastTS      uint32
}

// Update records the arrival of an RTP packet with sequence number seq and
// timestamp rtpTS at time arrival (use the receive time, monotonic clock
// included). It reports whether the packet is a duplicate, which the caller
// should drop. A discarded jump packet returns false: the caller may still
// use it (RFC 3550 only excludes it from the statistics).
func (s *ReceiverStats) Update(seq uint16, rtpTS uint32, arrival time.Time) (dup bool) {
	if !s.started {
		s.started = true
		s.restart(seq)
		s.accept(rtpTS, arrival)
		return false
	}
	udelta := seq - s.maxSeq
	switch {
	case udelta == 0:
		s.Duplicates++
		return true
	case udelta < MaxDropout:
		// In order, with a permissible gap.
		old := s.maxExt()
		if seq < s.maxSeq {
			s.cycles++ // sequence number wrapped
		}
		s.maxSeq = seq
		s.advanceWindow(old, s.maxExt())
	case int(udelta) <= seqMod-MaxMisorder:
		// A very large jump: the source restarted or a stray packet.
		if uint32(seq) != s.badSeq {
			s.badSeq = uint32(seq+1) & 0xffff
			s.Discarded++
			return false
		}
		// Two sequential packets: assume the source restarted.
		s.expectedOff = s.Expected()
		s.Restarts++
		s.restart(seq)
	default:
		// Behind the highest sequence by less than MaxMisorder: late or duplicate.
		ext := s.maxExt() - uint64(seqMod-int(udelta))
		if s.bit(ext) {
			s.Duplicates++
			return true
		}
		s.setBit(ext)
		s.Reordered++
		if ext < s.baseExt {
			s.baseExt = ext // arrived before the first packet: extend the range back
		}
	}
	s.accept(rtpTS, arrival)
	return false
}

// restart makes seq the first and highest packet (Appendix A.1 init_seq).
func (s *ReceiverStats) restart(seq uint16) {
	s.maxSeq = seq
	s.cycles = 1
	s.baseExt = s.maxExt()
	s.badSeq = seqMod + 1
	s.window = [windowBits / 64]uint64{}
	s.setBit(s.baseExt)
	s.haveTransit = false
}

// accept counts a valid packet and updates the jitter (Appendix A.8):
// D(i,j) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16.
func (s *ReceiverStats) accept(rtpTS uint32, arrival time.Time) {
	s.Received++
	if s.haveTransit {
		rate := float64(s.clockRate())
		d := arrival.Sub(s.lastArrival).Seconds()*rate - float64(int32(rtpTS-s.lastTS))
		s.jitter += (math.Abs(d) - s.jitter) / 16
	}
	s.haveTransit = true
	s.lastArrival = arrival
	s.lastTS = rtpTS
}

func (s *ReceiverStats) clockRate() uint32 {
	if s.ClockRate == 0 {
		return DefaultClockRate
	}
	return s.ClockRate
}

// maxExt is the internal extended highest sequence (cycles start at 1).
func (s *ReceiverStats) maxExt() uint64 { return s.cycles<<16 | uint64(s.maxSeq) }

func (s *ReceiverStats) bit(ext uint64) bool {
	i := ext % windowBits
	return s.window[i/64]&(1<<(i%64)) != 0
}

func (s *ReceiverStats) setBit(ext uint64) {
	i := ext % windowBits
	s.window[i/64] |= 1 << (i % 64)
}

// advanceWindow clears the bits of the sequence numbers skipped between old
// and new highest (they have not arrived yet) and sets the bit of new.
func (s *ReceiverStats) advanceWindow(old, new uint64) {
	if new-old >= windowBits {
		s.window = [windowBits / 64]uint64{}
	} else {
		for e := old + 1; e < new; e++ {
			i := e % windowBits
			s.window[i/64] &^= 1 << (i % 64)
		}
	}
	i := new % windowBits
	s.window[i/64] |= 1 << (i % 64)
}

// ExtendedHighest returns the extended highest sequence number received:
// the number of sequence wraps in the high 16 bits and the highest sequence
// number in the low 16 (Appendix A.1), as sent in LastSeq of a reception
// report. Zero before the first packet.
func (s *ReceiverStats) ExtendedHighest() uint32 {
	if !s.started {
		return 0
	}
	return uint32(s.maxExt() - 1<<16)
}

// Expected returns the number of packets expected so far: the extended
// highest sequence minus the first, plus one (Appendix A.3), summed over
// restarts.
func (s *ReceiverStats) Expected() uint64 {
	if !s.started {
		return 0
	}
	return s.expectedOff + s.maxExt() - s.baseExt + 1
}

// Lost returns the cumulative number of packets lost, Expected() minus
// Received, clamped at 0 (Appendix A.3 allows negative values; reports carry
// the signed value, see Report).
func (s *ReceiverStats) Lost() uint64 {
	e := s.Expected()
	if s.Received >= e {
		return 0
	}
	return e - s.Received
}

// Jitter returns the interarrival jitter estimate in timestamp units
// (Appendix A.8).
func (s *ReceiverStats) Jitter() float64 { return s.jitter }

// JitterDuration returns the interarrival jitter as a duration, Jitter()
// divided by the clock rate.
func (s *ReceiverStats) JitterDuration() time.Duration {
	return time.Duration(s.jitter / float64(s.clockRate()) * float64(time.Second))
}

// Report returns a reception report block for the source ssrc and starts a
// new reporting interval: FractionLost covers the packets since the previous
// Report call (Appendix A.3). lastSR is the middle 32 bits of the NTP
// timestamp of the last SR received from the source (MiddleNTP), 0 if none;
// lastSRArrival is when that SR arrived and now is the report's send time,
// giving DelaySinceLastSR in 1/65536 s.
func (s *ReceiverStats) Report(ssrc uint32, lastSR uint32, lastSRArrival, now time.Time) ReceptionReport {
	expected := s.Expected()
	expectedInterval := expected - s.expectedPrior
	receivedInterval := s.Received - s.receivedPrior
	s.expectedPrior = expected
	s.receivedPrior = s.Received

	r := ReceptionReport{SSRC: ssrc, LastSeq: s.ExtendedHighest(), LastSR: lastSR}
	if lostInterval := int64(expectedInterval) - int64(receivedInterval); expectedInterval > 0 && lostInterval > 0 {
		r.FractionLost = uint8(min((lostInterval<<8)/int64(expectedInterval), 255))
	}
	r.TotalLost = int32(min(max(int64(expected)-int64(s.Received), MinTotalLost), MaxTotalLost))
	r.Jitter = uint32(min(s.jitter, math.MaxUint32))
	if lastSR != 0 && !lastSRArrival.IsZero() {
		if d := now.Sub(lastSRArrival); d > 0 {
			r.DelaySinceLastSR = dlsr(d)
		}
	}
	return r
}

// dlsr converts a delay to the 16.16 fixed-point seconds of the DLSR field,
// saturating at its maximum (about 18 hours).
func dlsr(d time.Duration) uint32 {
	secs, frac := d/time.Second, d%time.Second
	if secs > 0xffff {
		return math.MaxUint32
	}
	return uint32(secs)<<16 | uint32(int64(frac)<<16/int64(time.Second))
}
