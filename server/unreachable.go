package server

import (
	"context"
	"net/netip"
	"time"
)

// A UDP reader whose client has gone (its RTP port answers ICMP port
// unreachable, RFC 1122 3.2.2.1) would get the stream until the session
// timeout. The RTP socket reports the destinations that ICMP says are
// unreachable (udpbatch.Conn.Unreachable, from the socket's error queue);
// a session whose RTP destination keeps answering so for
// unreachablePause is paused: state Ready, no more sends. A PLAY from the
// client resumes it; RTSP or RTCP keep it alive as any paused session,
// else the session timeout ends it.
const (
	// unreachablePoll is how often the RTP socket's errors are collected.
	unreachablePoll = 250 * time.Millisecond
	// unreachablePause is how long a destination must keep answering
	// with ICMP errors before its sessions are paused: a few seconds, so
	// that a client restarting its socket is not paused.
	unreachablePause = 2 * time.Second
	// unreachableGap is the longest quiet time that still counts as
	// "keeps answering"; after it a destination starts over.
	unreachableGap = time.Second
	// maxUnreachableTracked bounds the destinations followed at once.
	maxUnreachableTracked = 4096
)

// unreachableRun is since when, and until when, ICMP errors came from one
// destination.
type unreachableRun struct{ first, last time.Time }

// watchUnreachable turns on the RTP socket's ICMP error reports and
// pauses the sessions whose destinations keep answering with them, until
// ctx ends. Where the platform has no error reports it returns at once.
func (s *Server) watchUnreachable(ctx context.Context) {
	if err := s.udp.batch.ReportUnreachable(); err != nil {
		s.log.Debug("ICMP errors not reported: UDP sessions of vanished clients run until their timeout", "err", err)
		return
	}
	tick := time.NewTicker(unreachablePoll)
	defer tick.Stop()
	runs := make(map[netip.AddrPort]unreachableRun)
	var dsts []netip.AddrPort
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			dsts = s.udp.batch.Unreachable(dsts[:0])
			s.noteUnreachable(runs, dsts, now)
		}
	}
}

// noteUnreachable adds a poll's unreachable destinations to runs, forgets
// the runs that ended, and pauses the sessions of those that lasted.
func (s *Server) noteUnreachable(runs map[netip.AddrPort]unreachableRun, dsts []netip.AddrPort, now time.Time) {
	for _, d := range dsts {
		r, ok := runs[d]
		if !ok {
			if len(runs) >= maxUnreachableTracked {
				continue
			}
			r.first = now
		}
		r.last = now
		runs[d] = r
	}
	for d, r := range runs {
		switch {
		case now.Sub(r.last) > unreachableGap:
			delete(runs, d)
		case now.Sub(r.first) >= unreachablePause:
			s.pauseUnreachable(d, now.Sub(r.first))
			delete(runs, d)
		}
	}
}

// pauseUnreachable pauses the playing UDP readers that send RTP to dst.
func (s *Server) pauseUnreachable(dst netip.AddrPort, lasted time.Duration) {
	s.mu.Lock()
	all := make([]*Session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		if ss.pub == nil {
			all = append(all, ss)
		}
	}
	s.mu.Unlock()
	for _, ss := range all {
		ss.mu.Lock()
		paused := ss.state == statePlaying && !ss.tr.tcp && ss.tr.rtpDst == dst
		if paused {
			ss.state = stateReady
			ss.gen++
			if ls := ss.stream.live; ls != nil {
				ls.setPlaying(ss, false)
			}
		}
		ss.mu.Unlock()
		if paused {
			s.log.Warn("UDP client unreachable: session paused", "session", ss.id, "stream", ss.stream.Name,
				"destination", dst.String(), "icmp_errors_for", lasted.Round(time.Millisecond))
		}
	}
}
