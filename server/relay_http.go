package server

import (
	"context"
	"time"

	"github.com/rtpstream/rtpstream/mpjpeg"
)

// pullHTTP reads an http:// multipart/x-mixed-replace MJPEG stream, or polls
// a snapshot URL, until it fails or ctx ends. HTTP cameras carry no
// timestamps: the wall clock gives the timeline's steps.
func (p *puller) pullHTTP(ctx context.Context, onFrame frameFunc) error {
	pc := p.ls.cfg
	cfg := mpjpeg.PullConfig{
		// A camera that goes quiet this long is reconnected.
		IdleTimeout: 5 * time.Second,
		Options:     mpjpeg.Options{MaxPartBytes: p.ls.srv.cfg.MaxFrameBytes},
	}
	if c := pc.SourceCredentials; c != nil {
		cfg.User, cfg.Pass = c.Username, c.Password
	}
	deliver := func(jpeg []byte) { onFrame(jpeg, 0, false, time.Now()) }
	if pc.Kind == SourceSnapshot {
		cfg.IdleTimeout = max(cfg.IdleTimeout, 3*pc.SnapshotInterval)
		return mpjpeg.PollSnapshots(ctx, pc.Source, pc.SnapshotInterval, cfg, deliver)
	}
	return mpjpeg.Pull(ctx, pc.Source, cfg, deliver)
}
