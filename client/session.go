package client

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/internal/udpbatch"
	"github.com/rtpstream/rtpstream/rtsp"
)

// Session is one RTSP client session playing a Motion-JPEG stream: from
// Dial (OPTIONS, DESCRIBE) through Setup, Play, Pause and Teardown. Methods
// may be called from any goroutine; Setup, Play, Pause and Teardown are
// serialised. Complete frames arrive on Frames; Done closes when the media
// ends (end of stream, error, Teardown, Close).
type Session struct {
	cfg Config
	log *slog.Logger
	tgt target

	// d is the server's dialect and ctl its procedure (dialect.go); both
	// are set during Dial and read-only afterwards.
	d   *dialect
	ctl control

	reqMu       sync.Mutex // one request at a time; guards auth and lastRequest
	auth        authState
	lastRequest time.Time

	opMu sync.Mutex // serialises Setup, Play, Pause, Teardown

	mu             sync.Mutex // guards the fields below
	cc             *ctrlConn  // RFC 2326 control connection (nil in the lab dialect)
	desc           *Description
	state          State
	sessionID      string
	sessionTimeout time.Duration
	media          *media
	recv           *receiver // last receiver, kept for Stats after Close
	played         bool      // a PLAY was sent in this RTSP session

	frames    chan Frame
	done      chan struct{}
	endOnce   sync.Once
	endErr    error
	ctx       context.Context // canceled by Close: ends waits and keepalives
	cancel    context.CancelFunc
	closeOnce sync.Once
	wg        sync.WaitGroup

	ssrc  uint32 // ours, in receiver reports
	cname string
}

