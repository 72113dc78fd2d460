package sdp

import (
	"fmt"
	"strings"
)

// ResolveControl returns the URL a client sends requests to for an a=control
// value (RFC 2326 §C.1.1), given base: the Content-Base of the DESCRIBE
// reply, else its Content-Location, else the DESCRIBE request URL.
//
//   - "" (no a=control) and "*" give base unchanged, trailing '/' included:
//     ffmpeg sends PLAY and TEARDOWN to exactly the Content-Base.
//   - An absolute URL (scheme://...) is returned as is; one without an
//     authority ("rtsp:///x") is ErrBadControl.
//   - A path starting with '/' replaces the path of base.
//   - Anything else is appended to base with one '/' between them, so
//     "rtsp://h/test/" and "rtsp://h/test" both give "rtsp://h/test/stream=0"
//     for "stream=0". That is what ffmpeg does and what servers expect; a
//     strict RFC 3986 resolution of "rtsp://h/test" would give
//     "rtsp://h/stream=0", the URL GStreamer tries first and gets 404 for
//     when a server sends no Content-Base (interop.md). A query in base is
//     kept after the joined path unless control has its own.
func ResolveControl(base, control string) (string, error) {
	scheme, rest, ok := strings.Cut(base, "://")
	// Split base into scheme://authority, path and query/fragment.
	authEnd := strings.IndexAny(rest, "/?#")
	if authEnd < 0 {
		authEnd = len(rest)
	}
	if !ok || !isScheme(scheme) || authEnd == 0 {
		return "", fmt.Errorf("%w: %q", ErrBadBase, base)
	}
	control = strings.TrimSpace(control)
	switch {
	case control == "" || control == "*":
		return base, nil
	case isAbsolute(control):
		if _, r, _ := strings.Cut(control, "://"); strings.IndexAny(r, "/?#") == 0 || r == "" {
			return "", fmt.Errorf("%w: %q has no authority", ErrBadControl, control)
		}
		return control, nil
	}
	prefix := scheme + "://" + rest[:authEnd]
	path, query := rest[authEnd:], ""
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path, query = path[:i], path[i:]
	}
	if strings.ContainsAny(control, "?#") {
		query = ""
	}
	if control[0] == '/' {
		return prefix + control + query, nil
	}
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	return prefix + path + control + query, nil
}

// isAbsolute reports whether u starts with "scheme://" (RFC 3986 §3.1
// scheme syntax).
func isAbsolute(u string) bool {
	scheme, _, ok := strings.Cut(u, "://")
	return ok && isScheme(scheme)
}

func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}
