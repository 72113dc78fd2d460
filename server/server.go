// Package server is the RTSP/RTP Motion-JPEG server: it answers RTSP 1.0
// (RFC 2326) and the lab's simplified dialect, keeps one session per client
// and sends each stream's frames, packetized once (RFC 2435), to every
// playing session from a single scheduler over shared UDP sockets or the
// client's TCP connection (interleaved).
package server

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/internal/interleave"
	"github.com/rtpstream/rtpstream/internal/udpbatch"
)

// ErrServerClosed is returned by Serve after the server has shut down.
var ErrServerClosed = errors.New("server closed")

// Server serves the streams of a catalog over RTSP. Create it with New,
// bind with Listen, run with Serve.
type Server struct {
	// ctx is New's context: media files' background goroutines (reading
	// ahead, converting) end with it, or when Serve returns.
	ctx context.Context
	cfg Config
	// frames caches media files' frames (framestore.go).
	frames *frameCache
	log    *slog.Logger
	cat    *catalog
	sched  *scheduler
	udp    *udpPair
	ln     net.Listener
	// authLimit slows down addresses giving wrong credentials (authlimit.go).
	authLimit *authLimiter

	// pending are the UDP frames queued in one scheduler wake-up and
	// pendingSR the UDP sender reports (both owned by the scheduler
	// goroutine); udpErrors counts failed batch sends.
	pending   []udpbatch.Datagrams
	pendingSR []udpbatch.Datagrams
	udpErrors atomic.Uint64
	// liveDelay times live frames through the server (Status.LiveDelay);
	// the scheduler goroutine observes.
	liveDelay delayHistogram
	// rtpBuf is drainRTP's datagram scratch, owned by the scheduler
	// goroutine.
	rtpBuf []byte
	// authFailures counts requests refused for credentials (RTSP and
	// HTTP); refused counts connections and viewers refused by limits;
	// httpViewers counts the MJPEG viewers now watching.
	authFailures, refused atomic.Uint64
	httpViewers           atomic.Int64
	// tcpBatch sends the wake-up's TCP frames (tcp.go); Serve makes it
	// before accepting connections, the scheduler goroutine owns it.
	tcpBatch *interleave.Batch

	// watch tunes the media folder's watcher (watch.go; tests shorten it).
	watch watchConfig

	// started is when New made the server.
	started time.Time
	// bg counts the relay pullers, which Serve waits for.
	bg sync.WaitGroup

	mu sync.Mutex
	// feeds are the files played to HTTP viewers (see fileFeed); viewers
	// are the HTTP viewers watching, and what.
	feeds   map[*Stream]*fileFeed
	viewers map[*httpViewer]*Stream
	// baseCtx is Serve's context, the parent of relay pullers (nil before
	// Serve and after it ends).
	baseCtx  context.Context
	sessions map[string]*Session
	byRTCP   map[netip.AddrPort]*Session
	// byRTPSrc maps where a UDP publisher's RTP comes from to its session.
	byRTPSrc map[netip.AddrPort]*Session
	conns    map[*conn]struct{}
	// perAddr counts the connections in conns by addrKey; fresh lists
	// those that have completed no request, oldest first (admit.go).
	perAddr map[netip.Addr]int
	fresh   list.List
	closed  bool
}

// New renders the test pattern and lists the media folder's files (opened
// on first use) and returns a server ready to Listen.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := validateFiles(cfg.Files); err != nil {
		return nil, err
	}
	cat, err := loadCatalog(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{
		ctx:      ctx,
		frames:   newFrameCache(cfg.FrameCacheBytes),
		cfg:      cfg,
		started:  time.Now(),
		log:      cfg.Logger,
		cat:      cat,
		sessions: make(map[string]*Session),
		byRTCP:   make(map[netip.AddrPort]*Session),
		byRTPSrc: make(map[netip.AddrPort]*Session),
		conns:    make(map[*conn]struct{}),
	}
	s.authLimit = newAuthLimiter(cfg.AuthThrottle, s.log)
	s.sched = newScheduler(s.sendDue, s.flush)
	s.sched.deliver = s.deliverLive
	s.sched.sent = s.liveSent
	s.warnUnmatchedFiles(cfg.Files)
	if err := s.SetPaths(cfg.Paths); err != nil {
		return nil, err
	}
	return s, nil
}

// Ready is closed when the test pattern's frames are all rendered (in
// the background from New on; until then a frame not rendered yet is
// skipped). Benchmarks and tests that count frames wait for it.
func (s *Server) Ready() <-chan struct{} { return s.cat.pattern.rendered }

// Streams lists the served stream paths ("/test", "/movie.Mjpeg", ...).
func (s *Server) Streams() []string { return s.cat.names() }

