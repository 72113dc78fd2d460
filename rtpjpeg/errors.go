package rtpjpeg

import "errors"

// Sentinel errors; returned errors wrap them with context.
var (
	// ErrMTUTooSmall means the MTU cannot hold the headers of the first
	// packet plus one byte of data.
	ErrMTUTooSmall = errors.New("rtpjpeg: MTU too small")
	// ErrFrameTooLarge means a frame exceeds the 24-bit fragment offset
	// (packetizer) or the depacketizer's MaxFrameBytes.
	ErrFrameTooLarge = errors.New("rtpjpeg: frame too large")
	// ErrBadFrame means a Frame's fields cannot be encoded (size not in
	// 8..2040, unsupported type, Q, or table length).
	ErrBadFrame = errors.New("rtpjpeg: invalid frame parameters")
	// ErrMalformedPacket means a payload is too short for its RFC 2435
	// headers or a header field is invalid (§3.1).
	ErrMalformedPacket = errors.New("rtpjpeg: malformed payload")
	// ErrUnsupportedType means the payload's type is not 0, 1, 64 or 65
	// (RFC 2435 §3.1.3, §4.1: the others are unassigned or dynamic).
	ErrUnsupportedType = errors.New("rtpjpeg: unsupported JPEG type")
	// ErrUnsupportedQ means Q is 0 or in the reserved range 100..127 (§4.2).
	ErrUnsupportedQ = errors.New("rtpjpeg: unsupported Q")
	// ErrNoTables means Q >= 128 with a table length of 0 (§3.1.8: reuse
	// tables sent earlier) but no tables were received for that Q.
	ErrNoTables = errors.New("rtpjpeg: no quantization tables received for Q")
	// ErrIncompleteFrame means a frame was dropped because a fragment was
	// missing when a packet with a newer timestamp arrived.
	ErrIncompleteFrame = errors.New("rtpjpeg: incomplete frame dropped")
	// ErrOverlap means two fragments of a frame overlap without being
	// exact duplicates.
	ErrOverlap = errors.New("rtpjpeg: overlapping fragments")
	// ErrInconsistent means fragments of one frame disagree on the main,
	// restart or quantization header, or on where the frame ends.
	ErrInconsistent = errors.New("rtpjpeg: inconsistent fragment headers")
)
