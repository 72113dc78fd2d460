package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// labMaxRequest is the lab server's recv size: a request must fit in one
// segment of at most this many bytes (lab-dialect.md).
const labMaxRequest = 256

// labConn is the control connection in the lab dialect (lab-dialect.md):
// each request is one write of at most 256 bytes with "\n" line ends and
// no terminator, the CSeq on line 2, no pipelining; each reply is read as
// one segment, with a timeout because the lab server stays silent when a
// request is out of state.
type labConn struct {
	nc      net.Conn
	timeout time.Duration
	cseq    int
	buf     []byte
}

func (s *Session) dialLab(ctx context.Context) error {
	file, err := s.tgt.labFile()
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: s.cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", s.tgt.addr)
	if err != nil {
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			return fmt.Errorf("connect %s: %w (%v)", s.tgt.addr, ErrTimeout, err)
		}
		return fmt.Errorf("connect %s: %w", s.tgt.addr, err)
	}
	s.mu.Lock()
	s.lab, s.labFile = true, file
	s.lc = &labConn{nc: nc, timeout: s.cfg.Timeout, buf: make([]byte, 4096)}
	s.mu.Unlock()
	return nil
}

// exchange sends one lab request and reads its reply (the reply whose CSeq
// matches; a late reply to an earlier request is skipped).
func (c *labConn) exchange(ctx context.Context, method, file string, fields ...rtsp.Field) (*rtsp.Response, error) {
	c.cseq++
	req := &rtsp.Request{Method: method, URL: file, Lab: true,
		Header: append(rtsp.Header{{Name: "CSeq", Value: strconv.Itoa(c.cseq)}}, fields...)}
	b := req.Marshal()
	if len(b) > labMaxRequest {
		return nil, fmt.Errorf("%s %s: request is %d bytes, the lab server reads at most %d (file name too long?)", method, file, len(b), labMaxRequest)
	}
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Now()) })
	defer stop()
	_ = c.nc.SetDeadline(deadline)
	fail := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("%s %s: %w", method, file, ctx.Err())
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			return fmt.Errorf("%s %s: %w: no answer within %v (a lab server is silent when a request is out of state)", method, file, ErrTimeout, c.timeout)
		}
		if errors.Is(err, io.EOF) {
			err = errConnClosed
		}
		return fmt.Errorf("%s %s: %w", method, file, err)
	}
	if _, err := c.nc.Write(b); err != nil {
		return nil, fail(err)
	}
	for {
		n, err := c.nc.Read(c.buf)
		if err != nil {
			return nil, fail(err)
		}
		resp, err := rtsp.ParseResponse(c.buf[:n])
		if err != nil {
			return nil, fmt.Errorf("%w: %s %s: reply: %w", ErrProtocol, method, file, err)
		}
		if cseq, err := rtsp.ParseCSeq(resp.Header.Get("CSeq")); err == nil && cseq != c.cseq {
			continue
		}
		return resp, nil
	}
}

func (c *labConn) close() { _ = c.nc.Close() }

// labSetup sends the lab SETUP: "Transport: RTP/UDP; client_port= N" on
// line 3, with one local UDP port (the lab sends no RTCP).
func (s *Session) labSetup(ctx context.Context) error {
	s.mu.Lock()
	lc := s.lc
	s.mu.Unlock()
	local, remote := connAddrs(lc.nc)
	conn, err := listenUDP(local, s.cfg.RTPPort)
	if err != nil {
		return fmt.Errorf("SETUP: RTP port: %w", err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	if s.labDetected {
		// A lab server answers at once; the standard OPTIONS already waited.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.LabProbeTimeout)
		defer cancel()
	}
	resp, err := lc.exchange(ctx, "SETUP", s.labFile, rtsp.Field{Name: "Transport", Value: rtsp.LabTransport(port)})
	if err == nil && resp.StatusCode != rtsp.StatusOK {
		err = statusError("SETUP", s.labFile, resp)
	}
	var sess rtsp.Session
	if err == nil {
		if sess, err = rtsp.ParseSession(resp.Header.Get("Session")); err != nil {
			err = fmt.Errorf("%w: SETUP reply: %w", ErrProtocol, err)
		}
	}
	if err != nil {
		_ = conn.Close()
		if s.labDetected && (errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded)) {
			err = fmt.Errorf("%w: the server answered neither OPTIONS (RTSP) nor SETUP in the lab dialect within %v", ErrTimeout, s.cfg.LabProbeTimeout)
		}
		return err
	}
	m := &media{s: s, transport: TransportUDP, log: s.log, rtpConn: conn, serverIP: remote, readTimeout: s.cfg.UDPReadTimeout}
	m.recv = newReceiver(TransportUDP, &s.cfg, true, s.frames)
	return s.install(m, sess)
}

// labPlay sends PLAY and marks the session playing.
func (s *Session) labPlay(ctx context.Context) error {
	if err := s.labRequest(ctx, "PLAY"); err != nil {
		return err
	}
	s.mu.Lock()
	m := s.media
	if s.state != StateClosed {
		s.state, s.played = StatePlaying, true
	}
	s.mu.Unlock()
	m.recv.setPlaying(time.Now())
	return nil
}

// labRequest sends PLAY, PAUSE or TEARDOWN with the session ID.
func (s *Session) labRequest(ctx context.Context, method string) error {
	s.mu.Lock()
	lc, sid := s.lc, s.sessionID
	s.mu.Unlock()
	resp, err := lc.exchange(ctx, method, s.labFile, rtsp.Field{Name: "Session", Value: sid})
	if err != nil {
		return err
	}
	if resp.StatusCode != rtsp.StatusOK {
		return statusError(method, s.labFile, resp)
	}
	return nil
}