// Dial connects to an rtsp:// URL and describes the stream: OPTIONS then
// DESCRIBE, following up to Config.MaxRedirects 3xx answers and answering
// 401 challenges with the credentials. In the lab dialect (Config.Lab, or a
// server that leaves OPTIONS unanswered) it only connects: the lab server
// ignores OPTIONS and DESCRIBE.
//
// ctx bounds the dial only; the Session lives until Teardown or Close.
func Dial(ctx context.Context, rawURL string, cfg Config) (*Session, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tgt, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s := &Session{
		cfg:    cfg,
		log:    cfg.Logger.With("url", tgt.String()),
		tgt:    tgt,
		frames: make(chan Frame, cfg.FrameQueue),
		done:   make(chan struct{}),
		ssrc:   randUint32(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	s.cname = fmt.Sprintf("rtpstream-%08x@%s", s.ssrc, host)
	s.auth.cred = cfg.Credentials
	if s.auth.cred == nil {
		s.auth.cred = tgt.cred
	}
	s.use(dialectFor(&cfg))
	if err := s.ctl.dial(ctx); err != nil {
		s.cancel()
		return nil, err
	}
	s.wg.Add(1)
	go s.maintain()
	return s, nil
}

// errNoOptionsAnswer: OPTIONS went unanswered (lab server suspected).
var errNoOptionsAnswer = errors.New("no answer to OPTIONS")

// redirectError carries a 3xx answer's Location.
type redirectError struct {
	to   target
	code int
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("redirected (%d) to %s", e.code, e.to.String())
}

// rtspControl is the standard dialect's procedure (RFC 2326).
type rtspControl struct{ s *Session }

func newRTSPControl(s *Session) control { return rtspControl{s} }

func (c rtspControl) dial(ctx context.Context) error              { return c.s.dialStandard(ctx) }
func (c rtspControl) setup(ctx context.Context) error             { return c.s.setupStandard(ctx) }
func (c rtspControl) play(ctx context.Context) error              { return c.s.playStandard(ctx) }
func (c rtspControl) request(ctx context.Context, m string) error { return c.s.simpleRequest(ctx, m) }

func (c rtspControl) close() {
	c.s.mu.Lock()
	cc := c.s.cc
	c.s.mu.Unlock()
	if cc != nil {
		cc.close()
	}
}

func (s *Session) dialStandard(ctx context.Context) error {
	for redirects := 0; ; {
		cc, err := dialCtrl(ctx, s.tgt.addr, s.cfg.Timeout, s.log)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.cc = cc
		s.mu.Unlock()
		err = s.describe(ctx)
		if err == nil {
			return nil
		}
		s.mu.Lock()
		s.cc = nil
		s.mu.Unlock()
		cc.close()
		if re, ok := errors.AsType[*redirectError](err); ok {
			if redirects >= s.cfg.MaxRedirects {
				return fmt.Errorf("%w: more than %d (last: %v)", ErrTooManyRedirects, s.cfg.MaxRedirects, re)
			}
			redirects++
			s.log.Info("redirected", "status", re.code, "to", re.to.String())
			s.tgt = re.to
			if s.cfg.Credentials == nil && re.to.cred != nil {
				s.auth.cred = re.to.cred
			}
			s.auth.ch = nil
			continue
		}
		if errors.Is(err, errNoOptionsAnswer) {
			s.log.Info("no answer to OPTIONS: trying the lab dialect", "after", s.cfg.LabProbeTimeout)
			return s.dialProbed(ctx)
		}
		return err
	}
}

// describe sends OPTIONS and DESCRIBE.
func (s *Session) describe(ctx context.Context) error {
	u := s.tgt.String()
	timeout := s.cfg.Timeout
	if !s.cfg.DisableLabDetect {
		timeout = s.cfg.LabProbeTimeout
	}
	resp, err := s.do(ctx, "OPTIONS", u, nil, timeout)
	if err != nil {
		if errors.Is(err, ErrTimeout) && !s.cfg.DisableLabDetect {
			return fmt.Errorf("%w: %w", errNoOptionsAnswer, err)
		}
		return err
	}
	if err := s.redirect(resp); err != nil {
		return err
	}
	var public []string
	if isSuccess(resp.StatusCode) {
		public = rtsp.ParsePublic(resp.Header.Get("Public"))
	} else {
		s.log.Info("OPTIONS refused; going on", "status", resp.StatusCode)
	}
	resp, err = s.do(ctx, "DESCRIBE", u, rtsp.Header{{Name: "Accept", Value: "application/sdp"}}, s.cfg.Timeout)
	if err != nil {
		return err
	}
	if err := s.redirect(resp); err != nil {
		return err
	}
	if !isSuccess(resp.StatusCode) {
		return statusError("DESCRIBE", u, resp)
	}
	d, err := parseDescription(u, resp)
	if err != nil {
		return err
	}
	d.Public = public
	s.mu.Lock()
	s.desc = d
	s.mu.Unlock()
	return nil
}

// redirect returns a *redirectError for a 3xx answer with a Location.
func (s *Session) redirect(resp *rtsp.Response) error {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return fmt.Errorf("%w: %d answer without Location", ErrProtocol, resp.StatusCode)
	}
	to, err := s.tgt.resolve(loc)
	if err != nil {
		return err
	}
	return &redirectError{to: to, code: resp.StatusCode}
}

func isSuccess(code int) bool { return code >= 200 && code <= 299 }

func statusError(method, u string, resp *rtsp.Response) error {
	return &StatusError{Method: method, URL: u, StatusCode: resp.StatusCode, Reason: resp.Reason}
}

// do sends one request in the standard dialect and returns the answer,
// after answering 401 challenges (a wrong password gives ErrUnauthorized).
func (s *Session) do(ctx context.Context, method, uri string, hdr rtsp.Header, timeout time.Duration) (*rtsp.Response, error) {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	s.mu.Lock()
	cc := s.cc
	s.mu.Unlock()
	if cc == nil {
		return nil, fmt.Errorf("%s %s: %w", method, uri, ErrClosed)
	}
	for attempt := 0; ; attempt++ {
		req := &rtsp.Request{Method: method, URL: uri}
		req.Header = append(req.Header, hdr...)
		req.Header = append(req.Header, rtsp.Field{Name: "User-Agent", Value: s.cfg.UserAgent})
		authz, err := s.auth.header(method, uri)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, uri, err)
		}
		if authz != "" {
			req.Header = append(req.Header, rtsp.Field{Name: "Authorization", Value: authz})
		}
		resp, err := cc.roundTrip(ctx, req, timeout)
		if err != nil {
			return nil, err
		}
		s.lastRequest = time.Now()
		if resp.StatusCode != rtsp.StatusUnauthorized {
			return resp, nil
		}
		if attempt >= 2 {
			return nil, fmt.Errorf("%s %s: %w: still refused after %d attempts", method, uri, ErrUnauthorized, attempt+1)
		}
		if err := s.auth.challenge(resp); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, uri, err)
		}
	}
}

