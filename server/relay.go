package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/client"
)

// puller is a running relay: one connection to the path's source however
// many readers there are, reconnecting with capped exponential back-off
// until stopped.
type puller struct {
	ls     *liveStream
	cancel context.CancelFunc
	done   chan struct{}
}

// stop ends the relay and waits for it (an RTSP source gets TEARDOWN).
func (p *puller) stop() {
	p.cancel()
	<-p.done
}

// run connects to the source, feeds its frames to the path, and on failure
// waits RelayBackoff (doubling up to RelayMaxBackoff) and tries again. The
// first failure of a run of failures is logged at Warn with its reason,
// the rest at Debug, and the recovery at Info: one line per outage.
func (p *puller) run(ctx context.Context) {
	defer close(p.done)
	ls, cfg := p.ls, p.ls.srv.cfg
	log := ls.srv.log.With("stream", ls.st.Name, "source", redactURL(ls.cfg.Source))
	backoff := cfg.RelayBackoff
	failing := false
	for ctx.Err() == nil {
		epoch := ls.newEpoch()
		got := false
		onFrame := func(jpeg []byte, src uint32, hasSrc bool, arrival time.Time) {
			if !got {
				got = true
				ls.setConnected(true)
				if failing {
					log.Info("relay source back")
				} else {
					log.Info("relay source connected")
				}
				failing = false
				backoff = cfg.RelayBackoff
			}
			ls.ingest(jpeg, src, hasSrc, epoch, arrival)
		}
		err := p.pullOnce(ctx, onFrame)
		ls.setConnected(false)
		if ctx.Err() != nil {
			return
		}
		if !failing {
			log.Warn("relay source failed; reconnecting", "err", err, "delay", backoff)
			failing = true
		} else {
			log.Debug("relay source still failing", "err", err, "delay", backoff)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, cfg.RelayMaxBackoff)
	}
}

// frameFunc receives a source's frames: the JPEG (the callee keeps it), the
// source's timestamp if it has one, and when it arrived.
type frameFunc func(jpeg []byte, src uint32, hasSrc bool, arrival time.Time)

// pullOnce reads the source until it fails or ctx ends.
func (p *puller) pullOnce(ctx context.Context, onFrame frameFunc) error {
	switch p.ls.cfg.Kind {
	case SourceRTSP:
		return p.pullRTSP(ctx, onFrame)
	case SourceHTTP, SourceSnapshot:
		return p.pullHTTP(ctx, onFrame)
	}
	return fmt.Errorf("source kind %v cannot be pulled", p.ls.cfg.Kind)
}

// pullRTSP plays an rtsp:// source with our client (RFC 2326; the lab's
// dialect too) and tears the session down when ctx ends.
func (p *puller) pullRTSP(ctx context.Context, onFrame frameFunc) error {
	pc := p.ls.cfg
	ccfg := client.Config{
		Transport:   strings.ToLower(pc.SourceTransport),
		Credentials: pc.SourceCredentials,
		Logger:      p.ls.srv.log.With("stream", p.ls.st.Name, "relay", "rtsp"),
		UserAgent:   serverName,
		// A relay that hears nothing for this long reconnects.
		MediaTimeout: 5 * time.Second,
		// Frames land in memory prepared after the frame before.
		FrameAlloc: p.ls.warmJPEG.get,
	}
	if ccfg.Transport == "" {
		ccfg.Transport = client.TransportAuto
	}
	sess, err := client.Dial(ctx, pc.Source, ccfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer sess.Close()
	if err := sess.Setup(ctx); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if err := sess.Play(ctx); err != nil {
		return fmt.Errorf("play: %w", err)
	}
	frames := sess.Frames()
	for {
		select {
		case <-ctx.Done():
			tctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = sess.Teardown(tctx)
			cancel()
			return ctx.Err()
		case f, ok := <-frames:
			if !ok {
				return sourceEnded(sess.Err())
			}
			onFrame(f.JPEG, f.Timestamp, !sess.Lab(), f.Arrival)
		case <-sess.Done():
			// Deliver what is already queued, then report the end.
			for {
				select {
				case f, ok := <-frames:
					if ok {
						onFrame(f.JPEG, f.Timestamp, !sess.Lab(), f.Arrival)
						continue
					}
				default:
				}
				return sourceEnded(sess.Err())
			}
		}
	}
}

// sourceEnded turns a finished source's error into the reason logged.
func sourceEnded(err error) error {
	if err == nil {
		return errors.New("source ended the stream")
	}
	return err
}

// ingest converts a relayed frame RFC 2435 cannot carry as it is (once, for
// every reader) and pushes it to the path; frames that cannot be used are
// dropped, counted and logged once per source connection.
func (ls *liveStream) ingest(jpeg []byte, src uint32, hasSrc bool, epoch uint64, arrival time.Time) {
	if len(jpeg) > ls.srv.cfg.MaxFrameBytes {
		ls.countDropped(1)
		return
	}
	out, err := carriable(jpeg)
	if err == nil {
		err = ls.push(out, src, hasSrc, epoch, arrival)
	} else {
		ls.countDropped(1)
	}
	if err != nil {
		ls.srv.log.Debug("relay frame dropped", "stream", ls.st.Name, "err", err)
	}
}
