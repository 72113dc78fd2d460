package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
)

// Limits of what an HTTP viewer accepts from the server.
const (
	// httpMaxLine bounds a status, header, chunk-size or part line.
	httpMaxLine = 4096
	// httpMaxHeaders bounds the header lines of the response, and of one
	// part (preamble and blank padding before its delimiter included).
	httpMaxHeaders = 64
	// httpMaxPart bounds one part's Content-Length: 32 MiB.
	httpMaxPart = 32 << 20
	// httpReadBuffer is each viewer's read buffer: one read system call
	// takes up to this much, a 640x480 frame or more.
	httpReadBuffer = 64 << 10
)

// Errors of the multipart/x-mixed-replace parser.
var (
	// errLineTooLong reports a line over httpMaxLine.
	errLineTooLong = errors.New("line too long")
	// errTooManyHeaders reports more than httpMaxHeaders lines.
	errTooManyHeaders = errors.New("too many header lines")
	// errBadChunk reports bad chunked transfer coding (RFC 9112 §7.1).
	errBadChunk = errors.New("bad chunked coding")
	// errBadPart reports a part without a usable Content-Length, or
	// bytes other than a delimiter between parts.
	errBadPart = errors.New("bad multipart part")
)

// partReader reads the parts of a multipart/x-mixed-replace body that
// carry Content-Length (ours and most MJPEG servers' do), without copying
// their data: the data of a part is skipped in the bufio buffer (Discard),
// only the delimiter and part headers are looked at. It undoes chunked
// transfer coding itself (RFC 9112 §7.1) for the same reason. It allocates
// nothing per part.
type partReader struct {
	br *bufio.Reader
	// delim is "--" + boundary: the delimiter line (RFC 2046 §5.1.1).
	delim []byte
	// chunked: the body has chunked transfer coding; left is then what
	// remains of the current chunk (-1 before the first chunk's size).
	chunked bool
	left    int64
	// line is the scratch buffer of readLine, chunkLine that of
	// nextChunk (which runs in the middle of a readLine).
	line, chunkLine []byte
}

func newPartReader(br *bufio.Reader, boundary string, chunked bool) *partReader {
	return &partReader{br: br, delim: []byte("--" + boundary), chunked: chunked, left: -1,
		line: make([]byte, 0, httpMaxLine), chunkLine: make([]byte, 0, httpMaxLine)}
}

// byte returns the next byte of the body.
func (p *partReader) byte() (byte, error) {
	if p.chunked && p.left <= 0 {
		if err := p.nextChunk(); err != nil {
			return 0, err
		}
	}
	c, err := p.br.ReadByte()
	if err != nil {
		return 0, err
	}
	p.left--
	return c, nil
}

// nextChunk ends the current chunk (its CRLF) and reads the next size
// line; a last chunk (size 0) ends the body with io.EOF.
func (p *partReader) nextChunk() error {
	if p.left == 0 {
		l, err := readRawLine(p.br, p.chunkLine[:0])
		if err != nil {
			return err
		}
		if len(l) != 0 {
			return fmt.Errorf("%w: no CRLF after chunk data", errBadChunk)
		}
	}
	l, err := readRawLine(p.br, p.chunkLine[:0])
	if err != nil {
		return err
	}
	if i := bytes.IndexByte(l, ';'); i >= 0 { // chunk extensions: ignored
		l = l[:i]
	}
	l = bytes.TrimRight(l, " \t")
	if len(l) == 0 || len(l) > 15 {
		return fmt.Errorf("%w: size %q", errBadChunk, l)
	}
	var n int64
	for _, c := range l {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return fmt.Errorf("%w: size %q", errBadChunk, l)
		}
		n = n<<4 | int64(d)
	}
	if n == 0 {
		return io.EOF
	}
	p.left = n
	return nil
}

