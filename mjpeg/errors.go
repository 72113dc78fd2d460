package mjpeg

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors from [Reader.Next] and [Load] wrap one of these,
// usually inside a [*FrameError] that says which frame and where.
var (
	// ErrUnknownFormat means the content is neither lab format nor raw JPEG;
	// the wrapping error names what the first bytes look like.
	ErrUnknownFormat = errors.New("unknown frame file format")
	// ErrTruncated means the input ended inside a frame.
	ErrTruncated = errors.New("truncated")
	// ErrBadLength means a lab frame's 5-digit length header is not five
	// decimal digits or is zero.
	ErrBadLength = errors.New("bad lab length header")
	// ErrNotJPEG means a frame does not start with the SOI marker FF D8
	// (ISO 10918-1 B.2.1), typically garbage between frames.
	ErrNotJPEG = errors.New("not a JPEG")
	// ErrFrameTooLarge means a frame exceeds the reader's MaxFrameBytes, or
	// a frame written in lab format exceeds its 99999-byte limit.
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrNoFrames means a file or directory holds no frame at all.
	ErrNoFrames = errors.New("no frames")
	// ErrSize means a frame or pattern size cannot be served: zero, mixed
	// sizes within one video, or larger than RFC 2435's 2040x2040 (§3.1.5,
	// §3.1.6: width and height are carried in units of 8 pixels in one byte).
	ErrSize = errors.New("unsupported frame size")
)

// FrameError reports a problem with one frame of a file: its number
// (counting from 1, like the lab's RTP sequence numbers), the byte offset of
// the frame's start in the file (for lab, the offset of its length header),
// and for directories the file the frame came from.
type FrameError struct {
	Frame  int    // 1-based frame number
	Offset int64  // byte offset of the frame in the file; -1 when not meaningful
	File   string // file name within a directory source, else ""
	Err    error  // what went wrong; wraps one of the sentinel errors
}

// Error formats as "frame 12 at offset 123456: truncated: want 5000 bytes,
// have 300" or, for a directory, "frame 3 (00003.jpg): ...".
func (e *FrameError) Error() string {
	switch {
	case e.File != "":
		return fmt.Sprintf("frame %d (%s): %v", e.Frame, e.File, e.Err)
	case e.Offset >= 0:
		return fmt.Sprintf("frame %d at offset %d: %v", e.Frame, e.Offset, e.Err)
	default:
		return fmt.Sprintf("frame %d: %v", e.Frame, e.Err)
	}
}

// Unwrap returns the underlying error so errors.Is sees the sentinels.
func (e *FrameError) Unwrap() error { return e.Err }