// Setup sends SETUP for the stream's media (RFC 2326 §10.4) with the
// configured transport: UDP (two local ports, even/odd), TCP interleaved
// (channels 0-1), or auto (UDP, then TCP if the server answers 461).
func (s *Session) Setup(ctx context.Context) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	return s.setupLocked(ctx)
}

func (s *Session) setupLocked(ctx context.Context) error {
	if st := s.State(); st != StateInit {
		return fmt.Errorf("%w: Setup in state %s", ErrState, st)
	}
	return s.ctl.setup(ctx)
}

// setupStandard sends SETUP with the configured transport.
func (s *Session) setupStandard(ctx context.Context) error {
	switch s.cfg.Transport {
	case TransportUDP:
		return s.setupUDP(ctx)
	case TransportTCP:
		return s.setupTCP(ctx)
	}
	err := s.setupUDP(ctx)
	if errors.Is(err, ErrUnsupportedTransport) {
		s.log.Info("UDP refused (461): using TCP")
		return s.setupTCP(ctx)
	}
	return err
}

func (s *Session) setupUDP(ctx context.Context) error {
	s.mu.Lock()
	cc, d := s.cc, s.desc
	s.mu.Unlock()
	local, remote := connAddrs(cc.nc)
	rtpConn, rtcpConn, err := listenUDPPair(local, s.cfg.RTPPort)
	if err != nil {
		return fmt.Errorf("SETUP: %w", err)
	}
	// Best effort: a GSO sender's frame (ours), or what the NIC's GRO
	// coalesced, then arrives in one read instead of one per packet.
	_ = udpbatch.EnableGRO(rtpConn)
	port := rtpConn.LocalAddr().(*net.UDPAddr).Port
	tr := rtsp.Transport{Profile: "RTP/AVP", Unicast: true, ClientPort: rtsp.PortRange{Lo: port, Hi: port + 1, Set: true}}
	reply, sess, err := s.setupRequest(ctx, d.Control, tr)
	if err != nil {
		_ = rtpConn.Close()
		_ = rtcpConn.Close()
		return err
	}
	m := &media{
		s: s, transport: TransportUDP, log: s.log,
		rtpConn: rtpConn, rtcpConn: rtcpConn, serverIP: remote,
		readTimeout: s.cfg.UDPReadTimeout,
	}
	if reply.ServerPort.Set {
		_, rp := reply.ServerPort.Ports()
		if rp > 0 && rp < 65536 {
			m.serverRTCP = netip.AddrPortFrom(remote, uint16(rp))
		}
	}
	m.recv = newReceiver(TransportUDP, &s.cfg, s.d, s.frames)
	return s.install(m, sess)
}

func (s *Session) setupTCP(ctx context.Context) error {
	s.mu.Lock()
	cc, d := s.cc, s.desc
	s.mu.Unlock()
	tr := rtsp.Transport{Profile: "RTP/AVP", Lower: "TCP", Unicast: true, Interleaved: rtsp.PortRange{Lo: 0, Hi: 1, Set: true}}
	reply, sess, err := s.setupRequest(ctx, d.Control, tr)
	if err != nil {
		return err
	}
	m := &media{s: s, transport: TransportTCP, log: s.log, cc: cc, rtpCh: 0, rtcpCh: 1}
	if reply.Interleaved.Set {
		a, b := reply.Interleaved.Ports()
		if a < 0 || a > 255 || b < 0 || b > 255 {
			return fmt.Errorf("%w: SETUP answered interleaved=%s", ErrProtocol, reply.Interleaved)
		}
		m.rtpCh, m.rtcpCh = uint8(a), uint8(b)
	}
	m.recv = newReceiver(TransportTCP, &s.cfg, s.d, s.frames)
	return s.install(m, sess)
}

// setupRequest sends SETUP and reads the Session and Transport answered.
func (s *Session) setupRequest(ctx context.Context, u string, tr rtsp.Transport) (rtsp.Transport, rtsp.Session, error) {
	resp, err := s.do(ctx, "SETUP", u, rtsp.Header{{Name: "Transport", Value: tr.String()}}, s.cfg.Timeout)
	if err != nil {
		return tr, rtsp.Session{}, err
	}
	if !isSuccess(resp.StatusCode) {
		return tr, rtsp.Session{}, statusError("SETUP", u, resp)
	}
	sess, err := rtsp.ParseSession(resp.Header.Get("Session"))
	if err != nil {
		return tr, sess, fmt.Errorf("%w: SETUP answer: %w", ErrProtocol, err)
	}
	reply := tr
	if v := resp.Header.Get("Transport"); v != "" {
		ts, err := rtsp.ParseTransports(v)
		if err != nil {
			return tr, sess, fmt.Errorf("%w: SETUP answer: %w", ErrProtocol, err)
		}
		reply = ts[0]
	}
	if reply.TCP() != tr.TCP() {
		return tr, sess, fmt.Errorf("%w: asked for %s, the server answered Transport %q", ErrProtocol, tr.String(), resp.Header.Get("Transport"))
	}
	return reply, sess, nil
}

