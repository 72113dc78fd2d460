package rtcp

import (
	"encoding/binary"
	"fmt"
)

// Source description, RFC 3550 §6.5:
//
//	        0                   1                   2                   3
//	        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	header |V=2|P|    SC   |  PT=SDES=202  |             length            |
//	       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	chunk  |                          SSRC/CSRC_1                          |
//	  1    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	       |                           SDES items                          |
//	       |                              ...                              |
//	       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//
// Each item is type (8 bits), length (8 bits) and that many octets of UTF-8
// text. The item list of a chunk ends with one or more null octets (an END
// item) padding the chunk to the next 32-bit boundary.

// SDES item types, RFC 3550 §6.5.1-§6.5.8.
const (
	SDESEnd      uint8 = 0 // end of the item list (never an item itself)
	SDESCNAME    uint8 = 1 // canonical end-point name, user@host (§6.5.1); required in every compound packet
	SDESName     uint8 = 2 // user name (§6.5.2)
	SDESEmail    uint8 = 3 // e-mail address (§6.5.3)
	SDESPhone    uint8 = 4 // phone number (§6.5.4)
	SDESLocation uint8 = 5 // geographic location (§6.5.5)
	SDESTool     uint8 = 6 // application or tool name and version (§6.5.6)
	SDESNote     uint8 = 7 // notice about the source (§6.5.7)
	SDESPrivate  uint8 = 8 // private extension: prefix length, prefix, value (§6.5.8)
)

const (
	sdesItemHeader = 2
	maxTextLen     = 255
)

// SourceDescription is an SDES packet (RFC 3550 §6.5). Every compound packet
// must carry the sender's CNAME (§6.1); NewCNAME builds that packet.
type SourceDescription struct {
	// Chunks holds up to 31 chunks, one per described source.
	Chunks []SDESChunk
}

// SDESChunk describes one source.
type SDESChunk struct {
	// SSRC is the source (SSRC or CSRC) described.
	SSRC uint32
	// Items are the source's items, in wire order.
	Items []SDESItem
}

// SDESItem is one SDES item: a type (SDESCNAME...) and up to 255 bytes of
// text. For SDESPrivate, Text holds the raw value (prefix length, prefix and
// value).
type SDESItem struct {
	// Type is the item type, SDESCNAME to SDESPrivate (never SDESEnd).
	Type uint8
	// Text is the item's value, at most 255 bytes (UTF-8 by RFC 3550 §6.5).
	Text string
}

// NewCNAME returns an SDES packet carrying only the CNAME of ssrc, what
// RFC 3550 §6.1 requires in every compound RTCP packet.
func NewCNAME(ssrc uint32, cname string) *SourceDescription {
	return &SourceDescription{Chunks: []SDESChunk{{SSRC: ssrc, Items: []SDESItem{{Type: SDESCNAME, Text: cname}}}}}
}

// CNAME returns the first CNAME item for ssrc, or "" if none.
func (p *SourceDescription) CNAME(ssrc uint32) string {
	for _, c := range p.Chunks {
		if c.SSRC != ssrc {
			continue
		}
		for _, it := range c.Items {
			if it.Type == SDESCNAME {
				return it.Text
			}
		}
	}
	return ""
}

func (c *SDESChunk) size() int {
	n := wordSize // SSRC
	for _, it := range c.Items {
		n += sdesItemHeader + len(it.Text)
	}
	n++ // at least one null octet ends the list
	return (n + wordSize - 1) &^ (wordSize - 1)
}

// MarshalSize returns the size of the packet in bytes, header included.
func (p *SourceDescription) MarshalSize() int {
	n := headerSize
	for i := range p.Chunks {
		n += p.Chunks[i].size()
	}
	return n
}

// MarshalTo writes the packet into b and returns the number of bytes written.
func (p *SourceDescription) MarshalTo(b []byte) (int, error) {
	size := p.MarshalSize()
	if err := checkMarshal("source description", len(p.Chunks), size, len(b)); err != nil {
		return 0, err
	}
	for _, c := range p.Chunks {
		for _, it := range c.Items {
			if it.Type == SDESEnd {
				return 0, fmt.Errorf("%w: SDES item of type 0 (END) for SSRC %08x", ErrMalformed, c.SSRC)
			}
			if len(it.Text) > maxTextLen {
				return 0, fmt.Errorf("%w: SDES item type %d of %d bytes", ErrTextTooLong, it.Type, len(it.Text))
			}
		}
	}
	putHeader(b, uint8(len(p.Chunks)), TypeSourceDescription, size)
	n := headerSize
	for i := range p.Chunks {
		c := &p.Chunks[i]
		end := n + c.size()
		binary.BigEndian.PutUint32(b[n:], c.SSRC)
		n += wordSize
		for _, it := range c.Items {
			b[n] = it.Type
			b[n+1] = uint8(len(it.Text))
			n += sdesItemHeader
			n += copy(b[n:], it.Text)
		}
		clear(b[n:end]) // END item and padding
		n = end
	}
	return n, nil
}

// Unmarshal decodes one SDES packet occupying all of b.
func (p *SourceDescription) Unmarshal(b []byte) error {
	return unmarshalOne(b, TypeSourceDescription, p.unmarshalBody)
}

func (p *SourceDescription) unmarshalBody(count uint8, body []byte) error {
	p.Chunks = nil
	if count > 0 {
		p.Chunks = make([]SDESChunk, 0, count)
	}
	off := 0
	for i := range int(count) {
		if len(body)-off < wordSize {
			return fmt.Errorf("%w: SDES chunk %d of %d: no room for SSRC at offset %d of %d", ErrMalformed, i+1, count, off, len(body))
		}
		c := SDESChunk{SSRC: binary.BigEndian.Uint32(body[off:])}
		off += wordSize
		for {
			if off >= len(body) {
				return fmt.Errorf("%w: SDES chunk %d: item list not terminated", ErrMalformed, i+1)
			}
			typ := body[off]
			if typ == SDESEnd {
				off = (off + 1 + wordSize - 1) &^ (wordSize - 1) // skip null octets to the boundary
				break
			}
			if len(body)-off < sdesItemHeader {
				return fmt.Errorf("%w: SDES chunk %d: item header truncated", ErrMalformed, i+1)
			}
			l := int(body[off+1])
			off += sdesItemHeader
			if len(body)-off < l {
				return fmt.Errorf("%w: SDES chunk %d: item type %d of %d bytes runs past the packet", ErrMalformed, i+1, typ, l)
			}
			c.Items = append(c.Items, SDESItem{Type: typ, Text: string(body[off : off+l])})
			off += l
		}
		p.Chunks = append(p.Chunks, c)
	}
	return nil
}
