package rtsp

import "errors"

// Errors returned by the message [Reader], [ParseRequest] and
// [ParseResponse]. They are wrapped with context; test with errors.Is.
//
// A server answers ErrLineTooLong, ErrHeaderTooLarge, ErrTooManyHeaders,
// ErrBodyTooLarge and ErrMalformed with 400 Bad Request and closes the
// connection (the stream position is lost), and ErrBadVersion with 505 RTSP
// Version Not Supported (the message was read whole; the stream is intact).
var (
	// ErrLineTooLong: a start or header line exceeds Limits.MaxLineBytes.
	ErrLineTooLong = errors.New("rtsp: line too long")
	// ErrHeaderTooLarge: start line plus headers exceed Limits.MaxHeaderBytes.
	ErrHeaderTooLarge = errors.New("rtsp: header too large")
	// ErrTooManyHeaders: more header lines than Limits.MaxHeaders.
	ErrTooManyHeaders = errors.New("rtsp: too many header fields")
	// ErrBodyTooLarge: Content-Length exceeds Limits.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("rtsp: body too large")
	// ErrFrameTooLarge: an interleaved frame (RFC 2326 §10.12) is longer than
	// Limits.MaxFrameBytes. Its payload has been skipped, so the stream is
	// still in sync and reading may continue.
	ErrFrameTooLarge = errors.New("rtsp: interleaved frame too large")
	// ErrMalformed: the bytes are not an RTSP message (bad start line, header
	// line without a colon, bad Content-Length, truncated message...).
	ErrMalformed = errors.New("rtsp: malformed message")
	// ErrBadVersion: the protocol is not RTSP/1.0 (RFC 2326 §7.1.1: 505).
	// The message is returned alongside the error so its CSeq can be echoed.
	ErrBadVersion = errors.New("rtsp: unsupported protocol version")
	// ErrUnexpectedMessage: ReadResponse got a request or an interleaved
	// frame, ReadRequest a response or a frame, ParseRequest a response, etc.
	ErrUnexpectedMessage = errors.New("rtsp: unexpected message kind")
)

// Errors returned by the typed header parsers.
var (
	// ErrBadHeader: a typed header value (Transport, Session, Range,
	// RTP-Info, CSeq, WWW-Authenticate, Authorization) does not parse.
	ErrBadHeader = errors.New("rtsp: bad header value")
	// ErrUnsupportedRange: a Range header in a unit other than npt
	// (clock=, smpte=...; RFC 2326 §3.5, §3.4); servers answer 457 or ignore it.
	ErrUnsupportedRange = errors.New("rtsp: unsupported range unit")
	// ErrUnsupportedAuth: an authentication scheme, Digest algorithm or qop
	// this package does not implement.
	ErrUnsupportedAuth = errors.New("rtsp: unsupported authentication")
)
