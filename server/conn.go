package server

import (
	"container/list"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/internal/interleave"
	"github.com/rtpstream/rtpstream/rtsp"
)

// conn is one RTSP control connection. Its goroutine reads requests (and
// interleaved RTCP from TCP clients) and answers them in order; out sends
// the responses and, for TCP-interleaved sessions, their media (tcp.go).
type conn struct {
	srv    *Server
	nc     net.Conn
	r      *rtsp.Reader
	remote string
	peer   netip.Addr
	// key is what the per-address limit counts peer as (addrKey).
	key netip.Addr
	out *interleave.Conn
	// fresh is c's place in Server.fresh while it has completed no
	// request (guarded by Server.mu; admit.go).
	fresh *list.Element
	// served is set once a request completed (the goroutine owns it).
	served bool

	mu       sync.Mutex
	sessions map[*Session]struct{}
	closed   bool
	// ann is the publisher's latest ANNOUNCE on this connection.
	ann *announcement
	// strayFrames counts interleaved frames on channels no session of
	// this connection set up (the connection's goroutine owns it).
	strayFrames uint64
	// ignored are interleaved channels of tracks a publisher set up that
	// we do not take (audio beside the video).
	ignored map[uint8]bool
	// auth is the connection's Digest nonces (auth.go).
	auth connAuth
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv:      s,
		nc:       nc,
		r:        rtsp.NewReader(nc, s.cfg.Limits),
		remote:   nc.RemoteAddr().String(),
		sessions: make(map[*Session]struct{}),
		ignored:  make(map[uint8]bool),
	}
	if ap, err := netip.ParseAddrPort(c.remote); err == nil {
		c.peer = ap.Addr().Unmap()
	}
	c.key = addrKey(c.peer)
	c.out = s.newInterleaved(nc)
	return c
}

// serve runs the connection until the peer closes it, it times out, or
// the server stops. Sessions created on it end with it: GStreamer does not
// always send TEARDOWN (interop.md).
func (c *conn) serve(ctx context.Context) {
	log := c.srv.log.With("remote", c.remote)
	defer func() {
		if r := recover(); r != nil {
			log.Error("connection handler panic", "panic", r, "stack", string(debug.Stack()))
		}
		c.close()
		for _, ss := range c.ownSessions() {
			c.srv.closeSession(ss, "connection closed")
		}
	}()
	go c.out.Run()
	// The first request is due soon after accept; the deadline then moves
	// only on activity (extendDeadline), never on stray frames.
	_ = c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.FirstRequestTimeout))
	// The loop ends on a read error: the peer closed, a timeout, or the
	// server's shutdown closed the connection once its queue (the RTCP
	// BYE of its sessions) was written. It must not end on ctx alone:
	// closing the connection here could cut that BYE (drainConns).
	for {
		msg, err := c.r.Read()
		if err != nil {
			// Sessions kept alive by RTCP alone (RFC 3550 6.3.5) keep their
			// connection: wait on while any of them lives, if no request
			// was cut in half.
			if isTimeout(err) && c.r.Buffered() == 0 && c.hasSessions() {
				c.extendDeadline()
				continue
			}
			c.readError(msg, err, log)
			return
		}
		switch m := msg.(type) {
		case *rtsp.Request:
			resp, after := c.handle(ctx, m)
			if !c.served {
				// Before the response: a client that has it is served.
				c.served = true
				c.srv.requestDone(c)
			}
			if err := c.write(resp); err != nil {
				log.Debug("write response", "err", err)
				return
			}
			if after != nil {
				after()
			}
			c.extendDeadline()
		case *rtsp.Frame:
			if c.interleaved(m) {
				c.extendDeadline()
			}
		case *rtsp.Response:
			// Answers to requests we never send: ignore.
		}
	}
}

