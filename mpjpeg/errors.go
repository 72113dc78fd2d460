package mpjpeg

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of these (or
// io.EOF, a context error, or a *StatusError), with context added, so callers
// branch with errors.Is / errors.As.
var (
	// ErrNoBoundary: no multipart delimiter line was found, neither from the
	// Content-Type's boundary parameter nor in the first
	// Options.MaxHeaderBytes of the body.
	ErrNoBoundary = errors.New("mpjpeg: no multipart boundary")
	// ErrPartTooLarge: a part's body (or its Content-Length claim) exceeds
	// Options.MaxPartBytes.
	ErrPartTooLarge = errors.New("mpjpeg: part too large")
	// ErrHeaderTooLarge: a part's headers exceed Options.MaxHeaderBytes, or a
	// single line exceeds the read buffer.
	ErrHeaderTooLarge = errors.New("mpjpeg: part headers too large")
	// ErrTruncated: the stream ended inside a part; the partial part is
	// dropped. Errors wrapping it also wrap io.ErrUnexpectedEOF.
	ErrTruncated = errors.New("mpjpeg: stream ended inside a part")
	// ErrContentType: the HTTP reply's Content-Type is not one this package
	// can read (for example text/html from a camera's login page).
	ErrContentType = errors.New("mpjpeg: unexpected content type")
	// ErrNotJPEG: a snapshot reply is not a complete JPEG image.
	ErrNotJPEG = errors.New("mpjpeg: not a JPEG image")
	// ErrConnectTimeout: connecting and receiving the reply headers took
	// longer than PullConfig.ConnectTimeout.
	ErrConnectTimeout = errors.New("mpjpeg: connect timeout")
	// ErrIdleTimeout: no complete frame arrived for PullConfig.IdleTimeout.
	ErrIdleTimeout = errors.New("mpjpeg: idle timeout")
	// ErrStreamEnded: the server ended the stream (clean end of body or the
	// multipart close delimiter). Pull never returns nil; this is its error
	// for a stream that simply stopped.
	ErrStreamEnded = errors.New("mpjpeg: stream ended")
	// ErrBadBoundary: Writer was given a boundary that RFC 2046 §5.1.1 does not
	// allow (1 to 70 characters from its bchars set, not ending in a space).
	ErrBadBoundary = errors.New("mpjpeg: invalid boundary")
)

// StatusError reports an HTTP reply whose status is not 200 OK (404, 401 ...).
type StatusError struct {
	URL        string // the request URL with any password redacted
	StatusCode int    // e.g. 401
	Status     string // e.g. "401 Unauthorized"
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("mpjpeg: GET %s: HTTP status %s", e.URL, e.Status)
}
