package rtsp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readBufSize is the size of the Reader's buffer: room for a whole
// interleaved RTP packet or a request, without per-connection waste.
const readBufSize = 16 << 10

// Reader reads RTSP messages and interleaved frames from a byte stream
// (RFC 2326 §4, §10.12), typically a TCP connection. It is not safe for
// concurrent use.
//
// After an error other than ErrBadVersion and ErrFrameTooLarge the position
// in the stream is lost: the caller answers (400) and closes.
type Reader struct {
	br      *bufio.Reader
	lim     Limits
	whole   bool // reading one whole message from a byte slice: EOF ends the headers
	labResp bool // apply the lab end-of-segment rule to responses too

	scratch  []byte // start line and header lines of the message being read
	spans    []span // header lines in scratch
	hdrBytes int    // bytes consumed by the start line and headers

	fbuf  []byte
	frame Frame
}

// span is a line in Reader.scratch, terminator removed.
type span struct{ start, end int }

// lineEnd says how a line ended.
type lineEnd uint8

const (
	endLF   lineEnd = iota // bare "\n"
	endCRLF                // "\r\n"
	endEOF                 // end of input (or, in the lab dialect, of the segment)
)

// NewReader returns a Reader of r with the given limits (zero fields take
// their defaults). It buffers r; read from the Reader only from then on.
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readBufSize), lim: lim.withDefaults()}
}

// SetLabResponses makes the Reader end a response whose status line ends in
// a bare "\n" at the end of the bytes already received, as it does for lab
// requests: the lab server sends "RTSP/1.0 200 OK\nCSeq: 1\nSession: N"
// in one segment, with no blank line. Off by default, because a real server
// using bare "\n" may split its headers over several segments.
func (r *Reader) SetLabResponses(on bool) { r.labResp = on }

// Buffered returns the number of bytes received but not yet consumed.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// Peek returns the next n bytes without consuming them, waiting for them if
// needed. A server can Peek(1) with an idle deadline, then arm a shorter
// deadline for the rest of the message once its first byte has arrived.
func (r *Reader) Peek(n int) ([]byte, error) { return r.br.Peek(n) }

// Read returns the next message: a *Request, a *Response or a *Frame.
// Empty lines before a message (CRLF keepalives) are skipped. io.EOF means
// the stream ended cleanly between messages.
//
// The *Frame and its Payload are owned by the Reader and valid until the
// next call (no allocation per frame). Requests and responses are not.
//
// With ErrBadVersion the message, read whole, is returned too (so a server
// can echo its CSeq in a 505 reply).
func (r *Reader) Read() (any, error) {
	for {
		b, err := r.br.Peek(1)
		if err != nil {
			return nil, err
		}
		switch b[0] {
		case '\r', '\n':
			_, _ = r.br.Discard(1)
			continue
		case '$':
			return r.readFrame()
		}
		return r.readMessage()
	}
}

// ReadRequest reads the next message and returns it if it is a request;
// anything else gives ErrUnexpectedMessage.
func (r *Reader) ReadRequest() (*Request, error) {
	m, err := r.Read()
	if req, ok := m.(*Request); ok {
		return req, err
	}
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: want a request, got %s", ErrUnexpectedMessage, kindOf(m))
}

// ReadResponse reads the next message and returns it if it is a response;
// anything else (a request, an interleaved frame) gives
// ErrUnexpectedMessage. Clients that may receive interleaved frames use Read.
func (r *Reader) ReadResponse() (*Response, error) {
	m, err := r.Read()
	if resp, ok := m.(*Response); ok {
		return resp, err
	}
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: want a response, got %s", ErrUnexpectedMessage, kindOf(m))
}

func kindOf(m any) string {
	switch m.(type) {
	case *Request:
		return "a request"
	case *Response:
		return "a response"
	case *Frame:
		return "an interleaved frame"
	}
	return "nothing"
}

// ParseRequest parses one whole request held in b. The blank line after
// the headers is optional (the lab client sends none); bytes after the
// message are ignored. Like Reader.Read, it returns the request along with
// ErrBadVersion.
func ParseRequest(b []byte) (*Request, error) {
	m, err := parseWhole(b)
	if req, ok := m.(*Request); ok {
		return req, err
	}
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: want a request, got %s", ErrUnexpectedMessage, kindOf(m))
}

