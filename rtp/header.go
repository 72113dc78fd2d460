package rtp

import (
	"encoding/binary"
	"fmt"
)

// RTP fixed header, RFC 3550 §5.1:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|V=2|P|X|  CC   |M|     PT      |       sequence number         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           timestamp                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           synchronization source (SSRC) identifier            |
//	+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	|            contributing source (CSRC) identifiers             |
//	|                             ....                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Header extension, RFC 3550 §5.3.1 (present when X=1, after the CSRCs):
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      defined by profile       |           length              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        header extension                       |
//	|                             ....                              |
const (
	// HeaderSize is the size of the fixed RTP header (no CSRC, no extension).
	HeaderSize = 12

	// Version is the RTP version defined by RFC 3550, carried in the V field.
	Version = 2

	// MaxCSRC is the largest number of CSRC identifiers the 4-bit CC field
	// can count.
	MaxCSRC = 15

	versionShift   = 6
	paddingBit     = 1 << 5
	extensionBit   = 1 << 4
	ccMask         = 0x0f
	markerBit      = 1 << 7
	ptMask         = 0x7f
	seqOffset      = 2
	tsOffset       = 4
	ssrcOffset     = 8
	csrcSize       = 4
	extHeaderSize  = 4
	maxExtPayload  = 0xffff * 4
	extLenOffset   = 2
	extWordSize    = 4
	versionMaskLow = 0x03
)

// Header is an RTP packet header, RFC 3550 §5.1 and §5.3.1. Field names follow
// pion/rtp so code can move between the two.
type Header struct {
	// Version is the V field. It must be 2 on the wire; when marshalling, 0
	// is taken to mean 2 so that a zero Header is usable.
	Version uint8
	// Padding is the P bit: the packet ends with padding octets whose count
	// is in its last octet (see Packet.PaddingSize).
	Padding bool
	// Extension is the X bit: a header extension (ExtensionProfile,
	// ExtensionPayload) follows the CSRC list.
	Extension bool
	// Marker is the M bit. For RFC 2435 JPEG it marks the last packet of a
	// frame.
	Marker bool
	// PayloadType is the 7-bit PT field (26 for JPEG, RFC 3551).
	PayloadType uint8
	// SequenceNumber increments by one per packet and wraps at 65536; use
	// SeqDiff to compare.
	SequenceNumber uint16
	// Timestamp is the sampling instant of the first payload octet in
	// clock-rate units (90 kHz for video).
	Timestamp uint32
	// SSRC identifies the synchronization source.
	SSRC uint32
	// CSRC lists up to 15 contributing sources (mixers only).
	CSRC []uint32
	// ExtensionProfile is the 16-bit "defined by profile" field of the header
	// extension (0xBEDE for RFC 8285 one-byte extensions); zero when
	// Extension is false.
	ExtensionProfile uint16
	// ExtensionPayload is the header extension body (a whole number of
	// 32-bit words, not including the 4-byte extension header). After
	// Unmarshal it aliases the input buffer.
	ExtensionPayload []byte
}

// MarshalSize returns the number of bytes MarshalTo writes: 12, plus 4 per
// CSRC, plus 4 + len(ExtensionPayload) when Extension is set.
func (h *Header) MarshalSize() int {
	n := HeaderSize + len(h.CSRC)*csrcSize
	if h.Extension {
		n += extHeaderSize + len(h.ExtensionPayload)
	}
	return n
}

// MarshalTo writes the header into buf and returns the number of bytes
// written. It never allocates (except for the error value on failure). The
// P bit is written from h.Padding; Packet.MarshalTo sets it from PaddingSize.
func (h *Header) MarshalTo(buf []byte) (int, error) {
	return h.marshalTo(buf, h.Padding)
}

