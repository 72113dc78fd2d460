package mpjpeg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Default limits of Options.
const (
	// DefaultMaxPartBytes is the default Options.MaxPartBytes: 8 MiB holds a
	// high-quality 4K JPEG with room to spare.
	DefaultMaxPartBytes = 8 << 20
	// DefaultMaxHeaderBytes is the default Options.MaxHeaderBytes.
	DefaultMaxHeaderBytes = 16 << 10
	// readBufferSize is the bufio buffer: it bounds a single header line and
	// is the unit in which bodies are scanned for the next delimiter.
	readBufferSize = 64 << 10
	// firstAlloc bounds the first allocation for a part whose Content-Length
	// is large: the buffer then grows as bytes really arrive, so a lying
	// claim costs at most what the peer actually sends.
	firstAlloc = 1 << 20
)

// Options bound what a stream may send. The zero value takes the defaults.
type Options struct {
	// MaxPartBytes is the largest part body accepted (JPEG or not), and the
	// largest Content-Length claim believed; default DefaultMaxPartBytes.
	// A larger part ends the stream with ErrPartTooLarge rather than being
	// truncated.
	MaxPartBytes int
	// MaxHeaderBytes bounds one part's header block, the preamble before the
	// first delimiter, and the blank padding between parts; default
	// DefaultMaxHeaderBytes. A single line is also bounded by the 64 KiB
	// read buffer.
	MaxHeaderBytes int
}

func (o Options) withDefaults() Options {
	if o.MaxPartBytes <= 0 {
		o.MaxPartBytes = DefaultMaxPartBytes
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return o
}

// Reader splits a multipart/x-mixed-replace body into JPEG frames. It is not
// safe for concurrent use: one goroutine owns it and all its fields.
type Reader struct {
	br       *bufio.Reader
	opt      Options
	declared string // boundary parameter of the Content-Type, may be ""
	delim    []byte // delimiter line as the body spells it ("--b"); nil until found
	nlDelim  []byte // "\n" + delim: what ends a part without Content-Length

	firstHeader []byte // a header line met before any delimiter (body starts with headers)
	resync      bool   // junk seen where a delimiter belonged: skip to the next one
	parts       uint64 // parts started, for error context
	skipped     uint64
	lastSize    int   // size of the last frame, a hint for the next allocation
	err         error // sticky: once set, Next returns it
}

// errSkip tells Next that the part was consumed and skipped.
var errSkip = errors.New("mpjpeg: part skipped")

// NewReader returns a Reader of body, a multipart/x-mixed-replace stream
// whose HTTP Content-Type was contentType (its boundary parameter is used
// when present; otherwise, or when it disagrees with the body, the boundary
// is the body's first line starting with "--").
func NewReader(body io.Reader, contentType string, opt Options) *Reader {
	return &Reader{
		br:       bufio.NewReaderSize(body, readBufferSize),
		opt:      opt.withDefaults(),
		declared: declaredBoundary(contentType),
	}
}

// Boundary returns the delimiter line in use ("--" + boundary), or "" before
// the first part was found. Useful in logs when a camera's header lies.
func (r *Reader) Boundary() string { return string(r.delim) }

// Skipped returns how many parts (or runs of junk between parts) were
// skipped because they were not a complete JPEG: other content types, empty
// or broken parts, a truncated JPEG followed by the next delimiter.
func (r *Reader) Skipped() uint64 { return r.skipped }

// Next returns the next complete JPEG (SOI..EOI), freshly allocated; the
// caller keeps it. A part with a Content-Length is returned as soon as its
// last byte arrived; one without is complete only when the next delimiter
// line arrives (or the body ends). At the multipart close delimiter or a clean end of the
// body between parts it returns io.EOF. Other errors wrap ErrNoBoundary,
// ErrPartTooLarge, ErrHeaderTooLarge, ErrTruncated or the body's read error.
// Errors are sticky: later calls return the same error.
func (r *Reader) Next() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	for {
		frame, err := r.part()
		switch {
		case err == nil:
			r.lastSize = len(frame)
			return frame, nil
		case errors.Is(err, errSkip):
			r.skipped++
		default:
			r.err = err
			return nil, err
		}
	}
}

