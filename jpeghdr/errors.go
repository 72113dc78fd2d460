package jpeghdr

import "errors"

// Sentinel errors. Errors returned by [Parse] and [FrameLength] wrap one of
// these (or io.ErrUnexpectedEOF when the input ends before the EOI marker)
// together with the offset and name of the offending segment.
var (
	// ErrNotJPEG means the input does not start with an SOI marker (FF D8).
	ErrNotJPEG = errors.New("jpeghdr: not a JPEG (no SOI marker)")
	// ErrMalformed means a marker segment violates ISO 10918-1 Annex B
	// (bad length, bad table class, missing SOF before SOS, ...).
	ErrMalformed = errors.New("jpeghdr: malformed JPEG")
	// ErrNotCarriable means RFC 2435 cannot carry the image unchanged; the
	// error returned by [Info.RFC2435] is a [*NotCarriableError] naming the
	// reason.
	ErrNotCarriable = errors.New("jpeghdr: not carriable by RFC 2435")
)

// NotCarriableError is returned by [Info.RFC2435] when RFC 2435 cannot carry
// the image as is. Reason is a short fixed phrase such as "4:4:4 chroma",
// "progressive", "grayscale", "optimized Huffman tables", "12-bit" or
// "too large", suitable for logs and for deciding to transcode.
type NotCarriableError struct {
	Reason string
}

// Error implements error.
func (e *NotCarriableError) Error() string { return ErrNotCarriable.Error() + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrNotCarriable) true.
func (e *NotCarriableError) Unwrap() error { return ErrNotCarriable }
