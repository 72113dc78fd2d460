package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// isHTTPURL tells whether u is an http:// URL (an MJPEG stream), which Run
// plays with HTTP viewers instead of RTSP clients.
func isHTTPURL(u string) bool {
	return len(u) >= 7 && strings.EqualFold(u[:7], "http://")
}

// httpTarget is where HTTP viewers connect and what they ask for.
type httpTarget struct {
	// host is host:port to dial; request is the GET request, written as is
	// by every viewer.
	host    string
	request []byte
}

// parseHTTPTarget makes the request of an http://[user:password@]HOST[:PORT]/PATH
// URL (default port 80): HTTP/1.1 GET, credentials as Basic (RFC 7617).
func parseHTTPTarget(raw string) (*httpTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrURL, err)
	}
	if !strings.EqualFold(u.Scheme, "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not http://HOST/PATH", ErrURL, raw)
	}
	// Parts with Content-Length and X-Timestamp (the server's default sends
	// browsers' advance headers, which carry neither).
	if q := u.Query(); q.Get("headers") == "" {
		q.Set("headers", "full")
		u.RawQuery = q.Encode()
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	var b strings.Builder
	b.WriteString("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: rtpstream-bench\r\nAccept: */*\r\n")
	if u.User != nil {
		pw, _ := u.User.Password()
		b.WriteString("Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)) + "\r\n")
	}
	b.WriteString("\r\n")
	return &httpTarget{host: host, request: []byte(b.String())}, nil
}

// skipWindow is how many timestamp gaps a viewer collects before it knows
// the frame period (their median) when Config.FPS does not give it.
const skipWindow = 16

// httpViewer is one simulated browser: an HTTP/1.1 GET of a
// multipart/x-mixed-replace stream, read by its own goroutine with a
// partReader (no copy of the JPEG data, nothing allocated per frame).
type httpViewer struct {
	cfg  *Config
	conn net.Conn
	pr   *partReader
	// playAt is when the response head had been read: the analogue of an
	// RTSP client's PLAY response.
	playAt time.Time
	// bytes and frames count the parts read (bytes: their Content-Length),
	// read by Run while the viewer runs.
	bytes, frames atomic.Uint64
	// closing is set by Run before it closes conn.
	closing atomic.Bool
	done    chan struct{}

	// Owned by the reader goroutine; read by Run after done.
	firstAt   time.Time
	gotFirst  bool
	lastTS    int64 // µs, -1 before the first stamped part
	period    int64 // µs, 0 until known
	gaps      [skipWindow]int64
	ngaps     int
	skipped   uint64
	late      uint64
	evaluated uint64
	// err is why the stream ended before Run closed it (nil otherwise).
	err error
}

// start connects, sends the GET and reads the response head; the viewer
// then reads parts in its own goroutine until stop.
func (v *httpViewer) start(ctx context.Context, t *httpTarget) (err error) {
	d := net.Dialer{Timeout: v.cfg.RequestTimeout}
	v.conn, err = d.DialContext(ctx, "tcp", t.host)
	if err != nil {
		return fmt.Errorf("bench: dial %s: %w", t.host, err)
	}
	defer func() {
		if err != nil {
			_ = v.conn.Close()
		}
	}()
	_ = v.conn.SetDeadline(time.Now().Add(v.cfg.RequestTimeout))
	if _, err := v.conn.Write(t.request); err != nil {
		return fmt.Errorf("bench: GET: %w", err)
	}
	br := bufio.NewReaderSize(v.conn, httpReadBuffer)
	boundary, chunked, err := readResponseHead(br)
	if err != nil {
		return err
	}
	v.playAt = time.Now()
	_ = v.conn.SetDeadline(time.Time{})
	v.pr = newPartReader(br, boundary, chunked)
	v.lastTS = -1
	if v.cfg.FPS > 0 {
		v.period = int64(1e6/v.cfg.FPS + 0.5)
	}
	v.done = make(chan struct{})
	go v.read()
	return nil
}

// readResponseHead reads the status line and headers: a 200 with a
// multipart Content-Type (its boundary is returned) and whether the body
// has chunked transfer coding.
func readResponseHead(br *bufio.Reader) (boundary string, chunked bool, err error) {
	buf := make([]byte, 0, httpMaxLine)
	l, err := readRawLine(br, buf)
	if err != nil {
		return "", false, fmt.Errorf("bench: HTTP response: %w", err)
	}
	proto, rest, _ := bytes.Cut(l, []byte{' '})
	code, _, _ := bytes.Cut(rest, []byte{' '})
	if !bytes.HasPrefix(proto, []byte("HTTP/1.")) {
		return "", false, fmt.Errorf("bench: HTTP response: status line %q", l)
	}
	if !bytes.Equal(code, []byte("200")) {
		return "", false, fmt.Errorf("%w: HTTP %s", ErrStatus, bytes.TrimSpace(rest))
	}
	ctype := ""
	for range httpMaxHeaders {
		l, err := readRawLine(br, buf)
		if err != nil {
			return "", false, fmt.Errorf("bench: HTTP response: %w", err)
		}
		if len(l) == 0 {
			mt, params, err := mime.ParseMediaType(ctype)
			if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
				return "", false, fmt.Errorf("bench: HTTP response: Content-Type %q is not multipart with a boundary", ctype)
			}
			return params["boundary"], chunked, nil
		}
		name, value, _ := bytes.Cut(l, []byte{':'})
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Type")):
			ctype = string(value)
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
			if !chunked {
				return "", false, fmt.Errorf("bench: HTTP response: Transfer-Encoding %q", value)
			}
		}
	}
	return "", false, fmt.Errorf("bench: HTTP response: %w", errTooManyHeaders)
}