// install makes m the session's media and starts it.
func (s *Session) install(m *media, sess rtsp.Session) error {
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		m.close()
		return ErrClosed
	}
	s.media, s.recv = m, m.recv
	s.sessionID = sess.ID
	s.sessionTimeout = DefaultSessionTimeout
	if sess.Timeout > 0 {
		s.sessionTimeout = time.Duration(sess.Timeout) * time.Second
	}
	s.state = StateReady
	s.played = false
	s.mu.Unlock()
	m.start()
	s.log.Info("setup", "transport", m.transport, "session", sess.ID, "timeout", s.sessionTimeout)
	return nil
}

// dropMedia stops the current media and forgets the RTSP session.
func (s *Session) dropMedia() {
	s.mu.Lock()
	m := s.media
	s.media, s.sessionID = nil, ""
	if s.state != StateClosed {
		s.state = StateInit
	}
	s.mu.Unlock()
	if m != nil {
		m.close()
	}
}

// Play starts (or resumes) playing, after Setup if needed (RFC 2326
// §10.5). With transport "auto" over UDP it waits up to NoPacketTimeout for
// the first packet and otherwise tears the UDP session down and plays over
// TCP instead.
func (s *Session) Play(ctx context.Context) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	switch st := s.State(); st {
	case StateInit:
		if err := s.setupLocked(ctx); err != nil {
			return err
		}
	case StatePlaying:
		return nil
	case StateReady:
	default:
		return fmt.Errorf("%w: Play in state %s", ErrState, st)
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

// reconnect replaces a closed control connection by a new one.
func (s *Session) reconnect(ctx context.Context) error {
	cc, err := dialCtrl(ctx, s.tgt.addr, s.cfg.Timeout, s.log)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		cc.close()
		return ErrClosed
	}
	old := s.cc
	s.cc = cc
	s.mu.Unlock()
	if old != nil {
		old.close()
	}
	return nil
}

// Pause pauses playing (RFC 2326 §10.6); Play resumes.
func (s *Session) Pause(ctx context.Context) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	switch st := s.State(); st {
	case StateReady:
		return nil
	case StatePlaying:
	default:
		return fmt.Errorf("%w: Pause in state %s", ErrState, st)
	}
	s.mu.Lock()
	m := s.media
	s.mu.Unlock()
	if err := s.ctl.request(ctx, "PAUSE"); err != nil {
		return err
	}
	m.recv.setPlaying(time.Time{})
	s.mu.Lock()
	if s.state != StateClosed {
		s.state = StateReady
	}
	s.mu.Unlock()
	return nil
}

// Teardown ends the RTSP session (RFC 2326 §10.7) and closes the Session
// (see Close). It returns the TEARDOWN request's error, if any; the Session
// is closed either way.
func (s *Session) Teardown(ctx context.Context) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	defer s.Close()
	s.mu.Lock()
	st, sid := s.state, s.sessionID
	s.mu.Unlock()
	if st == StateClosed || sid == "" {
		return nil
	}
	return s.ctl.request(ctx, "TEARDOWN")
}

// simpleRequest sends PAUSE, TEARDOWN or another request that carries only
// the Session header to the aggregate control URL, and checks the answer.
func (s *Session) simpleRequest(ctx context.Context, method string) error {
	s.mu.Lock()
	d := s.desc
	s.mu.Unlock()
	resp, err := s.do(ctx, method, d.AggregateControl, s.sessionHeader(), s.cfg.Timeout)
	if err != nil {
		return err
	}
	if !isSuccess(resp.StatusCode) {
		return statusError(method, d.AggregateControl, resp)
	}
	return nil
}

