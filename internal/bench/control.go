package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/sdp"
)

// userAgent identifies the load generator in its requests.
const userAgent = "rtpstream-bench"

// control is one client's RTSP connection (RFC 2326). Requests are written
// under wmu (the keep-alive and TEARDOWN may come from other goroutines
// than the reader); responses are read by one goroutine at a time.
type control struct {
	nc  net.Conn
	r   *rtsp.Reader
	wmu sync.Mutex
	// cseq is the last CSeq sent (under wmu).
	cseq int
	// session is the Session ID from SETUP; timeout its advertised timeout.
	session string
	timeout time.Duration
	// onFrame receives interleaved frames read while waiting for a
	// response (TCP transport: media may precede the PLAY response).
	onFrame func(*rtsp.Frame)
	// auth, when set, answers 401 and signs requests (under wmu).
	auth *authState
}

// media is what DESCRIBE tells a client about the stream.
type media struct {
	setupURL, playURL string
	clockRate         int
	// periodTicks is 1/a=framerate in clock ticks, 0 when absent.
	periodTicks int64
}

func dialControl(ctx context.Context, host string, timeout time.Duration) (*control, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	return &control{nc: nc, r: rtsp.NewReader(nc, rtsp.Limits{})}, nil
}

// send writes a request with the next CSeq and returns that CSeq.
func (c *control) send(method, url string, deadline time.Time, hdr ...rtsp.Field) (int, error) {
	return c.sendBody(method, url, deadline, nil, hdr...)
}

// sendBody is send with a message body (Content-Length is added).
func (c *control) sendBody(method, url string, deadline time.Time, body []byte, hdr ...rtsp.Field) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.cseq++
	req := rtsp.Request{Method: method, URL: url, Body: body}
	req.Header.Add("CSeq", strconv.Itoa(c.cseq))
	req.Header.Add("User-Agent", userAgent)
	if c.session != "" {
		req.Header.Add("Session", c.session)
	}
	if v, err := c.auth.authorization(method, url); err != nil {
		return 0, fmt.Errorf("%s: %w", method, err)
	} else if v != "" {
		req.Header.Add("Authorization", v)
	}
	for _, f := range hdr {
		req.Header.Add(f.Name, f.Value)
	}
	_ = c.nc.SetWriteDeadline(deadline)
	if _, err := req.WriteTo(c.nc); err != nil {
		return 0, fmt.Errorf("%s: %w", method, err)
	}
	return c.cseq, nil
}

// readResponse reads until the response with CSeq cseq, passing
// interleaved frames to onFrame and skipping other responses (keep-alives).
func (c *control) readResponse(cseq int, deadline time.Time) (*rtsp.Response, error) {
	_ = c.nc.SetReadDeadline(deadline)
	for {
		m, err := c.r.Read()
		if err != nil {
			return nil, err
		}
		switch m := m.(type) {
		case *rtsp.Frame:
			if c.onFrame != nil {
				c.onFrame(m)
			}
		case *rtsp.Response:
			if n, err := rtsp.ParseCSeq(m.Header.Get("CSeq")); err == nil && n != cseq {
				continue
			}
			return m, nil
		}
	}
}

// do sends a request and waits for its 2xx response; a 401 is answered
// (once per challenge) when the connection has credentials.
func (c *control) do(method, url string, timeout time.Duration, hdr ...rtsp.Field) (*rtsp.Response, error) {
	return c.doBody(method, url, timeout, nil, hdr...)
}

// doBody is do with a message body.
func (c *control) doBody(method, url string, timeout time.Duration, body []byte, hdr ...rtsp.Field) (*rtsp.Response, error) {
	deadline := time.Now().Add(timeout)
	var resp *rtsp.Response
	for try := 0; try < 3; try++ {
		cseq, err := c.sendBody(method, url, deadline, body, hdr...)
		if err != nil {
			return nil, err
		}
		if resp, err = c.readResponse(cseq, deadline); err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		if resp.StatusCode != 401 || c.auth == nil {
			break
		}
		c.wmu.Lock()
		err = c.auth.challenge(resp)
		c.wmu.Unlock()
		if err != nil {
			return resp, fmt.Errorf("%s %s: %w", method, url, err)
		}
	}
	if resp.StatusCode/100 != 2 {
		return resp, fmt.Errorf("%s %s: %w: %d %s", method, url, ErrStatus, resp.StatusCode, resp.Reason)
	}
	return resp, nil
}

