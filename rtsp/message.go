package rtsp

import (
	"io"
	"strconv"
	"strings"
)

// Proto is the only protocol version this package speaks (RFC 2326 §3.1).
const Proto = "RTSP/1.0"

// Request is an RTSP request (RFC 2326 §6).
type Request struct {
	// Method is the request method, e.g. "SETUP" (§10), case-sensitive.
	Method string
	// URL is the Request-URI as written: "rtsp://h/test/stream=0", "*", or a
	// bare file name in the lab dialect.
	URL string
	// Proto is the protocol version; Marshal writes "RTSP/1.0" when empty.
	Proto string
	// Header holds the fields in the order received (or to be written).
	Header Header
	// Body is the message body (§4.3), as long as Content-Length.
	Body []byte
	// Lab reports the lab dialect (see the package doc): set by the Reader
	// for a request line ending in a bare "\n" with a scheme-less URI; when
	// set, Marshal writes bare "\n" line endings and no blank line, byte for
	// byte what the lab server expects.
	Lab bool
}

// Response is an RTSP response (RFC 2326 §7).
type Response struct {
	// Proto is the protocol version; Marshal writes "RTSP/1.0" when empty.
	Proto string
	// StatusCode is the three-digit status code (§7.1.1).
	StatusCode int
	// Reason is the reason phrase; Marshal writes StatusText(StatusCode)
	// when empty.
	Reason string
	// Header holds the fields in order.
	Header Header
	// Body is the message body, as long as Content-Length.
	Body []byte
}

// Marshal returns the request in wire form: request line, fields in order
// with their given spelling, Content-Length (set to len(Body)) when there is
// a body, blank line, body. Lines end in CRLF, or in a bare "\n" with no
// blank line when r.Lab is set (and there is no body).
func (r *Request) Marshal() []byte {
	return r.AppendTo(nil)
}

// AppendTo appends the wire form of r (see Marshal) to dst.
func (r *Request) AppendTo(dst []byte) []byte {
	eol := "\r\n"
	if r.Lab {
		eol = "\n"
	}
	dst = appendClean(dst, r.Method)
	dst = append(dst, ' ')
	dst = appendClean(dst, r.URL)
	dst = append(dst, ' ')
	dst = appendClean(dst, protoOr(r.Proto))
	if r.Lab && len(r.Body) == 0 {
		for _, f := range r.Header {
			dst = append(dst, eol...)
			dst = appendField(dst, f.Name, f.Value)
		}
		return dst
	}
	dst = append(dst, eol...)
	dst = appendFields(dst, r.Header, r.Body, eol)
	return append(dst, r.Body...)
}

// WriteTo writes the whole request with a single Write call, so that it
// leaves in one TCP segment (the lab server reads one segment per request).
func (r *Request) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(r.Marshal())
	return int64(n), err
}

// Marshal returns the response in wire form: "RTSP/1.0 200 OK\r\n", the
// fields in order with their given spelling, Content-Length when there is a
// body, a blank line and the body.
func (r *Response) Marshal() []byte {
	return r.AppendTo(nil)
}

// AppendTo appends the wire form of r (see Marshal) to dst.
func (r *Response) AppendTo(dst []byte) []byte {
	dst = appendClean(dst, protoOr(r.Proto))
	dst = append(dst, ' ')
	code := r.StatusCode
	if code < 100 || code > 999 {
		code = StatusInternalServerError
	}
	dst = strconv.AppendInt(dst, int64(code), 10)
	reason := r.Reason
	if reason == "" {
		reason = StatusText(code)
	}
	if reason != "" {
		dst = append(dst, ' ')
		dst = appendClean(dst, reason)
	}
	dst = append(dst, "\r\n"...)
	dst = appendFields(dst, r.Header, r.Body, "\r\n")
	return append(dst, r.Body...)
}

// WriteTo writes the whole response with a single Write call.
func (r *Response) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(r.Marshal())
	return int64(n), err
}

func protoOr(p string) string {
	if p == "" {
		return Proto
	}
	return p
}

// appendFields writes the header fields and the blank line. When body is
// not empty the Content-Length field is written with len(body) (in place of
// an existing one, keeping its spelling, or appended last).
func appendFields(dst []byte, h Header, body []byte, eol string) []byte {
	haveCL := false
	for _, f := range h {
		if strings.EqualFold(f.Name, "Content-Length") {
			if len(body) > 0 {
				if haveCL {
					continue
				}
				haveCL = true
				dst = appendField(dst, f.Name, strconv.Itoa(len(body)))
				dst = append(dst, eol...)
				continue
			}
		}
		dst = appendField(dst, f.Name, f.Value)
		dst = append(dst, eol...)
	}
	if len(body) > 0 && !haveCL {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, eol...)
	}
	return append(dst, eol...)
}

func appendField(dst []byte, name, value string) []byte {
	dst = appendClean(dst, name)
	dst = append(dst, ": "...)
	return appendClean(dst, value)
}

// appendClean appends s with CR and LF replaced by spaces, so that no value
// can inject header lines.
func appendClean(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}