// part reads one part: delimiter line, headers, body.
func (r *Reader) part() ([]byte, error) {
	if r.delim == nil {
		if err := r.findBoundary(); err != nil {
			return nil, err
		}
	} else {
		if r.resync {
			r.resync = false
			if _, err := r.scan(nil, false); err != nil {
				return nil, r.endBetweenParts(err)
			}
		}
		if err := r.readDelimiter(); err != nil {
			return nil, err
		}
	}
	r.parts++
	length, err := r.readHeaders()
	if err != nil {
		return nil, err
	}
	return r.readBody(length)
}

// endBetweenParts maps the end of the body where a part could have begun to
// io.EOF and wraps anything else.
func (r *Reader) endBetweenParts(err error) error {
	if err == io.EOF {
		return io.EOF
	}
	return fmt.Errorf("mpjpeg: after part %d: %w", r.parts, err)
}

// findBoundary reads the preamble up to the first delimiter line and fixes
// the delimiter (RFC 2046 §5.1.1 lets a preamble precede it).
func (r *Reader) findBoundary() error {
	total := 0
	for {
		line, err := r.br.ReadSlice('\n')
		total += len(line)
		if errors.Is(err, bufio.ErrBufferFull) || total > r.opt.MaxHeaderBytes {
			return fmt.Errorf("%w in the first %d bytes (declared %q)", ErrNoBoundary, total, r.declared)
		}
		if t := trimLine(line); len(t) > 0 {
			if d := matchDeclared(t, r.declared); d != nil {
				r.setDelim(d)
				return nil
			}
			if len(t) > 2 && t[0] == '-' && t[1] == '-' {
				// The header's boundary is missing or wrong: trust the body.
				r.setDelim(bytes.TrimSuffix(t, []byte("--")))
				return nil
			}
			if r.declared != "" && isPartHeader(t) {
				r.setDelim(delimiterFor(r.declared))
				r.firstHeader = bytes.Clone(t)
				return nil
			}
		}
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("%w: body ended after %d bytes (declared %q)", ErrNoBoundary, total, r.declared)
			}
			return fmt.Errorf("mpjpeg: reading preamble: %w", err)
		}
	}
}

func (r *Reader) setDelim(d []byte) {
	r.delim = bytes.Clone(d)
	r.nlDelim = append([]byte{'\n'}, d...)
}

// isPartHeader reports a Content-Type or Content-Length header line.
func isPartHeader(t []byte) bool {
	name, _, ok := bytes.Cut(t, []byte(":"))
	if !ok {
		return false
	}
	name = bytes.TrimSpace(name)
	return bytes.EqualFold(name, []byte("Content-Type")) || bytes.EqualFold(name, []byte("Content-Length"))
}

// readDelimiter consumes blank padding and the delimiter line that starts
// the next part. It returns io.EOF at the close delimiter or at the end of
// the body, and errSkip (with resync set) when something else is there.
func (r *Reader) readDelimiter() error {
	if err := r.skipSpace(); err != nil {
		return r.endBetweenParts(err)
	}
	line, err := r.br.ReadSlice('\n')
	t := trimLine(line)
	if !bytes.HasPrefix(t, r.delim) {
		if err == io.EOF {
			return io.EOF // junk after the last part
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return r.endBetweenParts(err)
		}
		r.resync = true
		return errSkip
	}
	if bytes.HasPrefix(t[len(r.delim):], []byte("--")) {
		return io.EOF // close delimiter
	}
	if err != nil && err != io.EOF {
		return r.endBetweenParts(err)
	}
	return nil
}

// skipSpace discards blank padding (at most MaxHeaderBytes of it).
func (r *Reader) skipSpace() error {
	for total := 0; total <= r.opt.MaxHeaderBytes; {
		if _, err := r.br.Peek(1); err != nil {
			return err
		}
		p, _ := r.br.Peek(r.br.Buffered())
		i := 0
		for i < len(p) && isSpace(p[i]) {
			i++
		}
		_, _ = r.br.Discard(i) // buffered: cannot fail
		total += i
		if i < len(p) {
			return nil
		}
	}
	return fmt.Errorf("%w: more than %d bytes of blank padding", ErrHeaderTooLarge, r.opt.MaxHeaderBytes)
}

