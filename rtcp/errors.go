package rtcp

import "errors"

// Sentinel errors returned (wrapped with sizes and context) by this package.
// Test with errors.Is.
var (
	// ErrShortBuffer means the destination of a MarshalTo is smaller than
	// MarshalSize.
	ErrShortBuffer = errors.New("rtcp: buffer too short")

	// ErrTruncated means the input ends before the 4-byte common header or
	// before the length that header announces (RFC 3550 §6.4.1, length).
	ErrTruncated = errors.New("rtcp: packet truncated")

	// ErrBadVersion means a version field other than 2 (RFC 3550 §6.4.1,
	// Appendix A.2).
	ErrBadVersion = errors.New("rtcp: version is not 2")

	// ErrBadLength means a packet's length does not fit its contents, for
	// example a receiver report too short for its report count, or a Raw body
	// that is not a whole number of 32-bit words.
	ErrBadLength = errors.New("rtcp: bad length")

	// ErrBadPadding means the P bit is set with a padding count that is zero,
	// not a multiple of four, or larger than the packet body (RFC 3550
	// §6.4.1, padding).
	ErrBadPadding = errors.New("rtcp: bad padding")

	// ErrTooMany means more than 31 reports, chunks or sources: the count
	// field has 5 bits (RFC 3550 §6.4.1). Split them over several packets.
	ErrTooMany = errors.New("rtcp: more than 31 items for a 5-bit count")

	// ErrTextTooLong means an SDES item or BYE reason longer than 255 bytes,
	// the most its 8-bit length can say (RFC 3550 §6.5, §6.6).
	ErrTextTooLong = errors.New("rtcp: text longer than 255 bytes")

	// ErrMalformed means the structure inside an SDES or BYE packet is
	// inconsistent: an item running past the end, a missing end-of-list null
	// octet, a reason longer than the packet, or an SDES item of type END.
	ErrMalformed = errors.New("rtcp: malformed packet")

	// ErrWrongType means a packet's type field is not the one the typed
	// Unmarshal method decodes.
	ErrWrongType = errors.New("rtcp: wrong packet type")
)
