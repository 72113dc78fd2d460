package client

import (
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"
)

// maintain runs the session's timers from Dial until Close: idle detection
// (lab end of stream, media timeout), RTCP receiver reports every
// ~RTCPInterval, and keepalive requests every session-timeout/2
// (GET_PARAMETER when the server lists it in Public, else OPTIONS).
func (s *Session) maintain() {
	defer close(s.maintained)
	tick := time.NewTicker(min(s.cfg.UDPReadTimeout, 250*time.Millisecond))
	defer tick.Stop()
	nextRR := time.Now().Add(rtcpInterval(s.cfg.RTCPInterval))
	for {
		var now time.Time
		select {
		case <-s.ctx.Done():
			return
		case now = <-tick.C:
		}
		s.mu.Lock()
		m, sid, timeout, cc, last, ended := s.media, s.sessionID, s.sessionTimeout, s.cc, s.lastRequest, s.endErr != nil
		s.mu.Unlock()
		if m == nil {
			continue
		}
		if cc != nil && !cc.alive() {
			// The server closed the connection: the end of the stream,
			// and no more requests or interleaved reports.
			if !ended {
				m.recv.flush()
				s.end(fmt.Errorf("%w: %w", ErrEndOfStream, cc.closedErr()))
			}
			continue
		}
		if !ended {
			s.checkIdle(m, now)
		}
		if sid == "" {
			continue
		}
		if s.d.rtcp && !now.Before(nextRR) {
			m.sendReport(now)
			nextRR = now.Add(rtcpInterval(s.cfg.RTCPInterval))
		}
		if s.d.keepalive && now.Sub(last) >= timeout/2 {
			s.keepalive()
		}
	}
}

// checkIdle ends the media when no packet arrived for too long while
// playing: the lab's end of stream, or a media timeout.
func (s *Session) checkIdle(m *media, now time.Time) {
	idle, playing := m.recv.idle(now)
	switch {
	case !playing:
	case s.d.silenceEnds && idle >= s.cfg.LabEndTimeout:
		m.recv.flush()
		s.end(fmt.Errorf("%w: no packet for %v", ErrEndOfStream, idle.Round(time.Millisecond)))
	case !s.d.silenceEnds && idle >= s.cfg.MediaTimeout:
		m.recv.flush()
		s.end(fmt.Errorf("%w: no media for %v", ErrTimeout, idle.Round(time.Millisecond)))
	}
}

// keepalive refreshes the server's session timer (RFC 2326 §12.37). It
// skips its turn while an operation holds the op token: that operation's
// requests refresh the timer too, and the next tick tries again.
func (s *Session) keepalive() {
	if !s.tryAcquire() {
		return
	}
	defer s.release()
	s.mu.Lock()
	d := s.desc
	s.mu.Unlock()
	if d == nil {
		return
	}
	method := "OPTIONS"
	if slices.ContainsFunc(d.Public, func(m string) bool { return strings.EqualFold(m, "GET_PARAMETER") }) {
		method = "GET_PARAMETER"
	}
	resp, err := s.do(s.ctx, method, d.AggregateControl, s.sessionHeader(), s.cfg.Timeout)
	if err != nil {
		s.log.Warn("keepalive failed", "method", method, "err", err)
		return
	}
	if !isSuccess(resp.StatusCode) {
		s.log.Warn("keepalive refused", "method", method, "status", resp.StatusCode)
	}
}

// rtcpInterval randomises the report interval to [0.5, 1.5] times the mean
// (RFC 3550 §6.3.1).
func rtcpInterval(mean time.Duration) time.Duration {
	return time.Duration(float64(mean) * (0.5 + mrand.Float64()))
}
