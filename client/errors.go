package client

import (
	"errors"
	"fmt"

	"github.com/rtpstream/rtpstream/rtsp"
)

// Errors a caller may branch on; they are wrapped with context, so test with
// errors.Is.
var (
	// ErrUnauthorized: the server answered 401 and the credentials were
	// missing, rejected, or of an unsupported scheme (RFC 2326 §12.44).
	ErrUnauthorized = errors.New("client: unauthorized")
	// ErrNotFound: the server answered 404 Not Found.
	ErrNotFound = errors.New("client: stream not found")
	// ErrTimeout: the server did not answer a request, or sent no media,
	// within the configured time.
	ErrTimeout = errors.New("client: timeout")
	// ErrUnsupportedTransport: the server refused every transport we may
	// use (461, RFC 2326 §11.3.14).
	ErrUnsupportedTransport = errors.New("client: unsupported transport")
	// ErrTooManyRedirects: more than Config.MaxRedirects 3xx answers.
	ErrTooManyRedirects = errors.New("client: too many redirects")
	// ErrNoJPEGStream: the SDP has no Motion-JPEG (RFC 2435) video stream.
	ErrNoJPEGStream = errors.New("client: no Motion-JPEG stream in the session description")
	// ErrBadURL: the URL is not rtsp://HOST[:PORT]/PATH.
	ErrBadURL = errors.New("client: bad URL")
	// ErrState: the method is not valid in the session's current state
	// (e.g. Play before Dial succeeded, Setup after Teardown).
	ErrState = errors.New("client: invalid in this state")
	// ErrClosed: the session was closed (Close or Teardown).
	ErrClosed = errors.New("client: session closed")
	// ErrEndOfStream: the media ended normally: the server sent RTCP BYE
	// (RFC 3550 §6.6), closed the connection, or a lab server stopped
	// sending (no packet for Config.LabEndTimeout).
	ErrEndOfStream = errors.New("client: end of stream")
	// ErrProtocol: the server's answer makes no sense (no Session header
	// after SETUP, an unparsable Transport, a CSeq mismatch in the lab
	// dialect...).
	ErrProtocol = errors.New("client: protocol error")
)

// StatusError is a non-2xx answer to a request. It matches ErrUnauthorized
// (401), ErrNotFound (404) and ErrUnsupportedTransport (461) with errors.Is.
type StatusError struct {
	Method, URL string
	StatusCode  int
	Reason      string
}

// Error returns e.g. "DESCRIBE rtsp://h/x: 404 Not Found".
func (e *StatusError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = rtsp.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.StatusCode, reason)
}

// Is maps status codes to the package's sentinel errors.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == rtsp.StatusUnauthorized
	case ErrNotFound:
		return e.StatusCode == rtsp.StatusNotFound
	case ErrUnsupportedTransport:
		return e.StatusCode == rtsp.StatusUnsupportedTransport
	}
	return false
}
