package rtcp

import (
	"fmt"
	"slices"
)

// Packet is one RTCP packet that can be written into a compound packet:
// *SenderReport, *ReceiverReport, *SourceDescription, *Goodbye or *Raw.
type Packet interface {
	// MarshalSize returns the size of the packet in bytes, header included.
	MarshalSize() int
	// MarshalTo writes the packet into b and returns the bytes written.
	MarshalTo(b []byte) (int, error)
}

// Marshal returns the compound packet made of pkts, in order (RFC 3550 §6.1:
// it should start with an SR or RR and carry an SDES CNAME; building it that
// way is the caller's job).
func Marshal(pkts ...Packet) ([]byte, error) {
	return AppendMarshal(nil, pkts...)
}

// AppendMarshal appends the compound packet made of pkts to dst and returns
// the extended slice; with enough capacity in dst it does not allocate. On
// error dst is returned unchanged in length.
func AppendMarshal(dst []byte, pkts ...Packet) ([]byte, error) {
	total := 0
	for _, p := range pkts {
		total += p.MarshalSize()
	}
	start := len(dst)
	out := slices.Grow(dst, total)[:start+total]
	n := start
	for i, p := range pkts {
		m, err := p.MarshalTo(out[n:])
		if err != nil {
			return dst, fmt.Errorf("rtcp: packet %d of compound: %w", i+1, err)
		}
		n += m
	}
	return out[:n], nil
}

// Unmarshal splits a compound RTCP packet (one UDP datagram or interleaved
// frame) into its packets, validating each common header: version 2, a
// length that fits the remaining bytes, and a sane padding count (RFC 3550
// §6.4.1, the header checks of Appendix A.2). The A.2 rule that a compound
// packet starts with an SR or RR is not enforced: peers send BYE-only and
// reduced-size (RFC 5506) packets, and rejecting them gains nothing. SR, RR,
// SDES and BYE decode to
// *SenderReport, *ReceiverReport, *SourceDescription and *Goodbye; any other
// type to *Raw. Decoded packets do not alias b. An empty input is an error
// (ErrTruncated).
func Unmarshal(b []byte) ([]Packet, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty compound packet", ErrTruncated)
	}
	var pkts []Packet
	for off := 0; off < len(b); {
		p, n, err := unmarshalPacket(b[off:])
		if err != nil {
			return nil, fmt.Errorf("rtcp: packet %d at offset %d: %w", len(pkts)+1, off, err)
		}
		pkts = append(pkts, p)
		off += n
	}
	return pkts, nil
}

// unmarshalPacket decodes the first packet of b and returns it with its size.
func unmarshalPacket(b []byte) (Packet, int, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, 0, err
	}
	body, err := h.body(b)
	if err != nil {
		return nil, 0, err
	}
	var p Packet
	switch h.typ {
	case TypeSenderReport:
		sr := new(SenderReport)
		err, p = sr.unmarshalBody(h.count, body), sr
	case TypeReceiverReport:
		rr := new(ReceiverReport)
		err, p = rr.unmarshalBody(h.count, body), rr
	case TypeSourceDescription:
		sd := new(SourceDescription)
		err, p = sd.unmarshalBody(h.count, body), sd
	case TypeGoodbye:
		bye := new(Goodbye)
		err, p = bye.unmarshalBody(h.count, body), bye
	default:
		p = &Raw{Type: h.typ, Count: h.count, Body: append([]byte(nil), body...)}
	}
	if err != nil {
		return nil, 0, err
	}
	return p, h.size, nil
}