// describe sends OPTIONS and DESCRIBE and resolves the control URLs of the
// first video stream (RFC 2326 C.1.1).
func (c *control) describe(url string, timeout time.Duration) (*media, error) {
	if _, err := c.do("OPTIONS", url, timeout); err != nil {
		return nil, err
	}
	resp, err := c.do("DESCRIBE", url, timeout, rtsp.Field{Name: "Accept", Value: "application/sdp"})
	if err != nil {
		return nil, err
	}
	s, err := sdp.Unmarshal(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("DESCRIBE: %w", err)
	}
	base := resp.Header.Get("Content-Base")
	if base == "" {
		base = resp.Header.Get("Content-Location")
	}
	if base == "" {
		base = url
	}
	for i := range s.Media {
		m := &s.Media[i]
		if m.Type != "video" || len(m.Formats) == 0 {
			continue
		}
		md := &media{clockRate: 90000}
		if _, rate, ok := m.Encoding(m.Formats[0]); ok && rate > 0 {
			md.clockRate = rate
		}
		if m.Framerate > 0 {
			md.periodTicks = int64(float64(md.clockRate)/m.Framerate + 0.5)
		}
		if md.setupURL, err = sdp.ResolveControl(base, m.Control); err != nil {
			return nil, err
		}
		if md.playURL, err = sdp.ResolveControl(base, s.Control); err != nil {
			return nil, err
		}
		return md, nil
	}
	return nil, fmt.Errorf("DESCRIBE %s: %w", url, ErrNoVideo)
}

// setup sends SETUP with the given Transport and keeps the session.
func (c *control) setup(url, transport string, timeout time.Duration) (rtsp.Transport, error) {
	resp, err := c.do("SETUP", url, timeout, rtsp.Field{Name: "Transport", Value: transport})
	if err != nil {
		return rtsp.Transport{}, err
	}
	s, err := rtsp.ParseSession(resp.Header.Get("Session"))
	if err != nil {
		return rtsp.Transport{}, fmt.Errorf("SETUP: Session: %w", err)
	}
	c.session = s.ID
	c.timeout = time.Duration(s.Timeout) * time.Second
	if c.timeout <= 0 {
		c.timeout = 60 * time.Second
	}
	trs, err := rtsp.ParseTransports(resp.Header.Get("Transport"))
	if err != nil || len(trs) == 0 {
		return rtsp.Transport{}, fmt.Errorf("SETUP: Transport %q: %w", resp.Header.Get("Transport"), errors.Join(ErrTransport, err))
	}
	return trs[0], nil
}

// play sends PLAY from the start and returns when its response was read.
func (c *control) play(url string, timeout time.Duration) (time.Time, error) {
	if _, err := c.do("PLAY", url, timeout, rtsp.Field{Name: "Range", Value: "npt=0.000-"}); err != nil {
		return time.Time{}, err
	}
	return time.Now(), nil
}

// keepalive sends OPTIONS with the session (RFC 2326 §10.1 allows it at
// any time; every server accepts it); the response is read, or ignored, by
// whoever reads the connection.
func (c *control) keepalive(url string) {
	_, _ = c.send("OPTIONS", url, time.Now().Add(2*time.Second))
}

// hostOf returns host:port of an rtsp:// URL (default port 554).
func hostOf(u string) (string, error) {
	rest, ok := strings.CutPrefix(u, "rtsp://")
	if !ok {
		return "", fmt.Errorf("%w: %q is not rtsp://", ErrURL, u)
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if rest == "" {
		return "", fmt.Errorf("%w: %q has no host", ErrURL, u)
	}
	if _, _, err := net.SplitHostPort(rest); err != nil {
		rest = net.JoinHostPort(strings.Trim(rest, "[]"), "554")
	}
	return rest, nil
}
