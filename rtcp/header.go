package rtcp

import (
	"encoding/binary"
	"fmt"
)

// Packet types (RFC 3550 §12.1, RFC 3611, RFC 4585).
const (
	TypeSenderReport      = 200 // SR, RFC 3550 §6.4.1
	TypeReceiverReport    = 201 // RR, RFC 3550 §6.4.2
	TypeSourceDescription = 202 // SDES, RFC 3550 §6.5
	TypeGoodbye           = 203 // BYE, RFC 3550 §6.6
	TypeApplication       = 204 // APP, RFC 3550 §6.7 (kept as Raw)
	TypeTransportFeedback = 205 // RTPFB, RFC 4585 (kept as Raw)
	TypePayloadFeedback   = 206 // PSFB, RFC 4585 (kept as Raw)
	TypeExtendedReport    = 207 // XR, RFC 3611 (kept as Raw)
)

// Common header of every RTCP packet, RFC 3550 §6.4.1:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|V=2|P|    RC   |      PT       |             length            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// length is the packet size in 32-bit words minus one, header and padding
// included.
const (
	headerSize   = 4
	version      = 2
	versionShift = 6
	paddingBit   = 1 << 5
	countMask    = 0x1f
	// MaxCount is the largest report, chunk or source count the 5-bit count
	// field holds.
	MaxCount = 31
	wordSize = 4
	// maxPacketSize is the largest size the 16-bit length field can express.
	maxPacketSize = (0xffff + 1) * wordSize
)

// header is a decoded common header.
type header struct {
	padding bool
	count   uint8
	typ     uint8
	size    int // whole packet in bytes, from the length field
}

// parseHeader decodes and checks the common header at the start of b.
func parseHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, fmt.Errorf("%w: common header needs %d bytes, have %d", ErrTruncated, headerSize, len(b))
	}
	if v := b[0] >> versionShift; v != version {
		return header{}, fmt.Errorf("%w: got %d", ErrBadVersion, v)
	}
	h := header{
		padding: b[0]&paddingBit != 0,
		count:   b[0] & countMask,
		typ:     b[1],
		size:    (int(binary.BigEndian.Uint16(b[2:])) + 1) * wordSize,
	}
	if h.size > len(b) {
		return header{}, fmt.Errorf("%w: type %d declares %d bytes, have %d", ErrTruncated, h.typ, h.size, len(b))
	}
	return h, nil
}

// body returns the packet body (after the common header, without padding)
// of the packet described by h at the start of b.
func (h header) body(b []byte) ([]byte, error) {
	body := b[headerSize:h.size]
	if h.padding {
		if len(body) == 0 {
			return nil, fmt.Errorf("%w: P bit set on an empty packet", ErrBadPadding)
		}
		pad := int(body[len(body)-1])
		// RFC 3550 §6.4.1: the count includes itself and is a multiple of four.
		if pad == 0 || pad%wordSize != 0 || pad > len(body) {
			return nil, fmt.Errorf("%w: padding count %d with a %d-byte body", ErrBadPadding, pad, len(body))
		}
		body = body[:len(body)-pad]
	}
	return body, nil
}

// putHeader writes a common header (no padding) for a packet of size bytes,
// a multiple of 4.
func putHeader(b []byte, count, typ uint8, size int) {
	b[0] = version<<versionShift | count&countMask
	b[1] = typ
	binary.BigEndian.PutUint16(b[2:], uint16(size/wordSize-1))
}

// checkMarshal checks what every MarshalTo checks: count and size limits and
// the destination size.
func checkMarshal(what string, count, size, have int) error {
	if count > MaxCount {
		return fmt.Errorf("%w: %s with %d entries", ErrTooMany, what, count)
	}
	if size > maxPacketSize {
		return fmt.Errorf("%w: %s of %d bytes exceeds the 16-bit length field", ErrBadLength, what, size)
	}
	if have < size {
		return fmt.Errorf("%w: %s needs %d bytes, have %d", ErrShortBuffer, what, size, have)
	}
	return nil
}

// unmarshalOne decodes the single packet in b (header included) into a
// typed packet's body decoder after checking the type.
func unmarshalOne(b []byte, typ uint8, decode func(count uint8, body []byte) error) error {
	h, err := parseHeader(b)
	if err != nil {
		return err
	}
	if h.typ != typ {
		return fmt.Errorf("%w: got %d, want %d", ErrWrongType, h.typ, typ)
	}
	if h.size != len(b) {
		return fmt.Errorf("%w: packet is %d bytes but %d were given", ErrBadLength, h.size, len(b))
	}
	body, err := h.body(b)
	if err != nil {
		return err
	}
	return decode(h.count, body)
}
