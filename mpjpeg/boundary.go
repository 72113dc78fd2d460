package mpjpeg

import (
	"bytes"
	"mime"
	"strings"
)

// declaredBoundary returns the boundary parameter of a Content-Type value
// (RFC 2046 §5.1.1), or "" when there is none. It accepts what mime does
// (quoted values included) and, when mime rejects the value, falls back to a
// lenient search for "boundary=" so that sloppy camera headers still work.
func declaredBoundary(contentType string) string {
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return strings.TrimSpace(params["boundary"])
	}
	const key = "boundary="
	i := 0
	for ; i+len(key) <= len(contentType); i++ { // ASCII-case-insensitive: indexes stay byte offsets
		if strings.EqualFold(contentType[i:i+len(key)], key) {
			break
		}
	}
	if i+len(key) > len(contentType) {
		return ""
	}
	v := contentType[i+len(key):]
	if j := strings.IndexAny(v, ";,"); j >= 0 {
		v = v[:j]
	}
	return strings.Trim(strings.TrimSpace(v), `"'`)
}

// delimiterFor returns the delimiter line ("--" + boundary) for a declared
// boundary. Cameras that declare the boundary with its leading "--" already
// are served by matchDeclared, which accepts either form.
func delimiterFor(boundary string) []byte {
	if boundary == "" {
		return nil
	}
	return []byte("--" + boundary)
}

// matchDeclared reports which delimiter a body line uses when it agrees with
// the declared boundary: "--"+boundary (RFC 2046) or the boundary itself when
// the camera declared it with the dashes. line has its line end trimmed.
func matchDeclared(line []byte, boundary string) []byte {
	if boundary == "" {
		return nil
	}
	if d := delimiterFor(boundary); bytes.HasPrefix(line, d) {
		return d
	}
	if strings.HasPrefix(boundary, "--") && bytes.HasPrefix(line, []byte(boundary)) {
		return []byte(boundary)
	}
	return nil
}

// isSpace reports the bytes that may pad lines and separate parts: SP, HT,
// CR, LF (RFC 2046 transport padding, and the extra CRLFs cameras send).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// trimLine strips the line end and trailing padding from a line.
func trimLine(line []byte) []byte {
	for len(line) > 0 && isSpace(line[len(line)-1]) {
		line = line[:len(line)-1]
	}
	return line
}

// jpegBody trims the padding around a part's body and reports whether what
// is left is one complete JPEG image: SOI (FF D8) first, EOI (FF D9) last
// (ITU T.81 B.2.1). NUL bytes after EOI are padding some cameras add.
func jpegBody(b []byte) ([]byte, bool) {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && (isSpace(b[len(b)-1]) || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	n := len(b)
	if n < 4 || b[0] != 0xFF || b[1] != 0xD8 || b[n-2] != 0xFF || b[n-1] != 0xD9 {
		return nil, false
	}
	return b[:n:n], true
}
