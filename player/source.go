package player

import (
	"context"

	"github.com/rtpstream/rtpstream/client"
)

// Source is one network session the player drives: the RTSP client state
// machine (RFC 2326 Appendix A.1) and the frames it receives.
// *client.Session implements it; tests use fakes.
type Source interface {
	// Setup sends SETUP (RFC 2326 §10.4).
	Setup(ctx context.Context) error
	// Play starts or resumes playing, after Setup when needed (§10.5).
	Play(ctx context.Context) error
	// Pause stops the media without ending the session (§10.6).
	Pause(ctx context.Context) error
	// Teardown ends the session (§10.7) and releases it; a Source is not
	// used again after Teardown or Close.
	Teardown(ctx context.Context) error
	// Close releases the session without TEARDOWN.
	Close() error
	// State is where the session stands.
	State() client.State
	// Stats is a snapshot of the reception statistics.
	Stats() client.Stats
	// Frames delivers complete JPEG frames; it is never closed.
	Frames() <-chan client.Frame
	// Done is closed when the media ends; Err then says why.
	Done() <-chan struct{}
	// Err is why Done closed, nil before.
	Err() error
}

// Dialer opens a Source for a URL: for an RTSP server, OPTIONS and
// DESCRIBE (client.Dial). The player dials when Setup or Play is pressed
// with no session, and again after Teardown.
type Dialer func(ctx context.Context, url string) (Source, error)

// ClientDialer returns a Dialer over the client package with cfg (transport,
// lab dialect, RTP port, credentials...).
func ClientDialer(cfg client.Config) Dialer {
	return func(ctx context.Context, url string) (Source, error) {
		s, err := client.Dial(ctx, url, cfg)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

var _ Source = (*client.Session)(nil)
