package sdp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unmarshal parses an SDP description (RFC 4566), tolerantly: lines may end
// in CRLF or LF, blank lines and lines of unknown types (i=, b=, k=, ...) are
// skipped, attributes other than control, range, rtpmap and framerate are
// kept in Attributes, and a malformed rtpmap or framerate is kept there too
// rather than failing. It fails without a "v=0" line, and on an m= line it
// cannot read (we could not set that stream up).
func Unmarshal(b []byte) (*Session, error) {
	s := &Session{}
	var m *Media // current media section, nil at session level
	sawVersion := false
	for n, raw := range strings.Split(string(b), "\n") {
		lineNo := n + 1
		line := strings.TrimSpace(raw)
		if len(line) < 2 || line[1] != '=' {
			continue // blank or not an SDP line
		}
		typ, val := line[0], strings.TrimSpace(line[2:])
		switch typ {
		case 'v':
			if val != "0" {
				return nil, fmt.Errorf("%w: line %d: v=%s", ErrBadVersion, lineNo, val)
			}
			sawVersion = true
		case 'o':
			if m == nil {
				s.Origin = val
			}
		case 's':
			if m == nil {
				s.Name = val
			}
		case 'c':
			// "IN IP4 224.2.1.1/127": keep the address field.
			if f := strings.Fields(val); len(f) >= 3 && (m == nil || s.ConnAddr == "") {
				s.ConnAddr = f[2]
			}
		case 'm':
			media, err := parseMediaLine(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			s.Media = append(s.Media, media)
			m = &s.Media[len(s.Media)-1]
		case 'a':
			key, value, _ := strings.Cut(val, ":")
			a := Attribute{Key: strings.TrimSpace(key), Value: strings.TrimSpace(value)}
			if m == nil {
				s.sessionAttribute(a)
			} else {
				s.mediaAttribute(m, a)
			}
		}
	}
	if !sawVersion {
		return nil, ErrMissingVersion
	}
	return s, nil
}

func (s *Session) sessionAttribute(a Attribute) {
	switch a.Key {
	case "control":
		if s.Control == "" {
			s.Control = a.Value
		}
	case "range":
		if s.Range == "" {
			s.Range = a.Value
		}
	default:
		s.Attributes = append(s.Attributes, a)
	}
}

func (s *Session) mediaAttribute(m *Media, a Attribute) {
	switch a.Key {
	case "control":
		if m.Control == "" {
			m.Control = a.Value
		}
		return
	case "rtpmap":
		// "26 JPEG/90000"; any white space separates (Marshal turns a
		// stray CR into a space, so the two must read alike).
		pt, enc, ok := cutSpace(a.Value)
		if n, err := strconv.Atoi(pt); ok && err == nil && n >= 0 && n <= 255 {
			if m.RTPMap == nil {
				m.RTPMap = make(map[int]string)
			}
			m.RTPMap[n] = strings.TrimSpace(enc)
			return
		}
	case "framerate":
		if f, err := strconv.ParseFloat(a.Value, 64); err == nil && f > 0 && !math.IsInf(f, 0) {
			m.Framerate = f
			return
		}
	case "range":
		if s.Range == "" {
			s.Range = a.Value
		}
	}
	m.Attributes = append(m.Attributes, a)
}

// parseMediaLine parses "video 0 RTP/AVP 26": media, port (with an optional
// "/count"), protocol and formats. Formats that are not payload type numbers
// (0-255) are skipped.
func parseMediaLine(val string) (Media, error) {
	f := strings.Fields(val)
	if len(f) < 3 {
		return Media{}, fmt.Errorf("%w: m=%s: want <media> <port> <proto> <fmt>...", ErrMalformed, val)
	}
	portStr, _, _ := strings.Cut(f[1], "/")
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return Media{}, fmt.Errorf("%w: m=%s: bad port %q", ErrMalformed, val, f[1])
	}
	m := Media{Type: f[0], Port: port, Proto: f[2]}
	for _, s := range f[3:] {
		if pt, err := strconv.Atoi(s); err == nil && pt >= 0 && pt <= 255 {
			m.Formats = append(m.Formats, pt)
		}
	}
	return m, nil
}

// cutSpace cuts s around its first white-space character.
func cutSpace(s string) (before, after string, found bool) {
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		_, size := utf8.DecodeRuneInString(s[i:])
		return s[:i], s[i+size:], true
	}
	return s, "", false
}
