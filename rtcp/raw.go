package rtcp

import "fmt"

// Raw is an RTCP packet of a type this package does not decode (APP, XR,
// RTPFB/PSFB feedback, ...). Unmarshal keeps such packets instead of failing
// the whole compound packet, and Marshal writes them back unchanged.
type Raw struct {
	// Type is the packet type (PT field).
	Type uint8
	// Count is the 5-bit count/subtype field (RC/SC/FMT).
	Count uint8
	// Body is everything after the 4-byte common header, padding excluded:
	// a whole number of 32-bit words. Decoded bodies are copies.
	Body []byte
}

// MarshalSize returns the size of the packet in bytes, header included.
func (p *Raw) MarshalSize() int { return headerSize + len(p.Body) }

// MarshalTo writes the packet into b and returns the number of bytes written.
func (p *Raw) MarshalTo(b []byte) (int, error) {
	size := p.MarshalSize()
	if err := checkMarshal("raw packet", int(p.Count), size, len(b)); err != nil {
		return 0, err
	}
	if len(p.Body)%wordSize != 0 {
		return 0, fmt.Errorf("%w: body of %d bytes is not whole 32-bit words", ErrBadLength, len(p.Body))
	}
	putHeader(b, p.Count, p.Type, size)
	return headerSize + copy(b[headerSize:], p.Body), nil
}

// Unmarshal decodes one packet of any type occupying all of b, without
// interpreting its body.
func (p *Raw) Unmarshal(b []byte) error {
	h, err := parseHeader(b)
	if err != nil {
		return err
	}
	if h.size != len(b) {
		return fmt.Errorf("%w: packet is %d bytes but %d were given", ErrBadLength, h.size, len(b))
	}
	body, err := h.body(b)
	if err != nil {
		return err
	}
	p.Type, p.Count, p.Body = h.typ, h.count, append([]byte(nil), body...)
	return nil
}
