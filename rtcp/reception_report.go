package rtcp

import (
	"encoding/binary"
	"time"
)

// Report block, RFC 3550 §6.4.1 (24 bytes, inside SR and RR):
//
//	+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	|                 SSRC_1 (SSRC of first source)                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| fraction lost |       cumulative number of packets lost       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           extended highest sequence number received           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      interarrival jitter                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         last SR (LSR)                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                   delay since last SR (DLSR)                  |
//	+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
const (
	receptionReportSize = 24
	// MaxTotalLost and MinTotalLost bound the 24-bit signed cumulative
	// number of packets lost; larger values are clamped when marshalling.
	MaxTotalLost = 1<<23 - 1
	MinTotalLost = -1 << 23
)

// ReceptionReport is one report block of an SR or RR: what a receiver
// observed about one source since the previous report (RFC 3550 §6.4.1).
type ReceptionReport struct {
	// SSRC is the source this block reports on.
	SSRC uint32
	// FractionLost is the fraction of packets lost since the previous
	// report, as a fixed-point number with the binary point at the left
	// (lost*256/expected, RFC 3550 Appendix A.3).
	FractionLost uint8
	// TotalLost is the cumulative number of packets lost, a 24-bit signed
	// value: it is negative when duplicates outnumber losses. Values outside
	// MinTotalLost..MaxTotalLost are clamped on the wire.
	TotalLost int32
	// LastSeq is the extended highest sequence number received: the count
	// of sequence number cycles in the high 16 bits (RFC 3550 Appendix A.1).
	LastSeq uint32
	// Jitter is the interarrival jitter in timestamp units (Appendix A.8).
	Jitter uint32
	// LastSR is the middle 32 bits of the NTP timestamp of the last SR
	// received from the source (see MiddleNTP), 0 if none yet.
	LastSR uint32
	// DelaySinceLastSR is the delay between receiving that SR and sending
	// this report, in units of 1/65536 s; 0 if no SR yet.
	DelaySinceLastSR uint32
}

func (r *ReceptionReport) marshalTo(b []byte) {
	binary.BigEndian.PutUint32(b[0:], r.SSRC)
	lost := min(max(r.TotalLost, MinTotalLost), MaxTotalLost)
	binary.BigEndian.PutUint32(b[4:], uint32(r.FractionLost)<<24|uint32(lost)&0xffffff)
	binary.BigEndian.PutUint32(b[8:], r.LastSeq)
	binary.BigEndian.PutUint32(b[12:], r.Jitter)
	binary.BigEndian.PutUint32(b[16:], r.LastSR)
	binary.BigEndian.PutUint32(b[20:], r.DelaySinceLastSR)
}

func (r *ReceptionReport) unmarshal(b []byte) {
	r.SSRC = binary.BigEndian.Uint32(b[0:])
	w := binary.BigEndian.Uint32(b[4:])
	r.FractionLost = uint8(w >> 24)
	r.TotalLost = int32(w<<8) >> 8 // sign-extend 24 bits
	r.LastSeq = binary.BigEndian.Uint32(b[8:])
	r.Jitter = binary.BigEndian.Uint32(b[12:])
	r.LastSR = binary.BigEndian.Uint32(b[16:])
	r.DelaySinceLastSR = binary.BigEndian.Uint32(b[20:])
}

// RoundTrip computes the round-trip time to the reporting receiver from this
// block and the arrival time of the RR carrying it (RFC 3550 §6.4.1, figure
// "Example for round-trip time computation": A - LSR - DLSR, in 1/65536 s).
// ok is false when the block does not refer to an SR (LastSR 0) or the
// result is negative (clock skew, a stale block).
func (r *ReceptionReport) RoundTrip(arrival time.Time) (rtt time.Duration, ok bool) {
	if r.LastSR == 0 {
		return 0, false
	}
	a := MiddleNTP(NTPTime(arrival))
	d := int32(a - r.LastSR - r.DelaySinceLastSR) // 16.16 fixed point, wraps
	if d < 0 {
		return 0, false
	}
	return time.Duration(int64(d) * int64(time.Second) >> 16), true
}

func reportsSize(n int) int { return n * receptionReportSize }