// readHeaders reads a part's header block up to its blank line and returns
// the Content-Length, or -1 when absent or unparsable. A part whose data
// starts right after the delimiter with a JPEG SOI has no headers.
func (r *Reader) readHeaders() (int64, error) {
	length := int64(-1)
	total := 0
	if r.firstHeader != nil {
		length = headerLength(r.firstHeader, length)
		total = len(r.firstHeader)
		r.firstHeader = nil
	} else if p, err := r.br.Peek(2); err == nil && p[0] == 0xFF && p[1] == 0xD8 {
		return -1, nil
	}
	for n := 0; ; n++ {
		line, err := r.br.ReadSlice('\n')
		total += len(line)
		if errors.Is(err, bufio.ErrBufferFull) || total > r.opt.MaxHeaderBytes {
			return 0, fmt.Errorf("%w: part %d: more than %d bytes", ErrHeaderTooLarge, r.parts, r.opt.MaxHeaderBytes)
		}
		t := trimLine(line)
		if err != nil {
			if err != io.EOF {
				return 0, fmt.Errorf("mpjpeg: part %d headers: %w", r.parts, err)
			}
			if n == 0 && total == 0 {
				return 0, io.EOF // the body ended right after a delimiter
			}
			return 0, r.truncated("headers", total)
		}
		if len(t) == 0 {
			return length, nil
		}
		length = headerLength(t, length)
	}
}

// headerLength returns the Content-Length carried by header line t, or old
// when t is another header. Unparsable values count as absent (the part is
// then delimited by the boundary).
func headerLength(t []byte, old int64) int64 {
	name, value, ok := bytes.Cut(t, []byte(":"))
	if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
		return old
	}
	value = bytes.TrimSpace(value)
	if len(value) == 0 {
		return -1
	}
	var n int64
	for _, c := range value {
		if c < '0' || c > '9' {
			return -1
		}
		if n > 1<<40 { // far above any limit; stop before overflow
			return n
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// truncated builds the error for a body that ended inside a part.
func (r *Reader) truncated(where string, got int) error {
	return fmt.Errorf("%w: part %d %s after %d bytes: %w", ErrTruncated, r.parts, where, got, io.ErrUnexpectedEOF)
}

// readBody reads the part's body and returns it when it is a complete JPEG,
// errSkip when it is something else.
func (r *Reader) readBody(length int64) ([]byte, error) {
	max := int64(r.opt.MaxPartBytes)
	if length > max {
		return nil, fmt.Errorf("%w: part %d claims Content-Length %d, limit %d", ErrPartTooLarge, r.parts, length, max)
	}
	if length >= 0 {
		return r.readSized(int(length))
	}
	// No Content-Length: the part ends at the next delimiter line.
	if err := r.skipSpace(); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("mpjpeg: part %d: %w", r.parts, err)
	}
	p, _ := r.br.Peek(len(r.delim))
	if bytes.Equal(p, r.delim) {
		return nil, errSkip // empty part
	}
	if len(p) < 2 || p[0] != 0xFF || p[1] != 0xD8 {
		_, err := r.scan(nil, false)
		return nil, r.endOfSkippedPart(err)
	}
	buf, err := r.scan(make([]byte, 0, r.sizeHint()), true)
	return r.finish(buf, err)
}

// readSized reads a part with a Content-Length of n bytes.
func (r *Reader) readSized(n int) ([]byte, error) {
	head, _ := r.br.Peek(min(n, 64))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) < 2 || head[0] != 0xFF || head[1] != 0xD8 {
		if d, err := r.br.Discard(n); err == io.EOF {
			return nil, r.truncated("body", d)
		} else if err != nil {
			return nil, fmt.Errorf("mpjpeg: part %d body: %w", r.parts, err)
		}
		return nil, errSkip
	}
	buf, err := r.readN(n)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(buf, r.nlDelim) {
		// The Content-Length ran over the next delimiter: this part was cut
		// short and the count read into the next one. Drop both.
		r.resync = true
		return nil, errSkip
	}
	if f, ok := jpegBody(buf); ok {
		return f, nil
	}
	// A JPEG start without its end: the Content-Length was short (or the
	// JPEG is broken). Read on to the delimiter, then judge.
	buf, err = r.scan(buf, true)
	return r.finish(buf, err)
}