// ParseResponse parses one whole response held in b, such as one segment
// received from a lab server ("RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456",
// no terminator). The blank line is optional; bytes after the message are
// ignored; a CSeq echoed as "1\r" reads as "1".
func ParseResponse(b []byte) (*Response, error) {
	m, err := parseWhole(b)
	if resp, ok := m.(*Response); ok {
		return resp, err
	}
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: want a response, got %s", ErrUnexpectedMessage, kindOf(m))
}

func parseWhole(b []byte) (any, error) {
	size := min(max(len(b), 16), readBufSize)
	r := &Reader{br: bufio.NewReaderSize(bytes.NewReader(b), size), lim: Limits{}.withDefaults(), whole: true,
		scratch: make([]byte, 0, min(len(b), DefaultMaxHeaderBytes)), spans: make([]span, 0, 16)}
	m, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: empty message", ErrMalformed)
	}
	return m, err
}

// readFrame reads an interleaved frame (RFC 2326 §10.12): '$', channel,
// 16-bit length, payload.
func (r *Reader) readFrame() (*Frame, error) {
	h, err := r.br.Peek(FrameHeaderSize)
	if err != nil {
		return nil, fmt.Errorf("rtsp: interleaved frame header: %w", unexpectedEOF(err))
	}
	ch := h[1]
	n := int(h[2])<<8 | int(h[3])
	_, _ = r.br.Discard(FrameHeaderSize)
	if n > r.lim.MaxFrameBytes {
		if _, err := r.br.Discard(n); err != nil {
			return nil, fmt.Errorf("rtsp: interleaved frame: %w", unexpectedEOF(err))
		}
		return nil, fmt.Errorf("%w: %d bytes on channel %d (limit %d)", ErrFrameTooLarge, n, ch, r.lim.MaxFrameBytes)
	}
	if cap(r.fbuf) < n {
		r.fbuf = make([]byte, n, max(n, 2048))
	}
	p := r.fbuf[:n]
	if _, err := io.ReadFull(r.br, p); err != nil {
		return nil, fmt.Errorf("rtsp: interleaved frame payload: %w", unexpectedEOF(err))
	}
	r.frame = Frame{Channel: ch, Payload: p}
	return &r.frame, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// startLine locates the parts of a request or status line in scratch.
type startLine struct {
	response bool
	a, b, c  span // request: method, URI, proto; response: proto, code, reason
	code     int
}

// readMessage reads a request or a response whose first byte is buffered.
func (r *Reader) readMessage() (any, error) {
	r.scratch = r.scratch[:0]
	r.spans = r.spans[:0]
	r.hdrBytes = 0

	sl, term, err := r.readLine()
	if err != nil {
		return nil, err
	}
	if term == endEOF && !r.whole {
		return nil, fmt.Errorf("%w: start line: %w", ErrMalformed, io.ErrUnexpectedEOF)
	}
	st, err := parseStartLine(r.scratch, sl)
	if err != nil {
		return nil, err
	}
	lab := false
	if term != endCRLF {
		if st.response {
			lab = r.labResp
		} else {
			lab = isLabURI(r.scratch[st.b.start:st.b.end])
		}
	}

	blank := false
	for first := true; ; first = false {
		var hs span
		var ht lineEnd
		if lab && !r.whole {
			hs, ht, err = r.readSegmentLine(first)
			if errors.Is(err, errEndOfSegment) {
				break
			}
		} else {
			hs, ht, err = r.readLine()
		}
		if err != nil {
			return nil, err
		}
		if ht == endEOF && !r.whole && !lab {
			return nil, fmt.Errorf("%w: headers: %w", ErrMalformed, io.ErrUnexpectedEOF)
		}
		if isBlank(r.scratch[hs.start:hs.end]) {
			blank = ht != endEOF
			break
		}
		if len(r.spans) >= r.lim.MaxHeaders {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyHeaders, r.lim.MaxHeaders)
		}
		r.spans = append(r.spans, hs)
		if ht == endEOF {
			break
		}
	}

	text := string(r.scratch)
	h, err := buildHeader(text, r.spans)
	if err != nil {
		return nil, err
	}
	body, err := r.readBody(h, blank)
	if err != nil {
		return nil, err
	}
	var proto string
	var msg any
	if st.response {
		proto = text[st.a.start:st.a.end]
		msg = &Response{Proto: proto, StatusCode: st.code, Reason: text[st.c.start:st.c.end], Header: h, Body: body}
	} else {
		proto = text[st.c.start:st.c.end]
		msg = &Request{Method: text[st.a.start:st.a.end], URL: text[st.b.start:st.b.end], Proto: proto, Header: h, Body: body, Lab: lab}
	}
	if proto != Proto {
		return msg, fmt.Errorf("%w: %q", ErrBadVersion, proto)
	}
	return msg, nil
}

