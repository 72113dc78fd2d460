package rtsp

import (
	"fmt"
	"strings"
)

// ParseCSeq parses a CSeq header value (RFC 2326 §12.17): decimal digits,
// surrounding white space and a stray "\r" (the lab server echoes the
// client's "1\r") ignored.
func ParseCSeq(s string) (int, error) {
	n, ok := parseDigits(strings.Trim(s, " \t\r\n"), 9)
	if !ok {
		return 0, fmt.Errorf("%w: CSeq %q", ErrBadHeader, s)
	}
	return int(n), nil
}

// ParsePublic splits a Public header value (RFC 2326 §12.28) into method
// names, dropping empty items.
func ParsePublic(s string) []string {
	var ms []string
	for _, m := range strings.Split(s, ",") {
		if m = trimOWS(m); m != "" {
			ms = append(ms, m)
		}
	}
	return ms
}

// FormatPublic joins method names into a Public header value
// ("OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN").
func FormatPublic(methods []string) string {
	return strings.Join(methods, ", ")
}