func (h *Header) marshalTo(buf []byte, padding bool) (int, error) {
	v := h.Version
	if v == 0 {
		v = Version
	}
	if v != Version {
		return 0, fmt.Errorf("%w: marshalling version %d", ErrBadVersion, h.Version)
	}
	if h.PayloadType > ptMask {
		return 0, fmt.Errorf("%w: %d", ErrBadPayloadType, h.PayloadType)
	}
	if len(h.CSRC) > MaxCSRC {
		return 0, fmt.Errorf("%w: %d", ErrTooManyCSRC, len(h.CSRC))
	}
	if h.Extension {
		if l := len(h.ExtensionPayload); l%extWordSize != 0 || l > maxExtPayload {
			return 0, fmt.Errorf("%w: payload of %d bytes (want a multiple of 4, at most %d)", ErrBadExtension, l, maxExtPayload)
		}
	}
	size := h.MarshalSize()
	if len(buf) < size {
		return 0, fmt.Errorf("%w: header needs %d bytes, have %d", ErrShortBuffer, size, len(buf))
	}

	b0 := v<<versionShift | uint8(len(h.CSRC))
	if padding {
		b0 |= paddingBit
	}
	if h.Extension {
		b0 |= extensionBit
	}
	b1 := h.PayloadType
	if h.Marker {
		b1 |= markerBit
	}
	buf[0] = b0
	buf[1] = b1
	binary.BigEndian.PutUint16(buf[seqOffset:], h.SequenceNumber)
	binary.BigEndian.PutUint32(buf[tsOffset:], h.Timestamp)
	binary.BigEndian.PutUint32(buf[ssrcOffset:], h.SSRC)
	n := HeaderSize
	for _, c := range h.CSRC {
		binary.BigEndian.PutUint32(buf[n:], c)
		n += csrcSize
	}
	if h.Extension {
		binary.BigEndian.PutUint16(buf[n:], h.ExtensionProfile)
		binary.BigEndian.PutUint16(buf[n+extLenOffset:], uint16(len(h.ExtensionPayload)/extWordSize))
		n += extHeaderSize
		n += copy(buf[n:], h.ExtensionPayload)
	}
	return n, nil
}

// Unmarshal parses the header at the start of buf (fixed header, CSRC list and
// header extension) and returns its length, i.e. the offset of the payload.
// It reuses the capacity of h.CSRC, so decoding into the same Header
// allocates nothing; ExtensionPayload aliases buf. Padding is not checked here
// (it lives at the end of the packet): see Packet.Unmarshal.
func (h *Header) Unmarshal(buf []byte) (int, error) {
	if len(buf) < HeaderSize {
		return 0, fmt.Errorf("%w: header needs %d bytes, have %d", ErrShortBuffer, HeaderSize, len(buf))
	}
	b0, b1 := buf[0], buf[1]
	v := b0 >> versionShift & versionMaskLow
	if v != Version {
		return 0, fmt.Errorf("%w: got %d", ErrBadVersion, v)
	}
	cc := int(b0 & ccMask)
	n := HeaderSize + cc*csrcSize
	if len(buf) < n {
		return 0, fmt.Errorf("%w: header with %d CSRC needs %d bytes, have %d", ErrShortBuffer, cc, n, len(buf))
	}
	h.Version = v
	h.Padding = b0&paddingBit != 0
	h.Extension = b0&extensionBit != 0
	h.Marker = b1&markerBit != 0
	h.PayloadType = b1 & ptMask
	h.SequenceNumber = binary.BigEndian.Uint16(buf[seqOffset:])
	h.Timestamp = binary.BigEndian.Uint32(buf[tsOffset:])
	h.SSRC = binary.BigEndian.Uint32(buf[ssrcOffset:])
	if cap(h.CSRC) < cc {
		h.CSRC = make([]uint32, cc)
	} else {
		h.CSRC = h.CSRC[:cc]
	}
	for i := range h.CSRC {
		h.CSRC[i] = binary.BigEndian.Uint32(buf[HeaderSize+i*csrcSize:])
	}
	h.ExtensionProfile = 0
	h.ExtensionPayload = nil
	if h.Extension {
		if len(buf) < n+extHeaderSize {
			return 0, fmt.Errorf("%w: extension header needs %d bytes, have %d", ErrShortBuffer, n+extHeaderSize, len(buf))
		}
		h.ExtensionProfile = binary.BigEndian.Uint16(buf[n:])
		l := int(binary.BigEndian.Uint16(buf[n+extLenOffset:])) * extWordSize
		n += extHeaderSize
		if len(buf) < n+l {
			return 0, fmt.Errorf("%w: extension of %d bytes needs %d bytes, have %d", ErrShortBuffer, l, n+l, len(buf))
		}
		h.ExtensionPayload = buf[n : n+l : n+l]
		n += l
	}
	return n, nil
}

// PutHeader writes a 12-byte RTP header with V=2, no padding, no CSRC and no
// extension into buf[:HeaderSize]. It is the server's per-packet hot path:
// no checks beyond Go's bounds check, no allocation. buf must hold at least
// HeaderSize bytes (it panics otherwise, like binary.BigEndian.PutUint32);
// pt is masked to 7 bits.
func PutHeader(buf []byte, marker bool, pt uint8, seq uint16, ts, ssrc uint32) {
	_ = buf[HeaderSize-1]
	b1 := pt & ptMask
	if marker {
		b1 |= markerBit
	}
	buf[0] = Version << versionShift
	buf[1] = b1
	binary.BigEndian.PutUint16(buf[seqOffset:], seq)
	binary.BigEndian.PutUint32(buf[tsOffset:], ts)
	binary.BigEndian.PutUint32(buf[ssrcOffset:], ssrc)
}