// errEndOfSegment ends a lab-dialect message: no more bytes were received
// with it.
var errEndOfSegment = errors.New("end of segment")

// readSegmentLine reads a header line of a lab-dialect message: a line
// ending in "\n" if one is buffered, else the rest of the buffered bytes as
// the final line (the lab client sends no final newline), else the end of
// the message. Only right after the request line, when nothing is
// buffered, does it wait for one more read.
func (r *Reader) readSegmentLine(first bool) (span, lineEnd, error) {
	n := r.br.Buffered()
	if n == 0 {
		if !first {
			return span{}, 0, errEndOfSegment
		}
		if _, err := r.br.Peek(1); err != nil {
			if err == io.EOF {
				return span{}, 0, errEndOfSegment
			}
			return span{}, 0, err
		}
		n = r.br.Buffered()
	}
	buf, _ := r.br.Peek(n)
	if bytes.IndexByte(buf, '\n') >= 0 || n >= r.br.Size() {
		return r.readLine()
	}
	start := len(r.scratch)
	r.scratch = append(r.scratch, buf...)
	_, _ = r.br.Discard(n)
	r.hdrBytes += n
	end := len(r.scratch)
	for end > start && r.scratch[end-1] == '\r' {
		end--
	}
	r.scratch = r.scratch[:end]
	if err := r.checkLine(start, end); err != nil {
		return span{}, 0, err
	}
	return span{start, end}, endEOF, nil
}

// readLine appends the next line to scratch, without its terminator.
func (r *Reader) readLine() (span, lineEnd, error) {
	start := len(r.scratch)
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.scratch = append(r.scratch, chunk...)
		r.hdrBytes += len(chunk)
		if err == nil {
			break
		}
		if lerr := r.checkLine(start, len(r.scratch)); lerr != nil {
			return span{}, 0, lerr
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			end := len(r.scratch)
			for end > start && r.scratch[end-1] == '\r' {
				end--
			}
			r.scratch = r.scratch[:end]
			return span{start, end}, endEOF, nil
		}
		return span{}, 0, err
	}
	end := len(r.scratch) - 1
	term := endLF
	for end > start && r.scratch[end-1] == '\r' {
		end--
		term = endCRLF
	}
	r.scratch = r.scratch[:end]
	if err := r.checkLine(start, end); err != nil {
		return span{}, 0, err
	}
	return span{start, end}, term, nil
}

// checkLine enforces the line and header size limits.
func (r *Reader) checkLine(start, end int) error {
	if r.hdrBytes > r.lim.MaxHeaderBytes {
		return fmt.Errorf("%w: more than %d bytes", ErrHeaderTooLarge, r.lim.MaxHeaderBytes)
	}
	if end-start > r.lim.MaxLineBytes {
		return fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, r.lim.MaxLineBytes)
	}
	return nil
}

