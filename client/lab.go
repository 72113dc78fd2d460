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

// labControl is the lab dialect's procedure (lab-dialect.md): Dial only
// connects (the lab server never answers OPTIONS or DESCRIBE), SETUP asks
// for one UDP port with "Transport: RTP/UDP; client_port= N", and each
// request names the bare file name.
type labControl struct {
	s *Session
	// probed: the dialect was chosen because OPTIONS went unanswered, so
	// SETUP must be answered within Config.LabProbeTimeout.
	probed bool
	// file is the request-URI; conn the control connection. Both are set
	// by dial and read-only afterwards.
	file string
	conn *labConn
}

func newLabControl(s *Session) control { return &labControl{s: s} }

// labConn is the control connection in the lab dialect (lab-dialect.md):
// each request is one write of at most maxRequest bytes with "\n" line ends
// and no terminator, the CSeq on line 2, no pipelining; each reply is read
// as one segment, with a timeout because the lab server stays silent when
// a request is out of state.
type labConn struct {
	nc         net.Conn
	timeout    time.Duration
	maxRequest int // 0: no limit
	cseq       int
	buf        []byte
}

// dialProbed switches a session whose OPTIONS went unanswered to the lab
// dialect and connects again.
func (s *Session) dialProbed(ctx context.Context) error {
	s.use(labDialect)
	if c, ok := s.ctl.(*labControl); ok {
		c.probed = true
	}
	return s.ctl.dial(ctx)
}

func (c *labControl) dial(ctx context.Context) error {
	s := c.s
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
	c.file = file
	c.conn = &labConn{nc: nc, timeout: s.cfg.Timeout, maxRequest: s.d.maxRequest, buf: make([]byte, 4096)}
	return nil
}

func (c *labControl) close() {
	if c.conn != nil {
		c.conn.close()
	}
}

// exchange sends one lab request and reads its reply (the reply whose CSeq
// matches; a late reply to an earlier request is skipped).
func (c *labConn) exchange(ctx context.Context, method, file string, fields ...rtsp.Field) (*rtsp.Response, error) {
	c.cseq++
	req := &rtsp.Request{Method: method, URL: file, Lab: true,
		Header: append(rtsp.Header{{Name: "CSeq", Value: strconv.Itoa(c.cseq)}}, fields...)}
	b := req.Marshal()
	if c.maxRequest > 0 && len(b) > c.maxRequest {
		return nil, fmt.Errorf("%s %s: request is %d bytes, the lab server reads at most %d (file name too long?)", method, file, len(b), c.maxRequest)
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

// setup sends the lab SETUP: "Transport: RTP/UDP; client_port= N" on line
// 3, with one local UDP port (the lab sends no RTCP).
func (c *labControl) setup(ctx context.Context) error {
	s := c.s
	local, remote := connAddrs(c.conn.nc)
	conn, err := listenUDP(local, s.cfg.RTPPort)
	if err != nil {
		return fmt.Errorf("SETUP: RTP port: %w", err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	if c.probed {
		// A lab server answers at once; the standard OPTIONS already waited.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.LabProbeTimeout)
		defer cancel()
	}
	resp, err := c.conn.exchange(ctx, "SETUP", c.file, rtsp.Field{Name: "Transport", Value: rtsp.LabTransport(port)})
	if err == nil && resp.StatusCode != rtsp.StatusOK {
		err = statusError("SETUP", c.file, resp)
	}
	var sess rtsp.Session
	if err == nil {
		if sess, err = rtsp.ParseSession(resp.Header.Get("Session")); err != nil {
			err = fmt.Errorf("%w: SETUP reply: %w", ErrProtocol, err)
		}
	}
	if err != nil {
		_ = conn.Close()
		if c.probed && (errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded)) {
			err = fmt.Errorf("%w: the server answered neither OPTIONS (RTSP) nor SETUP in the lab dialect within %v", ErrTimeout, s.cfg.LabProbeTimeout)
		}
		return err
	}
	m := &media{s: s, transport: TransportUDP, log: s.log, rtpConn: conn, serverIP: remote, readTimeout: s.cfg.UDPReadTimeout}
	m.recv = newReceiver(TransportUDP, &s.cfg, s.d, s.frames)
	return s.install(m, sess)
}

// play sends PLAY and marks the session playing.
func (c *labControl) play(ctx context.Context) error {
	if err := c.request(ctx, "PLAY"); err != nil {
		return err
	}
	c.s.markPlaying()
	return nil
}

// request sends PLAY, PAUSE or TEARDOWN with the session ID.
func (c *labControl) request(ctx context.Context, method string) error {
	s := c.s
	s.mu.Lock()
	sid := s.sessionID
	s.mu.Unlock()
	resp, err := c.conn.exchange(ctx, method, c.file, rtsp.Field{Name: "Session", Value: sid})
	if err != nil {
		return err
	}
	if resp.StatusCode != rtsp.StatusOK {
		return statusError(method, c.file, resp)
	}
	return nil
}
