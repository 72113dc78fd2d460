package rtp

import "errors"

// Sentinel errors returned (wrapped with sizes and context) by the encoders
// and decoders of this package. Test with errors.Is.
var (
	// ErrShortBuffer means a buffer is too small: the input of an Unmarshal
	// ends before the header, CSRC list or extension it announces, or the
	// destination of a MarshalTo cannot hold MarshalSize bytes.
	ErrShortBuffer = errors.New("rtp: buffer too short")

	// ErrBadVersion means the version field is not 2, the only version
	// defined by RFC 3550 §5.1 (packets of other versions must be discarded,
	// RFC 3550 Appendix A.1).
	ErrBadVersion = errors.New("rtp: version is not 2")

	// ErrBadPadding means the padding is inconsistent (RFC 3550 §5.1, P bit):
	// a zero padding count, a count larger than the payload, or, when
	// marshalling, Padding set with a PaddingSize of zero.
	ErrBadPadding = errors.New("rtp: bad padding")

	// ErrBadExtension means a header extension (RFC 3550 §5.3.1) cannot be
	// encoded: its payload is not a whole number of 32-bit words or is longer
	// than the 16-bit length field allows.
	ErrBadExtension = errors.New("rtp: bad header extension")

	// ErrTooManyCSRC means more than 15 contributing sources, the most the
	// 4-bit CC field can count (RFC 3550 §5.1).
	ErrTooManyCSRC = errors.New("rtp: more than 15 CSRC identifiers")

	// ErrBadPayloadType means a payload type above 127, which does not fit
	// the 7-bit PT field (RFC 3550 §5.1).
	ErrBadPayloadType = errors.New("rtp: payload type above 127")
)