// read reads parts until the connection ends.
func (v *httpViewer) read() {
	defer close(v.done)
	for {
		n, ts, err := v.pr.next()
		if err == nil {
			err = v.pr.discard(n)
		}
		if err != nil {
			if !v.closing.Load() {
				v.err = fmt.Errorf("bench: HTTP stream: %w", err)
			}
			return
		}
		now := time.Now()
		v.bytes.Add(uint64(n))
		v.frames.Add(1)
		if !v.gotFirst {
			v.firstAt, v.gotFirst = now, true
		}
		v.account(ts, now.UnixMicro())
	}
}

// account counts skipped and late frames from a part's X-Timestamp (µs)
// received at wall time nowUs (package doc).
func (v *httpViewer) account(ts, nowUs int64) {
	if ts < 0 {
		return
	}
	if v.lastTS >= 0 && ts > v.lastTS {
		gap := ts - v.lastTS
		if v.period == 0 {
			v.gaps[v.ngaps] = gap
			v.ngaps++
			if v.ngaps == len(v.gaps) {
				v.learnPeriod()
			}
		} else {
			v.countGap(gap)
		}
	}
	v.lastTS = ts
	if v.period > 0 {
		v.evaluated++
		if nowUs-ts > v.period {
			v.late++
		}
	}
}

// learnPeriod sets the period to the median of the gaps collected so far
// and counts them.
func (v *httpViewer) learnPeriod() {
	if v.ngaps == 0 {
		return
	}
	g := v.gaps[:v.ngaps]
	s := slices.Clone(g)
	slices.Sort(s)
	v.period = max(s[len(s)/2], 1)
	for _, gap := range g {
		v.countGap(gap)
	}
	v.ngaps = 0
}

// countGap counts the frames missing in a gap of timestamps: a gap of k >
// 1.5 periods means round(k) - 1 frames skipped.
func (v *httpViewer) countGap(gap int64) {
	if k := float64(gap) / float64(v.period); k > 1.5 {
		v.skipped += uint64(k+0.5) - 1
	}
}

// stop closes the connection and waits for the reader; the viewer's
// figures are final afterwards.
func (v *httpViewer) stop() {
	v.closing.Store(true)
	_ = v.conn.Close()
	<-v.done
	if v.period == 0 {
		v.learnPeriod()
	}
}
