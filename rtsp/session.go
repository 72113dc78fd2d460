package rtsp

import (
	"fmt"
	"strconv"
	"strings"
)

// Session is a Session header value (RFC 2326 §12.37): "ID" or
// "ID;timeout=N". Note that the lab client breaks on ";timeout": a server
// answering it writes Session{ID: id}.String() with Timeout 0.
type Session struct {
	// ID is the session identifier, opaque visible ASCII.
	ID string
	// Timeout is the timeout parameter in seconds; 0 when absent.
	Timeout int
}

// ParseSession parses a Session header value; unknown parameters are
// ignored.
func ParseSession(s string) (Session, error) {
	params := strings.Split(s, ";")
	id := trimOWS(params[0])
	if id == "" {
		return Session{}, fmt.Errorf("%w: empty Session", ErrBadHeader)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] >= 0x7f || id[i] == ',' || id[i] == '"' {
			return Session{}, fmt.Errorf("%w: Session id %q", ErrBadHeader, id)
		}
	}
	ses := Session{ID: id}
	for _, p := range params[1:] {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(trimOWS(k), "timeout") {
			n, ok := parseDigits(v, 9)
			if !ok {
				return Session{}, fmt.Errorf("%w: Session timeout %q", ErrBadHeader, v)
			}
			ses.Timeout = int(n)
		}
	}
	return ses, nil
}

// String formats the session: "ID", or "ID;timeout=N" when Timeout > 0.
func (s Session) String() string {
	if s.Timeout > 0 {
		return s.ID + ";timeout=" + strconv.Itoa(s.Timeout)
	}
	return s.ID
}
