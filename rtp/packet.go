package rtp

import "fmt"

// Packet is a whole RTP packet: header, payload and padding (RFC 3550 §5.1).
type Packet struct {
	Header
	// Payload is the payload, without header and padding. After Unmarshal it
	// aliases the input buffer.
	Payload []byte
	// PaddingSize is the number of padding octets at the end of the packet,
	// including the final count octet (RFC 3550 §5.1, P bit); 0 means no
	// padding. When marshalling, a non-zero PaddingSize sets the P bit and
	// writes PaddingSize-1 zero octets followed by the count.
	PaddingSize uint8
}

// MarshalSize returns the number of bytes MarshalTo writes.
func (p *Packet) MarshalSize() int {
	return p.Header.MarshalSize() + len(p.Payload) + int(p.PaddingSize)
}

// MarshalTo writes the packet into buf and returns the number of bytes
// written, without allocating. The P bit is set exactly when PaddingSize > 0;
// Header.Padding set with PaddingSize 0 is ErrBadPadding.
func (p *Packet) MarshalTo(buf []byte) (int, error) {
	if p.Padding && p.PaddingSize == 0 {
		return 0, fmt.Errorf("%w: Padding set but PaddingSize is 0", ErrBadPadding)
	}
	if size := p.MarshalSize(); len(buf) < size {
		return 0, fmt.Errorf("%w: packet needs %d bytes, have %d", ErrShortBuffer, size, len(buf))
	}
	n, err := p.Header.marshalTo(buf, p.PaddingSize > 0)
	if err != nil {
		return 0, err
	}
	n += copy(buf[n:], p.Payload)
	if p.PaddingSize > 0 {
		end := n + int(p.PaddingSize)
		clear(buf[n : end-1])
		buf[end-1] = p.PaddingSize
		n = end
	}
	return n, nil
}

// Marshal returns the packet in a newly allocated buffer.
func (p *Packet) Marshal() ([]byte, error) {
	buf := make([]byte, p.MarshalSize())
	n, err := p.MarshalTo(buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// Unmarshal parses a whole RTP packet (one UDP datagram or one interleaved
// frame). Payload and ExtensionPayload alias buf; nothing is allocated unless
// the packet has more CSRCs than p.CSRC can hold. The padding count is
// validated (RFC 3550 §5.1 and Appendix A.1): a P bit with a count of zero or
// a count reaching into the header is ErrBadPadding.
func (p *Packet) Unmarshal(buf []byte) error {
	n, err := p.Header.Unmarshal(buf)
	if err != nil {
		return err
	}
	end := len(buf)
	p.PaddingSize = 0
	if p.Padding {
		if end <= n {
			return fmt.Errorf("%w: P bit set but no byte after the %d-byte header", ErrBadPadding, n)
		}
		pad := buf[end-1]
		if pad == 0 {
			return fmt.Errorf("%w: padding count is 0", ErrBadPadding)
		}
		if end-int(pad) < n {
			return fmt.Errorf("%w: padding count %d exceeds the %d bytes after the header", ErrBadPadding, pad, end-n)
		}
		p.PaddingSize = pad
		end -= int(pad)
	}
	p.Payload = buf[n:end:end]
	return nil
}

// Clone returns a deep copy of p that does not alias p's buffers, for keeping
// a packet after the buffer it was decoded from is reused.
func (p *Packet) Clone() *Packet {
	c := *p
	if p.CSRC != nil {
		c.CSRC = append([]uint32(nil), p.CSRC...)
	}
	if p.ExtensionPayload != nil {
		c.ExtensionPayload = append([]byte(nil), p.ExtensionPayload...)
	}
	if p.Payload != nil {
		c.Payload = append([]byte(nil), p.Payload...)
	}
	return &c
}
