package client

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// Play starts (or resumes) playing, after Setup if needed (RFC 2326
// §10.5). With transport "auto" over UDP it waits up to NoPacketTimeout for
// the first packet and otherwise tears the UDP session down and plays over
// TCP instead.
func (s *Session) Play(ctx context.Context) error {
	if err := s.acquire(ctx, "Play"); err != nil {
		return err
	}
	defer s.release()
	switch st := s.State(); st {
	case StateInit:
		if err := s.setupHeld(ctx); err != nil {
			return err
		}
	case StatePlaying:
		return nil
	case StateReady:
	default:
		return stateError("Play", st)
	}
	return s.ctl.play(ctx)
}

// playStandard sends PLAY; with transport "auto" over UDP it falls back to
// TCP when no packet arrives.
func (s *Session) playStandard(ctx context.Context) error {
	if err := s.playRequest(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	m := s.media
	s.mu.Unlock()
	if m == nil {
		return ErrClosed
	}
	if s.cfg.Transport != TransportAuto || m.transport != TransportUDP {
		return nil
	}
	t := time.NewTimer(s.cfg.NoPacketTimeout)
	defer t.Stop()
	select {
	case <-m.recv.firstPacket:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.ctx.Done():
		return ErrClosed
	case <-t.C:
	}
	s.log.Warn("no UDP packet: switching to TCP", "after", s.cfg.NoPacketTimeout)
	return s.fallbackTCP(ctx)
}

// playRequest sends PLAY, with a Range the first time (npt=now- for a live
// stream), and marks the session playing.
func (s *Session) playRequest(ctx context.Context) error {
	s.mu.Lock()
	d, played := s.desc, s.played
	s.mu.Unlock()
	hdr := s.sessionHeader()
	if !played {
		rng := "npt=0.000-"
		if strings.HasPrefix(d.Range, "npt=now") {
			rng = "npt=now-"
		}
		hdr = append(hdr, rtsp.Field{Name: "Range", Value: rng})
	}
	resp, err := s.do(ctx, "PLAY", d.AggregateControl, hdr, s.cfg.Timeout)
	if err != nil {
		return err
	}
	if !isSuccess(resp.StatusCode) {
		return statusError("PLAY", d.AggregateControl, resp)
	}
	s.markPlaying()
	return nil
}

// markPlaying records an answered PLAY: the state, and the start of the
// receiver's idle clock.
func (s *Session) markPlaying() {
	s.mu.Lock()
	m := s.media
	if s.state != StateClosed {
		s.state, s.played = StatePlaying, true
	}
	s.mu.Unlock()
	if m != nil {
		m.recv.setPlaying(time.Now())
	}
}

// fallbackTCP replaces a silent UDP session by a TCP one: TEARDOWN, then
// SETUP RTP/AVP/TCP without a Session header on the same connection (as
// ffmpeg does), or on a new one if the server closed it.
func (s *Session) fallbackTCP(ctx context.Context) error {
	s.mu.Lock()
	d := s.desc
	s.mu.Unlock()
	if resp, err := s.do(ctx, "TEARDOWN", d.AggregateControl, s.sessionHeader(), s.cfg.Timeout); err != nil {
		s.log.Info("TEARDOWN of the UDP session failed", "err", err)
	} else if !isSuccess(resp.StatusCode) {
		s.log.Info("TEARDOWN of the UDP session refused", "status", resp.StatusCode)
	}
	s.dropMedia()
	s.mu.Lock()
	cc := s.cc
	s.mu.Unlock()
	if !cc.alive() {
		if err := s.reconnect(ctx); err != nil {
			return err
		}
	}
	err := s.setupTCP(ctx)
	if errors.Is(err, errConnClosed) {
		if err = s.reconnect(ctx); err == nil {
			err = s.setupTCP(ctx)
		}
	}
	if err != nil {
		return err
	}
	return s.playRequest(ctx)
}

// Pause pauses playing (RFC 2326 §10.6); Play resumes.
func (s *Session) Pause(ctx context.Context) error {
	if err := s.acquire(ctx, "Pause"); err != nil {
		return err
	}
	defer s.release()
	switch st := s.State(); st {
	case StateReady:
		return nil
	case StatePlaying:
	default:
		return stateError("Pause", st)
	}
	s.mu.Lock()
	m := s.media
	s.mu.Unlock()
	if err := s.ctl.request(ctx, "PAUSE"); err != nil {
		return err
	}
	if m != nil {
		m.recv.setPlaying(time.Time{})
	}
	s.mu.Lock()
	if s.state != StateClosed {
		s.state = StateReady
	}
	s.mu.Unlock()
	return nil
}
