package mjpeg

import (
	"fmt"
	"io"
)

// Writer writes frames to a frame file in the lab or raw format. It does not
// buffer: wrap w in a bufio.Writer for many small frames and flush it.
type Writer struct {
	w      io.Writer
	format Format
	n      int   // frames written
	off    int64 // bytes written
}

// NewWriter returns a Writer producing format f (FormatLab or FormatRaw;
// any other value writes raw).
func NewWriter(w io.Writer, f Format) *Writer {
	if f != FormatLab {
		f = FormatRaw
	}
	return &Writer{w: w, format: f}
}

// Format reports the format being written.
func (w *Writer) Format() Format { return w.format }

// Frames reports how many frames were written.
func (w *Writer) Frames() int { return w.n }

// Written reports how many bytes were written.
func (w *Writer) Written() int64 { return w.off }

// WriteFrame appends one JPEG frame. The frame must start with SOI (FF D8);
// in lab format it must be at most [LabMaxFrame] (99999) bytes, since the
// length header has five digits. Such refusals wrap [ErrNotJPEG] or
// [ErrFrameTooLarge] in a [*FrameError] and write nothing.
func (w *Writer) WriteFrame(jpeg []byte) error {
	fe := func(err error) error { return &FrameError{Frame: w.n + 1, Offset: w.off, Err: err} }
	if len(jpeg) < 2 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
		return fe(fmt.Errorf("%w: does not start with SOI (FF D8)", ErrNotJPEG))
	}
	if w.format == FormatLab {
		if len(jpeg) > LabMaxFrame {
			return fe(fmt.Errorf("%w: %d bytes, the lab format holds at most %d (5-digit length); lower the quality or the size", ErrFrameTooLarge, len(jpeg), LabMaxFrame))
		}
		var hdr [labHeaderLen]byte
		n := len(jpeg)
		for i := labHeaderLen - 1; i >= 0; i-- {
			hdr[i] = byte('0' + n%10)
			n /= 10
		}
		k, err := w.w.Write(hdr[:])
		w.off += int64(k)
		if err != nil {
			return err
		}
	}
	k, err := w.w.Write(jpeg)
	w.off += int64(k)
	if err != nil {
		return err
	}
	w.n++
	return nil
}
