package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// frameHandler receives the interleaved frames of the control connection
// (RFC 2326 §10.12); payload is valid only during the call.
type frameHandler func(channel uint8, payload []byte, now time.Time)

// ctrlConn is the RTSP control connection in the standard dialect. One
// goroutine (readLoop) reads everything the server sends: responses go to
// the one request in flight, interleaved frames to the media handler,
// server requests get an answer. Requests are not pipelined.
type ctrlConn struct {
	nc      net.Conn
	rd      *rtsp.Reader
	timeout time.Duration
	log     *slog.Logger

	wmu sync.Mutex // one writer at a time: requests, interleaved RTCP, answers

	cseq int // owned by the holder of the Session's op token

	pmu     sync.Mutex
	pending *pendingRequest
	handler frameHandler

	done chan struct{} // closed when readLoop ends
	err  error         // why readLoop ended; read after done
}

type pendingRequest struct {
	cseq int
	ch   chan *rtsp.Response // buffered 1
}

// dialCtrl connects to addr (host:port) and starts the reader.
func dialCtrl(ctx context.Context, addr string, timeout time.Duration, log *slog.Logger) (*ctrlConn, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			return nil, fmt.Errorf("connect %s: %w (%v)", addr, ErrTimeout, err)
		}
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	return newCtrlConn(nc, timeout, log), nil
}

// newCtrlConn starts the reader of an established control connection.
func newCtrlConn(nc net.Conn, timeout time.Duration, log *slog.Logger) *ctrlConn {
	c := &ctrlConn{
		nc:      nc,
		rd:      rtsp.NewReader(nc, rtsp.Limits{}),
		timeout: timeout,
		log:     log,
		done:    make(chan struct{}),
	}
	go c.readLoop()
	return c
}

func (c *ctrlConn) readLoop() {
	defer close(c.done)
	for {
		m, err := c.rd.Read()
		if err != nil {
			if errors.Is(err, rtsp.ErrFrameTooLarge) {
				c.log.Warn("interleaved frame too large, skipped", "err", err)
				continue
			}
			c.err = err
			return
		}
		switch m := m.(type) {
		case *rtsp.Frame:
			c.pmu.Lock()
			h := c.handler
			c.pmu.Unlock()
			if h != nil {
				h(m.Channel, m.Payload, time.Now())
			}
		case *rtsp.Response:
			c.deliver(m)
		case *rtsp.Request:
			c.answer(m)
		}
	}
}

// deliver hands a response to the request waiting for its CSeq; a late
// answer to a request that timed out is dropped.
func (c *ctrlConn) deliver(resp *rtsp.Response) {
	cseq, err := rtsp.ParseCSeq(resp.Header.Get("CSeq"))
	c.pmu.Lock()
	defer c.pmu.Unlock()
	p := c.pending
	if p == nil || (err == nil && cseq != p.cseq) {
		c.log.Debug("dropping unexpected response", "status", resp.StatusCode, "cseq", resp.Header.Get("CSeq"))
		return
	}
	c.pending = nil
	p.ch <- resp
}

// answer replies to a request from the server (RFC 2326 §10: servers may
// send OPTIONS, GET_PARAMETER, ANNOUNCE, REDIRECT...): 200 to keepalives,
// 501 Not Implemented to anything else.
func (c *ctrlConn) answer(req *rtsp.Request) {
	code := rtsp.StatusNotImplemented
	if req.Method == "OPTIONS" || req.Method == "GET_PARAMETER" {
		code = rtsp.StatusOK
	}
	resp := &rtsp.Response{StatusCode: code, Header: rtsp.Header{{Name: "CSeq", Value: req.Header.Get("CSeq")}}}
	c.log.Debug("request from server", "method", req.Method, "status", code)
	_ = c.write(resp.Marshal())
}

// setHandler installs (or removes, with nil) the interleaved frame handler.
func (c *ctrlConn) setHandler(h frameHandler) {
	c.pmu.Lock()
	c.handler = h
	c.pmu.Unlock()
}

func (c *ctrlConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.nc.Write(b)
	return err
}

// writeFrame sends an interleaved frame (RTCP over TCP).
func (c *ctrlConn) writeFrame(channel uint8, payload []byte) error {
	return c.write(rtsp.AppendFrame(nil, channel, payload))
}

// roundTrip sends req with the next CSeq (first header, as some servers
// want) and waits up to timeout for its response. The caller serialises
// calls.
func (c *ctrlConn) roundTrip(ctx context.Context, req *rtsp.Request, timeout time.Duration) (*rtsp.Response, error) {
	c.cseq++
	req.Header = append(rtsp.Header{{Name: "CSeq", Value: strconv.Itoa(c.cseq)}}, req.Header...)
	p := &pendingRequest{cseq: c.cseq, ch: make(chan *rtsp.Response, 1)}
	c.pmu.Lock()
	c.pending = p
	c.pmu.Unlock()
	defer func() {
		c.pmu.Lock()
		if c.pending == p {
			c.pending = nil
		}
		c.pmu.Unlock()
	}()
	if err := c.write(req.Marshal()); err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case resp := <-p.ch:
		return resp, nil
	case <-c.done:
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, c.closedErr())
	case <-t.C:
		return nil, fmt.Errorf("%s %s: %w: no answer within %v", req.Method, req.URL, ErrTimeout, timeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, ctx.Err())
	}
}

// closedErr describes why the connection ended; call after done.
func (c *ctrlConn) closedErr() error {
	if c.err == nil || errors.Is(c.err, io.EOF) {
		return errConnClosed
	}
	if errors.Is(c.err, net.ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", errConnClosed, c.err)
}

// errConnClosed: the server closed the control connection.
var errConnClosed = errors.New("server closed the connection")

// alive reports whether the reader still runs.
func (c *ctrlConn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// close closes the connection and waits for the reader to end.
func (c *ctrlConn) close() {
	_ = c.nc.Close()
	<-c.done
}