// Close releases everything (connection, sockets, goroutines) without
// sending TEARDOWN; the server's session then times out. Done is closed
// (with ErrClosed if the media had not ended before). Close is idempotent.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.state = StateClosed
		m := s.media
		s.media = nil
		s.mu.Unlock()
		s.cancel()
		if s.ctl != nil {
			s.ctl.close()
		}
		if m != nil {
			m.close()
		}
		s.wg.Wait()
		s.end(ErrClosed)
	})
	return nil
}

// end records why the media ended and closes Done (once).
func (s *Session) end(err error) {
	s.endOnce.Do(func() {
		s.endErr = err
		if !errors.Is(err, ErrClosed) {
			s.log.Info("stream ended", "reason", err)
		}
		close(s.done)
	})
}

func (s *Session) sessionHeader() rtsp.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionID == "" {
		return nil
	}
	return rtsp.Header{{Name: "Session", Value: s.sessionID}}
}

// Frames returns the channel of complete frames. It is never closed: wait
// on Done as well, and drain Frames after Done closes.
func (s *Session) Frames() <-chan Frame { return s.frames }

// Done is closed when the media ends: end of stream (ErrEndOfStream), no
// media for MediaTimeout (ErrTimeout), Teardown or Close (ErrClosed). Err
// says which.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why Done closed, or nil while it is open.
func (s *Session) Err() error {
	select {
	case <-s.done:
		return s.endErr
	default:
		return nil
	}
}

// State returns the session's state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Lab reports whether the session speaks the lab dialect.
func (s *Session) Lab() bool { return s.d == labDialect }

// Description returns what DESCRIBE said (nil in the lab dialect).
func (s *Session) Description() *Description {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.desc
}

// Stats returns the reception statistics so far (zero before Setup).
func (s *Session) Stats() Stats {
	s.mu.Lock()
	r := s.recv
	s.mu.Unlock()
	if r == nil {
		return Stats{Lab: s.Lab()}
	}
	return r.snapshot()
}

// maintain runs the session's timers: idle detection (lab end of stream,
// media timeout), RTCP receiver reports every ~RTCPInterval, and keepalive
// requests every session-timeout/2 (GET_PARAMETER when the server lists it
// in Public, else OPTIONS).
func (s *Session) maintain() {
	defer s.wg.Done()
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
		m, sid, timeout, d, cc := s.media, s.sessionID, s.sessionTimeout, s.desc, s.cc
		s.mu.Unlock()
		if m == nil {
			continue
		}
		if cc != nil && !cc.alive() && s.Err() == nil {
			m.recv.flush()
			s.end(fmt.Errorf("%w: %w", ErrEndOfStream, cc.closedErr()))
			continue
		}
		if idle, playing := m.recv.idle(now); playing && s.Err() == nil {
			switch {
			case s.d.silenceEnds && idle >= s.cfg.LabEndTimeout:
				m.recv.flush()
				s.end(fmt.Errorf("%w: no packet for %v", ErrEndOfStream, idle.Round(time.Millisecond)))
			case !s.d.silenceEnds && idle >= s.cfg.MediaTimeout:
				m.recv.flush()
				s.end(fmt.Errorf("%w: no media for %v", ErrTimeout, idle.Round(time.Millisecond)))
			}
		}
		if sid == "" {
			continue
		}
		if s.d.rtcp && !now.Before(nextRR) {
			m.sendReport(now)
			nextRR = now.Add(rtcpInterval(s.cfg.RTCPInterval))
		}
		if !s.d.keepalive {
			continue
		}
		s.reqMu.Lock()
		last := s.lastRequest
		s.reqMu.Unlock()
		if now.Sub(last) >= timeout/2 {
			s.keepalive(d)
		}
	}
}

// keepalive refreshes the server's session timer (RFC 2326 §12.37).
func (s *Session) keepalive(d *Description) {
	method := "OPTIONS"
	if d != nil && slices.ContainsFunc(d.Public, func(m string) bool { return strings.EqualFold(m, "GET_PARAMETER") }) {
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

// connAddrs returns the local and remote IP of a TCP connection.
func connAddrs(nc net.Conn) (local, remote netip.Addr) {
	if a, ok := nc.LocalAddr().(*net.TCPAddr); ok {
		local = a.AddrPort().Addr().Unmap()
	}
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		remote = a.AddrPort().Addr().Unmap()
	}
	return local, remote
}

func randUint32() uint32 {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uint32(mrand.IntN(math.MaxUint32))
	}
	return binary.BigEndian.Uint32(b[:])
}