// readN reads exactly n bytes into a fresh slice that grows as data arrives.
func (r *Reader) readN(n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, firstAlloc))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.br.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			if err == io.EOF {
				return nil, r.truncated("body", len(buf))
			}
			return nil, fmt.Errorf("mpjpeg: part %d body: %w", r.parts, err)
		}
	}
	return buf, nil
}

// finish judges a body read up to the delimiter (err nil) or to the end of
// the stream (err io.EOF): a complete JPEG is returned either way; at the
// end of the stream anything else is a truncated part.
func (r *Reader) finish(buf []byte, err error) ([]byte, error) {
	if err != nil && err != io.EOF {
		return nil, err
	}
	if f, ok := jpegBody(buf); ok {
		return f, nil
	}
	if err == io.EOF {
		return nil, r.truncated("body", len(buf))
	}
	return nil, errSkip
}

func (r *Reader) endOfSkippedPart(err error) error {
	if err == nil || err == io.EOF {
		return errSkip // a non-JPEG part cut short is skipped like any other
	}
	return err
}

// sizeHint guesses the capacity for a frame without Content-Length from the
// previous frame, so that most frames are copied once.
func (r *Reader) sizeHint() int {
	return min(r.lastSize+r.lastSize/4+4096, r.opt.MaxPartBytes)
}

// scan consumes the body up to (not including) the next delimiter line; the
// line end in front of the delimiter is consumed and not part of the body
// (RFC 2046 §5.1.1). With keep it appends the body to dst. It returns nil at
// a delimiter, io.EOF at the end of the stream, ErrPartTooLarge when the
// body passes MaxPartBytes.
func (r *Reader) scan(dst []byte, keep bool) ([]byte, error) {
	if p, err := r.br.Peek(len(r.delim)); err == nil && bytes.Equal(p, r.delim) {
		return dst, nil
	}
	total := len(dst)
	pat := r.nlDelim
	for {
		if r.br.Buffered() < len(pat) {
			if _, err := r.br.Peek(len(pat)); err != nil {
				// End of stream: what is buffered is the last of the body.
				rest, _ := r.br.Peek(r.br.Buffered())
				if dst, _, err2 := r.take(dst, rest, total, keep); err2 != nil {
					return nil, err2
				} else if err == io.EOF {
					_, _ = r.br.Discard(len(rest))
					return dst, io.EOF
				}
				return nil, fmt.Errorf("mpjpeg: part %d body: %w", r.parts, err)
			}
		}
		p, _ := r.br.Peek(r.br.Buffered())
		i := bytes.Index(p, pat)
		n := i
		if i < 0 {
			n = len(p) - (len(pat) - 1) // keep a possible partial match
		}
		var err error
		if dst, total, err = r.take(dst, p[:n], total, keep); err != nil {
			return nil, err
		}
		if i >= 0 {
			_, _ = r.br.Discard(i + 1) // the body and the '\n' before the delimiter
			return dst, nil
		}
		_, _ = r.br.Discard(n)
	}
}

// take accounts for (and with keep, appends) a piece of body.
func (r *Reader) take(dst, piece []byte, total int, keep bool) ([]byte, int, error) {
	total += len(piece)
	if total > r.opt.MaxPartBytes {
		return nil, total, fmt.Errorf("%w: part %d has no end within %d bytes", ErrPartTooLarge, r.parts, r.opt.MaxPartBytes)
	}
	if keep {
		dst = append(dst, piece...)
	}
	return dst, total, nil
}
