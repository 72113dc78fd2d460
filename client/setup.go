package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/rtpstream/rtpstream/internal/udpbatch"
	"github.com/rtpstream/rtpstream/rtsp"
)

// Setup sends SETUP for the stream's media (RFC 2326 §10.4) with the
// configured transport: UDP (two local ports, even/odd), TCP interleaved
// (channels 0-1), or auto (UDP, then TCP if the server answers 461).
func (s *Session) Setup(ctx context.Context) error {
	if err := s.acquire(ctx, "Setup"); err != nil {
		return err
	}
	defer s.release()
	return s.setupHeld(ctx)
}

// setupHeld is Setup for the op token's holder.
func (s *Session) setupHeld(ctx context.Context) error {
	if st := s.State(); st != StateInit {
		return stateError("Setup", st)
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
	timeout := s.sessionTimeout
	s.mu.Unlock()
	m.start()
	s.log.Info("setup", "transport", m.transport, "session", sess.ID, "timeout", timeout)
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
