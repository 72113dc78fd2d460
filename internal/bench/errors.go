package bench

import "errors"

var (
	// ErrURL reports a URL that is not rtsp://HOST[:PORT]/PATH.
	ErrURL = errors.New("bench: bad URL")
	// ErrStatus reports a non-2xx RTSP response during set-up.
	ErrStatus = errors.New("bench: RTSP error status")
	// ErrNoVideo reports a DESCRIBE without a video stream.
	ErrNoVideo = errors.New("bench: no video stream in SDP")
	// ErrTransport reports a SETUP response without a usable Transport.
	ErrTransport = errors.New("bench: bad Transport in SETUP response")
	// ErrNoClients reports that no client could start playing.
	ErrNoClients = errors.New("bench: no client is playing")
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("bench: bad configuration")
	// ErrAuth reports a 401 the bench cannot answer: no credentials in the
	// URL, credentials refused, or no supported scheme (RFC 2326 §12.44).
	ErrAuth = errors.New("bench: authentication failed")
	// ErrPublish reports a publisher that could not start or stopped
	// during the run.
	ErrPublish = errors.New("bench: publish failed")
)
