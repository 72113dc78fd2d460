package rtcp

import (
	"encoding/binary"
	"fmt"
)

// Goodbye, RFC 3550 §6.6:
//
//	       0                   1                   2                   3
//	       0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	      |V=2|P|    SC   |   PT=BYE=203  |             length            |
//	      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	      |                           SSRC/CSRC                           |
//	      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	      :                              ...                              :
//	      +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	(opt) |     length    |               reason for leaving            ...
//	      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// Goodbye is a BYE packet (RFC 3550 §6.6): the listed sources are leaving,
// e.g. the server's stream ends or the client tears down. Receivers should
// stop waiting for them instead of timing out.
type Goodbye struct {
	// Sources lists up to 31 SSRC/CSRC identifiers that leave.
	Sources []uint32
	// Reason is an optional reason for leaving, up to 255 bytes of UTF-8.
	Reason string
}

// MarshalSize returns the size of the packet in bytes, header included.
func (p *Goodbye) MarshalSize() int {
	n := headerSize + wordSize*len(p.Sources)
	if p.Reason != "" {
		n += (1 + len(p.Reason) + wordSize - 1) &^ (wordSize - 1)
	}
	return n
}

// MarshalTo writes the packet into b and returns the number of bytes written.
func (p *Goodbye) MarshalTo(b []byte) (int, error) {
	size := p.MarshalSize()
	if err := checkMarshal("goodbye", len(p.Sources), size, len(b)); err != nil {
		return 0, err
	}
	if len(p.Reason) > maxTextLen {
		return 0, fmt.Errorf("%w: BYE reason of %d bytes", ErrTextTooLong, len(p.Reason))
	}
	putHeader(b, uint8(len(p.Sources)), TypeGoodbye, size)
	n := headerSize
	for _, s := range p.Sources {
		binary.BigEndian.PutUint32(b[n:], s)
		n += wordSize
	}
	if p.Reason != "" {
		b[n] = uint8(len(p.Reason))
		n++
		n += copy(b[n:], p.Reason)
		clear(b[n:size])
		n = size
	}
	return n, nil
}

// Unmarshal decodes one BYE packet occupying all of b.
func (p *Goodbye) Unmarshal(b []byte) error {
	return unmarshalOne(b, TypeGoodbye, p.unmarshalBody)
}

func (p *Goodbye) unmarshalBody(count uint8, body []byte) error {
	need := wordSize * int(count)
	if len(body) < need {
		return fmt.Errorf("%w: BYE with %d sources needs %d body bytes, have %d", ErrBadLength, count, need, len(body))
	}
	p.Sources = nil
	if count > 0 {
		p.Sources = make([]uint32, count)
		for i := range p.Sources {
			p.Sources[i] = binary.BigEndian.Uint32(body[i*wordSize:])
		}
	}
	p.Reason = ""
	if rest := body[need:]; len(rest) > 0 {
		l := int(rest[0])
		if len(rest)-1 < l {
			return fmt.Errorf("%w: BYE reason of %d bytes with %d left", ErrMalformed, l, len(rest)-1)
		}
		p.Reason = string(rest[1 : 1+l])
	}
	return nil
}