// readBody reads Content-Length bytes of body (RFC 2326 §4.3: no
// Content-Length, no body).
func (r *Reader) readBody(h Header, blank bool) ([]byte, error) {
	if !h.Has("Content-Length") {
		return nil, nil
	}
	cl := h.Get("Content-Length")
	n, ok := parseDigits(cl, 10)
	if !ok {
		return nil, fmt.Errorf("%w: Content-Length %q", ErrMalformed, cl)
	}
	if n > int64(r.lim.MaxBodyBytes) {
		return nil, fmt.Errorf("%w: Content-Length %d (limit %d)", ErrBodyTooLarge, n, r.lim.MaxBodyBytes)
	}
	if n == 0 {
		return nil, nil
	}
	if !blank {
		return nil, fmt.Errorf("%w: Content-Length %d but no blank line", ErrMalformed, n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r.br, body); err != nil {
		return nil, fmt.Errorf("%w: body: %w", ErrMalformed, unexpectedEOF(err))
	}
	return body, nil
}

// parseStartLine splits a request line (RFC 2326 §6.1) or a status line
// (§7.1). A first word containing '/' (a protocol, never a method) makes it
// a status line.
func parseStartLine(buf []byte, s span) (startLine, error) {
	line := buf[s.start:s.end]
	if bytes.IndexByte(line, '\r') >= 0 {
		return startLine{}, fmt.Errorf("%w: CR inside start line", ErrMalformed)
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return startLine{}, fmt.Errorf("%w: start line %q", ErrMalformed, trunc(line))
	}
	if bytes.IndexByte(line[:sp], '/') >= 0 {
		// Status-Line = RTSP-Version SP Status-Code SP Reason-Phrase
		st := startLine{response: true, a: span{s.start, s.start + sp}}
		rest := line[sp+1:]
		if len(rest) < 3 || (len(rest) > 3 && rest[3] != ' ') || rest[0] < '1' || rest[0] > '9' ||
			!isDigit(rest[1]) || !isDigit(rest[2]) {
			return startLine{}, fmt.Errorf("%w: status line %q", ErrMalformed, trunc(line))
		}
		st.code = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
		st.b = span{s.start + sp + 1, s.start + sp + 4}
		rs, re := s.start+sp+4, s.end
		for rs < re && (buf[rs] == ' ' || buf[rs] == '\t') {
			rs++
		}
		for re > rs && (buf[re-1] == ' ' || buf[re-1] == '\t') {
			re--
		}
		st.c = span{rs, re}
		return st, nil
	}
	// Request-Line = Method SP Request-URI SP RTSP-Version
	last := bytes.LastIndexByte(line, ' ')
	if last == sp || last == len(line)-1 || !isToken(line[:sp]) {
		return startLine{}, fmt.Errorf("%w: request line %q", ErrMalformed, trunc(line))
	}
	us, ue := s.start+sp+1, s.start+last
	for us < ue && buf[us] == ' ' {
		us++
	}
	for ue > us && buf[ue-1] == ' ' {
		ue--
	}
	uri := buf[us:ue]
	if len(uri) == 0 || bytes.IndexAny(uri, " \t") >= 0 {
		return startLine{}, fmt.Errorf("%w: request line %q", ErrMalformed, trunc(line))
	}
	return startLine{a: span{s.start, s.start + sp}, b: span{us, ue}, c: span{s.start + last + 1, s.end}}, nil
}

// isLabURI reports a scheme-less request-URI ("movie.Mjpeg"), the lab
// client's, as opposed to "rtsp://..." or "*".
func isLabURI(uri []byte) bool {
	return !bytes.Contains(uri, []byte("://")) && !(len(uri) == 1 && uri[0] == '*')
}

// buildHeader turns header lines into fields. A line starting with white
// space continues the previous field (RFC 822 folding).
func buildHeader(text string, spans []span) (Header, error) {
	if len(spans) == 0 {
		return nil, nil
	}
	h := make(Header, 0, len(spans))
	for _, s := range spans {
		l := text[s.start:s.end]
		if strings.IndexByte(l, '\r') >= 0 {
			return nil, fmt.Errorf("%w: CR inside header line", ErrMalformed)
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(h) == 0 {
				return nil, fmt.Errorf("%w: continuation line first", ErrMalformed)
			}
			f := &h[len(h)-1]
			if f.Value == "" {
				f.Value = strings.Trim(l, " \t")
			} else {
				f.Value += " " + strings.Trim(l, " \t")
			}
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		name = strings.TrimRight(name, " \t")
		if !ok || !isToken([]byte(name)) {
			return nil, fmt.Errorf("%w: header line %q", ErrMalformed, trunc([]byte(l)))
		}
		h = append(h, Field{Name: name, Value: strings.Trim(value, " \t")})
	}
	return h, nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports a non-empty RFC 2616 §2.2 token (tchar only).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isTChar(c) {
			return false
		}
	}
	return true
}

func isTChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// parseDigits parses 1 to maxDigits ASCII digits (no sign, no spaces
// inside; surrounding white space is ignored).
func parseDigits(s string, maxDigits int) (int64, bool) {
	s = strings.Trim(s, " \t")
	if len(s) == 0 || len(s) > maxDigits {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// trunc shortens b for error messages.
func trunc(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}
