package client

import "context"

// dialect is everything in which one kind of server differs from another,
// in one place: a session holds one (Session.d) and the code asks it,
// instead of testing "is this a lab server" wherever a difference shows.
// There are two: RFC 2326/3550/2435 as real servers speak them (ffmpeg,
// GStreamer, mediamtx, cameras, ours) and the Kurose-Ross lab's simplified
// one (../shared/design/lab-dialect.md).
//
// How payloads are carried (RFC 2435 fragments, or one whole JPEG per
// datagram in the lab) is not a field: rtpjpeg.Depacketizer tells them
// apart by the payload (a whole JPEG starts with FF D8), so one receiver
// serves both.
type dialect struct {
	// name is how logs call it.
	name string
	// control is the procedure that drives the session: RFC 2326's
	// (OPTIONS and DESCRIBE at Dial, SETUP per transport, PLAY with Range,
	// 401 challenges and redirects; rtspControl) or the lab's handshake (no
	// OPTIONS or DESCRIBE, which the lab server never answers; SETUP, PLAY,
	// PAUSE, TEARDOWN as single "\n" segments; labControl in lab.go).
	control func(*Session) control
	// maxRequest is the largest request the server reads, in bytes, or 0
	// for no limit: the lab server reads one segment of at most 256 bytes.
	maxRequest int
	// interleaved: RTP/AVP/TCP interleaved in the control connection exists
	// (RFC 2326 10.12), as does the "auto" fallback to it; the lab streams
	// over UDP only.
	interleaved bool
	// rtcp: the session has an RTCP port, reads SR and BYE and sends
	// receiver reports (RFC 3550 6); the lab has no RTCP and uses one port.
	rtcp bool
	// keepalive: the server's session timer is refreshed by requests every
	// session-timeout/2 (RFC 2326 12.37); the lab server has no timer (and
	// answers no OPTIONS or GET_PARAMETER).
	keepalive bool
	// silenceEnds: the server has no end-of-stream signal (no RTCP BYE, no
	// close), so no packet for Config.LabEndTimeout while playing is the end
	// of the stream (ErrEndOfStream). Otherwise silence for
	// Config.MediaTimeout is a failure (ErrTimeout).
	silenceEnds bool
	// nominalClock: RTP timestamps are useless for the jitter (the lab's are
	// whole seconds), so it is computed against the nominal schedule,
	// timestamp = sequence number × Config.LabFrameInterval (RFC 3550 A.8
	// needs a media clock).
	nominalClock bool
}

var (
	// standard is RFC 2326, RFC 3550 and RFC 2435 as the real peers speak
	// them (../shared/design/interop.md).
	standard = &dialect{
		name:        "rtsp",
		control:     newRTSPControl,
		interleaved: true,
		rtcp:        true,
		keepalive:   true,
	}
	// labDialect is the lab server's: chosen by Config.Lab, or when OPTIONS
	// goes unanswered for Config.LabProbeTimeout.
	labDialect = &dialect{
		name:         "lab",
		control:      newLabControl,
		maxRequest:   256,
		silenceEnds:  true,
		nominalClock: true,
	}
)

// dialectFor is the dialect a configuration starts with.
func dialectFor(c *Config) *dialect {
	if c.Lab {
		return labDialect
	}
	return standard
}

// control is a dialect's procedure for driving a session. Session calls it
// holding the op token (Setup, Play, Pause, Teardown are serialised); the state
// checks are the Session's.
type control interface {
	// dial connects (and, in RFC 2326, describes the stream).
	dial(ctx context.Context) error
	// setup sends SETUP and installs the media.
	setup(ctx context.Context) error
	// play sends PLAY and marks the session playing.
	play(ctx context.Context) error
	// request sends PAUSE or TEARDOWN for the session and checks the answer.
	request(ctx context.Context, method string) error
	// close closes the control connection.
	close()
}

// use makes d the session's dialect and its procedure the session's
// control. It is called during Dial only (before any goroutine reads s.d).
func (s *Session) use(d *dialect) {
	s.d = d
	s.ctl = d.control(s)
}
