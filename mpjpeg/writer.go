package mpjpeg

import (
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"
)

// DefaultBoundary is the boundary NewWriter uses when given "".
const DefaultBoundary = "rtpstream-mjpeg"

// Writer writes JPEG frames as a multipart/x-mixed-replace body, the format
// browsers play in an <img> element. Each part carries Content-Type,
// Content-Length and X-Timestamp (seconds.microseconds, the mjpg-streamer
// convention). The delimiter line is written right after each frame's data,
// not before the next frame, because browsers show a part only once its
// closing delimiter has arrived: this way a frame shows without waiting one
// frame period. WriteFrame allocates nothing. A Writer is not safe for
// concurrent use; one goroutine owns it.
type Writer struct {
	w           io.Writer
	boundary    string
	contentType string
	tail        []byte // "\r\n--boundary\r\n": ends a part and opens the next
	// vec and bufs are WriteFrame's gathered write (fields, so that
	// net.Buffers.WriteTo, which consumes bufs, does not allocate).
	vec     [3][]byte
	bufs    net.Buffers
	head    []byte // scratch for a part's headers, reused
	started bool   // the opening delimiter has been written
	err     error  // invalid boundary
	// advance is set by SetAdvanceHeaders; advTail is then what follows
	// each frame: the delimiter and the next part's header block.
	advance bool
	advTail []byte
}

// SetAdvanceHeaders makes the Writer send each part's header block ahead,
// right after the previous part's data ("advance headers", as µStreamer
// calls them): Chromium shows a part only once the next part's headers are
// complete, so without them a browser always shows the frame before the
// newest one. The price: a header block written before its frame exists
// cannot say the frame's length or time, so parts carry Content-Type only
// and readers find a part's end by the delimiter that follows it at once.
// Call it before the first WriteFrame.
func (w *Writer) SetAdvanceHeaders() {
	w.advance = true
	w.advTail = []byte("\r\n--" + w.boundary + "\r\nContent-Type: image/jpeg\r\n\r\n")
}

// NewWriter returns a Writer of w using boundary ("" means
// DefaultBoundary). A boundary RFC 2046 §5.1.1 forbids makes every
// WriteFrame fail with ErrBadBoundary. When w is an http.Flusher (an
// http.ResponseWriter), each frame is flushed to the client.
func NewWriter(w io.Writer, boundary string) *Writer {
	if boundary == "" {
		boundary = DefaultBoundary
	}
	wr := &Writer{
		w:           w,
		boundary:    boundary,
		contentType: mime.FormatMediaType("multipart/x-mixed-replace", map[string]string{"boundary": boundary}),
		tail:        []byte("\r\n--" + boundary + "\r\n"),
		head:        make([]byte, 0, 128+len(boundary)),
	}
	if !validBoundary(boundary) || wr.contentType == "" {
		wr.err = fmt.Errorf("%w: %q", ErrBadBoundary, boundary)
	}
	return wr
}

// validBoundary applies RFC 2046 §5.1.1: 1 to 70 bchars, last not a space.
func validBoundary(b string) bool {
	if len(b) == 0 || len(b) > 70 || b[len(b)-1] == ' ' {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alnum && !containsByte("'()+_,-./:=? ", c) {
			return false
		}
	}
	return true
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// writeAdvanced writes a frame whose header block went out after the last
// one (the first frame's just before it).
func (w *Writer) writeAdvanced(jpeg []byte) error {
	var h []byte
	if !w.started {
		h = w.advTail[2:] // the opening delimiter has no CRLF before it
	}
	return w.writePart(h, jpeg, w.advTail)
}

// writePart writes a part's head, data and tail in one gathered write
// (writev on a network connection: a part costs one system call, not
// three) and flushes it when the writer can flush.
func (w *Writer) writePart(head, jpeg, tail []byte) error {
	w.vec = [3][]byte{head, jpeg, tail}
	w.bufs = w.vec[:]
	_, err := w.bufs.WriteTo(w.w)
	w.vec = [3][]byte{}
	if err != nil {
		return fmt.Errorf("mpjpeg: writing frame: %w", err)
	}
	w.started = true
	if f, ok := w.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// ContentType returns the HTTP Content-Type for the body,
// "multipart/x-mixed-replace; boundary=..." (quoted when needed).
func (w *Writer) ContentType() string { return w.contentType }

// Boundary returns the boundary in use.
func (w *Writer) Boundary() string { return w.boundary }

// WriteFrame writes one part holding jpeg, stamped with ts (omitted when
// zero), and flushes it when the underlying writer can flush. It does not
// check that jpeg is a JPEG.
func (w *Writer) WriteFrame(jpeg []byte, ts time.Time) error {
	if w.err != nil {
		return w.err
	}
	if w.advance {
		return w.writeAdvanced(jpeg)
	}
	h := w.head[:0]
	if !w.started {
		h = append(h, w.tail[2:]...) // the opening delimiter has no CRLF before it
	}
	h = append(h, "Content-Type: image/jpeg\r\nContent-Length: "...)
	h = strconv.AppendInt(h, int64(len(jpeg)), 10)
	h = append(h, "\r\n"...)
	if !ts.IsZero() {
		us := ts.UnixMicro()
		h = append(h, "X-Timestamp: "...)
		h = strconv.AppendInt(h, us/1e6, 10)
		h = append(h, '.')
		frac := us % 1e6
		if frac < 0 {
			frac = -frac
		}
		for d := int64(1e5); d > 0; d /= 10 {
			h = append(h, byte('0'+frac/d%10))
		}
		h = append(h, "\r\n"...)
	}
	h = append(h, "\r\n"...)
	w.head = h
	return w.writePart(h, jpeg, w.tail)
}