// Listen binds the RTSP TCP listener on addr and the RTP/RTCP UDP port pair
// on the same host.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	host := ln.Addr().(*net.TCPAddr).IP
	u, err := listenUDPPair(host, s.cfg.DisableGSO)
	if err != nil {
		ln.Close()
		return err
	}
	s.ln, s.udp = ln, u
	s.log.Info("listening", "rtsp", ln.Addr().String(), "rtp_port", u.rtpPort, "rtcp_port", u.rtpPort+1, "udp_send", u.mode())
	return nil
}

// Addr is the bound RTSP address (after Listen).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URLs returns rtsp://HOST:PORT/NAME for every stream, HOST as listened on
// (127.0.0.1 for loopback or unspecified addresses).
func (s *Server) URLs() []string {
	a := s.ln.Addr().(*net.TCPAddr)
	host := a.IP.String()
	if a.IP.IsUnspecified() || a.IP.IsLoopback() && a.IP.To4() != nil {
		host = "127.0.0.1"
	} else if a.IP.To4() == nil {
		host = "[" + host + "]"
	}
	var out []string
	for _, n := range s.Streams() {
		out = append(out, "rtsp://"+host+":"+strconv.Itoa(a.Port)+n)
	}
	return out
}

// Serve accepts connections until ctx is cancelled, then says BYE to every
// playing session, closes all connections and returns nil.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		return errors.New("serve: Listen first")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.baseCtx = ctx
	s.mu.Unlock()
	for _, ls := range s.cat.lives() {
		ls.start()
	}
	s.mu.Lock()
	feeds := make([]*fileFeed, 0, len(s.feeds))
	for _, f := range s.feeds {
		feeds = append(feeds, f)
	}
	s.mu.Unlock()
	for _, f := range feeds {
		f.start() // viewers that arrived before Serve
	}
	var wg sync.WaitGroup
	wg.Add(5)
	s.tcpBatch = interleave.NewBatch(interleave.BatchOptions{})
	// The scheduler reads the RTP port itself where it can (before it
	// runs: watch is not safe beside run).
	if fd, ok := s.udp.batch.PollFD(); !ok || !s.sched.watch(fd, s.drainRTP) {
		wg.Add(1)
		go func() { defer wg.Done(); s.readRTP() }()
	}
	go func() {
		defer wg.Done()
		s.sched.run(ctx)
		_ = s.tcpBatch.Close()
	}()
	go func() { defer wg.Done(); s.readRTCP(ctx) }()
	go func() { defer wg.Done(); s.expireSessions(ctx) }()
	go func() { defer wg.Done(); s.watchUnreachable(ctx) }()
	go func() { defer wg.Done(); s.watchMedia(ctx) }()
	go func() { <-ctx.Done(); s.ln.Close() }()

	err := s.acceptLoop(ctx, &wg)
	cancel()
	s.shutdown()
	wg.Wait()
	s.bg.Wait()
	s.cat.closeFiles()
	if errors.Is(err, ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Server) acceptLoop(ctx context.Context, wg *sync.WaitGroup) error {
	// Refusals and evictions come in floods: the first is logged, then a
	// count per interval.
	refusals := newLogThrottle(s.log, slog.LevelWarn, "connections refused", floodLogInterval)
	evictions := newLogThrottle(s.log, slog.LevelInfo, "connections that sent no request closed to admit new ones", floodLogInterval)
	defer refusals.stop()
	defer evictions.stop()
	var backoff time.Duration
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ErrServerClosed
			}
			// Temporary failures (EMFILE, ECONNABORTED) must not stop the
			// server: back off and retry, as net/http does.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else {
				backoff = min(2*backoff, time.Second)
			}
			s.log.Warn("accept failed; retrying", "err", err, "delay", backoff)
			select {
			case <-time.After(backoff):
				continue
			case <-ctx.Done():
				return ErrServerClosed
			}
		}
		backoff = 0
		c := newConn(s, nc)
		victim, why := s.admit(c)
		if why != "" {
			s.refused.Add(1)
			refusals.note(time.Now(), "connection refused", "remote", c.remote, "reason", string(why),
				"max", s.cfg.MaxConns, "max_per_addr", s.cfg.MaxConnsPerAddr)
			nc.Close()
			continue
		}
		if victim != nil {
			victim.close()
			evictions.note(time.Now(), "connection that sent no request closed to admit a new one",
				"remote", victim.remote, "max", s.cfg.MaxConns)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.serve(ctx)
			s.release(c)
		}()
	}
}

// shutdown ends every session with an RTCP BYE (UDP: sent at once; TCP:
// queued on its connection), closes every live path (a publisher's
// session ends whole), then drains every connection's queue within
// shutdownDrain before closing it (drainConns), so TCP clients get their
// BYE too.
func (s *Server) shutdown() {
	s.mu.Lock()
	s.closed = true
	var all []*Session
	for _, ss := range s.sessions {
		all = append(all, ss)
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, ls := range s.cat.lives() {
		ls.close("server shutting down")
	}
	for _, ss := range all {
		s.closeSession(ss, "server shutting down")
	}
	s.drainConns(conns)
	s.udp.close()
	s.authLimit.stop()
}

// newSessionID returns a decimal identifier of 19 digits (>= 62 random bits):
// decimal because the lab's client parses it as an integer (lab-dialect.md).
func newSessionID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	const lo = 1_000_000_000_000_000_000 // 19 digits, no leading zero
	v := lo + binary.BigEndian.Uint64(b[:])%(9*lo)
	return strconv.FormatUint(v, 10), nil
}

func randUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// addSession registers a new session, enforcing MaxSessions.
func (s *Server) addSession(ss *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.sessions) >= s.cfg.MaxSessions {
		return false
	}
	s.sessions[ss.id] = ss
	return true
}

func (s *Server) session(id string) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// setRTCPAddr records where a UDP session's RTCP comes from, so receiver
// reports find their session.
func (s *Server) setRTCPAddr(ss *Session, old, addr netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old.IsValid() && s.byRTCP[old] == ss {
		delete(s.byRTCP, old)
	}
	if addr.IsValid() {
		s.byRTCP[addr] = ss
	}
}

// udpPortsTaken tells whether a UDP transport's ports clash: another
// session already receives RTP or RTCP there (a second session claiming
// them would take over the first's receiver reports, which then expires),
// or they are the server's own RTP/RTCP ports on the server's own host (it
// would keep the session alive with its own sender reports). Either is
// refused with 461.
func (s *Server) udpPortsTaken(self *Session, local netip.Addr, addrs ...netip.AddrPort) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range addrs {
		if o := s.byRTCP[a]; o != nil && o != self {
			return true
		}
		if o := s.byRTPSrc[a]; o != nil && o != self {
			return true
		}
		own := a.Addr() == local || a.Addr().IsLoopback() && local.IsLoopback()
		if own && (int(a.Port()) == s.udp.rtpPort || int(a.Port()) == s.udp.rtpPort+1) {
			return true
		}
	}
	return false
}

// setPublisherAddrs records where a UDP publisher's RTP and RTCP come
// from. RTP from any other address (another host, another port) finds no
// session and is dropped. An address already taken by another publisher
// is not reassigned.
func (s *Server) setPublisherAddrs(ss *Session, rtpSrc, rtcpSrc netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.byRTPSrc[rtpSrc]; o == nil || o == ss {
		s.byRTPSrc[rtpSrc] = ss
	}
	if o := s.byRTCP[rtcpSrc]; o == nil || o == ss {
		s.byRTCP[rtcpSrc] = ss
	}
}

// closeSession stops a session, sends BYE if it was set up for RTP, and
// forgets it. It is safe to call more than once.
func (s *Server) closeSession(ss *Session, reason string) {
	ss.mu.Lock()
	if ss.state == stateClosed {
		ss.mu.Unlock()
		return
	}
	wasPlaying := ss.state == statePlaying
	ss.state = stateClosed
	ss.gen++
	tr := ss.tr
	if ss.d.rtcp && ss.pub == nil {
		s.sendBye(ss, reason)
	}
	ss.mu.Unlock()

	s.mu.Lock()
	delete(s.sessions, ss.id)
	if tr.rtcpDst.IsValid() && s.byRTCP[tr.rtcpDst] == ss {
		delete(s.byRTCP, tr.rtcpDst)
	}
	if tr.rtpDst.IsValid() && s.byRTPSrc[tr.rtpDst] == ss {
		delete(s.byRTPSrc, tr.rtpDst)
	}
	s.mu.Unlock()
	if ss.conn != nil {
		ss.conn.forget(ss)
	}
	if ss.pub != nil {
		ss.pub.recording.Store(false)
		ss.pub.ls.release(ss, reason)
	} else if ls := ss.stream.live; ls != nil {
		ls.detach(ss)
	}
	s.log.Info("session closed", "session", ss.id, "stream", ss.stream.Name, "reason", reason,
		"was_playing", wasPlaying, "packets", ss.packetsSent, "frames_dropped", ss.framesDropped, "frames_late", ss.framesLate)
}

// expireSessions closes sessions that sent neither RTSP nor RTCP within
// the session timeout.
func (s *Server) expireSessions(ctx context.Context) {
	tick := time.NewTicker(min(time.Second, s.cfg.SessionTimeout/4))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			var expired, silent []*Session
			s.mu.Lock()
			for _, ss := range s.sessions {
				switch {
				case now.Sub(time.Unix(0, ss.lastActive.Load())) > s.cfg.SessionTimeout:
					expired = append(expired, ss)
				case ss.pub != nil && ss.pub.recording.Load() &&
					now.Sub(time.Unix(0, ss.pub.lastRTP.Load())) > s.cfg.PublisherTimeout:
					silent = append(silent, ss)
				}
			}
			s.mu.Unlock()
			for _, ss := range expired {
				s.closeSession(ss, "timeout")
			}
			for _, ss := range silent {
				s.closeSession(ss, "publisher sent no RTP for "+s.cfg.PublisherTimeout.String())
			}
		}
	}
}
