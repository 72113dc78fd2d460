package sdp

import "errors"

// Sentinel errors returned (wrapped with the line number and context) by
// Unmarshal and ResolveControl. Test with errors.Is.
var (
	// ErrMissingVersion means the input has no "v=" line, so it is not an
	// SDP document (for example an HTML error page sent as a DESCRIBE body).
	ErrMissingVersion = errors.New("sdp: no v= line")

	// ErrBadVersion means a "v=" line whose value is not 0, the only version
	// RFC 4566 §5.1 defines.
	ErrBadVersion = errors.New("sdp: version is not 0")

	// ErrMalformed means a line we must understand cannot be parsed: an
	// "m=" line without media, port and protocol, or with a bad port.
	ErrMalformed = errors.New("sdp: malformed line")

	// ErrBadControl means an a=control value that looks like an absolute
	// URL (scheme://) but has no authority to send requests to.
	ErrBadControl = errors.New("sdp: bad control URL")

	// ErrBadBase means ResolveControl was given a base URL that is not
	// absolute (no scheme://authority).
	ErrBadBase = errors.New("sdp: base URL is not absolute")
)