// extendDeadline moves the read deadline after activity: a request, or a
// frame a session of this connection took. A connection without sessions
// must complete a request within the read timeout; one with sessions
// keeps them alive by requests or interleaved RTCP within the session
// timeout. Anything else (empty frames, frames on channels no session set
// up, responses) leaves the deadline where it is, so a peer cannot hold a
// connection by trickling them.
func (c *conn) extendDeadline() {
	timeout := c.srv.cfg.ReadTimeout
	if c.hasSessions() {
		timeout = c.srv.cfg.SessionTimeout
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
}

// readError answers what can still be answered (505 for a wrong version,
// 400 for a malformed or oversized request) before the connection closes.
func (c *conn) readError(msg any, err error, log interface {
	Debug(string, ...any)
}) {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return
	case errors.Is(err, rtsp.ErrBadVersion):
		if req, ok := msg.(*rtsp.Request); ok && req != nil {
			_ = c.write(c.finish(c.reply(req, rtsp.StatusRTSPVersionNotSupported), dialectOf(req)))
		}
	case isTimeout(err):
		log.Debug("connection idle: closing", "err", err)
		return
	default:
		var req *rtsp.Request
		if r, ok := msg.(*rtsp.Request); ok {
			req = r
		}
		_ = c.write(c.finish(c.reply(req, rtsp.StatusBadRequest), standard))
	}
	log.Debug("closing connection after bad request", "err", err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// write sends one response in one write call (the lab client needs one
// response per TCP segment).
func (c *conn) write(resp *rtsp.Response) error {
	return c.out.WriteMessage(resp.Marshal())
}

// interleaved handles a '$' frame from the client: a publisher's RTP goes
// to its path; RTCP on a session's RTCP channel counts as activity
// (GStreamer over TCP sends no RTSP keepalive). Frames on channels no
// session set up are ignored and counted. It reports whether a session of
// this connection took the frame (activity, which keeps the connection).
func (c *conn) interleaved(f *rtsp.Frame) bool {
	now := time.Now()
	taken := false
	for _, ss := range c.ownSessions() {
		switch {
		case !ss.tr.tcp:
			continue
		case ss.pub != nil && f.Channel == ss.pub.channel && ss.pub.videoSetUp:
			ss.pub.ingest(f.Payload, now)
		case f.Channel == ss.tr.rtcpChannel:
			ss.receiveRTCP(f.Payload, now)
		case f.Channel == ss.tr.rtpChannel:
			ss.touch(now)
		default:
			continue
		}
		taken = true
	}
	if !taken {
		// A channel no session set up (or an ignored audio track's).
		c.strayFrames++
	}
	return taken
}

func (c *conn) ownSessions() []*Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Session, 0, len(c.sessions))
	for ss := range c.sessions {
		out = append(out, ss)
	}
	return out
}

// ownSession returns the session with this ID if this connection made it.
// A session belongs to the connection that set it up and ends with it
// (RFC 2326 lets a session outlive its connection; we do not): a request
// naming another connection's session is answered 454 as if the session
// did not exist, so knowing an ID gives no control over someone's stream.
func (c *conn) ownSession(id string) *Session {
	if id == "" {
		return nil
	}
	ss := c.srv.session(id)
	if ss == nil || ss.conn != c {
		return nil
	}
	return ss
}

func (c *conn) hasSessions() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions) > 0
}

func (c *conn) adopt(ss *Session) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.sessions) >= c.srv.cfg.MaxSessionsPerConn {
		return false
	}
	c.sessions[ss] = struct{}{}
	return true
}

func (c *conn) forget(ss *Session) {
	c.mu.Lock()
	delete(c.sessions, ss)
	c.mu.Unlock()
}

// usedChannels reports the interleaved channels taken by this connection's
// sessions.
func (c *conn) usedChannels() map[uint8]bool {
	used := map[uint8]bool{}
	c.mu.Lock()
	for ch := range c.ignored {
		used[ch] = true
	}
	c.mu.Unlock()
	for _, ss := range c.ownSessions() {
		ss.mu.Lock()
		if ss.tr.tcp && ss.state != stateClosed {
			used[ss.tr.rtpChannel], used[ss.tr.rtcpChannel] = true, true
		}
		ss.mu.Unlock()
	}
	return used
}

func (c *conn) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.out.Stop()
	c.nc.Close()
}