// readLine returns the next line of the body without its CRLF (or LF),
// valid until the next call.
func (p *partReader) readLine() ([]byte, error) {
	if !p.chunked {
		return readRawLine(p.br, p.line[:0])
	}
	l := p.line[:0]
	for {
		c, err := p.byte()
		if err != nil {
			return nil, err
		}
		if c == '\n' {
			return bytes.TrimSuffix(l, []byte{'\r'}), nil
		}
		if len(l) == httpMaxLine {
			return nil, errLineTooLong
		}
		l = append(l, c)
	}
}

// discard skips n bytes of the body.
func (p *partReader) discard(n int64) error {
	for n > 0 {
		step := n
		if p.chunked {
			if p.left <= 0 {
				if err := p.nextChunk(); err != nil {
					return err
				}
			}
			step = min(n, p.left)
		}
		step = min(step, math.MaxInt32)
		d, err := p.br.Discard(int(step))
		n -= int64(d)
		p.left -= int64(d)
		if err != nil {
			return err
		}
	}
	return nil
}

// next reads up to the next part's data: the delimiter (blank lines and
// anything else before it, within httpMaxHeaders lines, are skipped, as
// RFC 2046 §5.1.1 lets a preamble and the CRLF before a delimiter be) and
// the part's headers. It returns the part's Content-Length and its
// X-Timestamp in microseconds (-1 when absent or unparsable); the caller
// then discards (or reads) the data. The close delimiter ends with io.EOF.
func (p *partReader) next() (n, tsUs int64, err error) {
	found := false
	for range httpMaxHeaders {
		l, err := p.readLine()
		if err != nil {
			return 0, 0, err
		}
		if rest, ok := bytes.CutPrefix(l, p.delim); ok {
			rest = bytes.TrimRight(rest, " \t")
			if bytes.Equal(rest, []byte("--")) {
				return 0, 0, io.EOF
			}
			if len(rest) == 0 {
				found = true
				break
			}
		}
	}
	if !found {
		return 0, 0, fmt.Errorf("%w: no delimiter in %d lines", errBadPart, httpMaxHeaders)
	}
	n, tsUs = -1, -1
	for range httpMaxHeaders {
		l, err := p.readLine()
		if err != nil {
			return 0, 0, err
		}
		if len(l) == 0 {
			if n < 0 {
				return 0, 0, fmt.Errorf("%w: no Content-Length", errBadPart)
			}
			return n, tsUs, nil
		}
		name, value, ok := bytes.Cut(l, []byte{':'})
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			v, ok := parseDecimal(value, httpMaxPart)
			if !ok {
				return 0, 0, fmt.Errorf("%w: Content-Length %q", errBadPart, value)
			}
			n = v
		case bytes.EqualFold(name, []byte("X-Timestamp")):
			tsUs = parseTimestampUs(value)
		}
	}
	return 0, 0, fmt.Errorf("%w: over %d header lines", errTooManyHeaders, httpMaxHeaders)
}

// readRawLine reads a line from br into buf (up to httpMaxLine bytes) and
// returns it without its CRLF (or LF).
func readRawLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > httpMaxLine+2 {
			return nil, errLineTooLong
		}
		buf = append(buf, frag...)
		switch {
		case err == nil:
			buf = bytes.TrimSuffix(buf[:len(buf)-1], []byte{'\r'})
			return buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// parseDecimal parses a decimal integer in [0, limit].
func parseDecimal(b []byte, limit int64) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
		if n > limit {
			return 0, false
		}
	}
	return n, true
}

// parseTimestampUs parses an X-Timestamp, SECONDS[.FRACTION] (the
// mjpg-streamer convention our server follows), into microseconds; -1
// when it is not one.
func parseTimestampUs(b []byte) int64 {
	secs, frac, _ := bytes.Cut(b, []byte{'.'})
	s, ok := parseDecimal(secs, math.MaxInt64/1_000_000-1)
	if !ok {
		return -1
	}
	us := s * 1e6
	scale := int64(1e5)
	for _, c := range frac {
		if c < '0' || c > '9' {
			return -1
		}
		us += int64(c-'0') * scale
		scale /= 10
	}
	return us
}
