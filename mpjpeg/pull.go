package mpjpeg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of PullConfig and PollSnapshots.
const (
	// DefaultConnectTimeout is the default PullConfig.ConnectTimeout.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultIdleTimeout is the default PullConfig.IdleTimeout.
	DefaultIdleTimeout = 10 * time.Second
	// DefaultPollInterval is PollSnapshots' interval when given <= 0.
	DefaultPollInterval = time.Second
)

// PullConfig configures Pull and PollSnapshots. The zero value takes the
// documented defaults.
type PullConfig struct {
	// Client does the requests. Default: a client of its own per call whose
	// transport bounds dialing, the TLS handshake and the wait for response
	// headers by ConnectTimeout, with no overall Timeout (streams are
	// endless); its idle connections are closed when the call returns.
	Client *http.Client
	// ConnectTimeout bounds dialing plus the wait for the response headers
	// (ErrConnectTimeout); default DefaultConnectTimeout. It applies to a
	// caller's Client too.
	ConnectTimeout time.Duration
	// IdleTimeout ends Pull with ErrIdleTimeout when no complete frame
	// arrived for this long (counted from the response headers or the last
	// frame; time spent in onFrame does not count). For PollSnapshots it
	// bounds reading one snapshot body. Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// User and Pass, when User is set, are sent as HTTP Basic credentials
	// (RFC 7617); otherwise the URL's userinfo is used, if any.
	User, Pass string
	// Options bound what the stream may send; see Options.
	Options Options
}

func (c PullConfig) withDefaults() PullConfig {
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	c.Options = c.Options.withDefaults()
	return c
}

// client returns the client to use and what to call when done with it.
func (c PullConfig) client() (*http.Client, func()) {
	if c.Client != nil {
		return c.Client, func() {}
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: c.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   c.ConnectTimeout,
		ResponseHeaderTimeout: c.ConnectTimeout,
		MaxIdleConnsPerHost:   1,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr}, tr.CloseIdleConnections
}

// source is one camera URL with its credentials separated out.
type source struct {
	url        string // without userinfo
	shown      string // for errors: password redacted
	user, pass string
	auth       bool
}

func newSource(rawURL string, cfg PullConfig) (source, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return source{}, fmt.Errorf("mpjpeg: bad URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return source{}, fmt.Errorf("mpjpeg: URL %s: scheme must be http or https", u.Redacted())
	}
	s := source{shown: u.Redacted(), user: cfg.User, pass: cfg.Pass, auth: cfg.User != ""}
	if u.User != nil && !s.auth {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		s.auth = true
	}
	u.User = nil
	s.url = u.String()
	return s, nil
}

// get sends one GET and waits for its response headers, at most
// cfg.ConnectTimeout. The returned context governs the body: cancel it with
// a cause to abort reading; the caller must call cancel(nil) when done.
func (s source) get(ctx context.Context, client *http.Client, cfg PullConfig) (*http.Response, context.Context, context.CancelCauseFunc, error) {
	reqCtx, cancel := context.WithCancelCause(ctx)
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, s.url, nil)
	if err != nil {
		cancel(nil)
		return nil, nil, nil, fmt.Errorf("mpjpeg: GET %s: %w", s.shown, err)
	}
	if s.auth {
		req.SetBasicAuth(s.user, s.pass)
	}
	timer := time.AfterFunc(cfg.ConnectTimeout, func() { cancel(ErrConnectTimeout) })
	resp, err := client.Do(req)
	timer.Stop()
	if err != nil {
		defer cancel(nil)
		if ctx.Err() != nil {
			return nil, nil, nil, ctx.Err()
		}
		var ne net.Error
		if errors.Is(context.Cause(reqCtx), ErrConnectTimeout) || errors.As(err, &ne) && ne.Timeout() {
			return nil, nil, nil, fmt.Errorf("mpjpeg: GET %s: %w (%v): %w", s.shown, ErrConnectTimeout, cfg.ConnectTimeout, err)
		}
		return nil, nil, nil, fmt.Errorf("mpjpeg: GET %s: %w", s.shown, err)
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // let the connection be reused
		resp.Body.Close()
		cancel(nil)
		return nil, nil, nil, &StatusError{URL: s.shown, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	return resp, reqCtx, cancel, nil
}

// mediaType returns the lower-case media type of a Content-Type value.
func mediaType(contentType string) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// failure maps an error met while reading a body to what the caller
// should see: ctx.Err() when ctx ended, the timeout that aborted the read,
// or err with context.
func failure(ctx, reqCtx context.Context, err error, what string, cfg PullConfig) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if cause := context.Cause(reqCtx); errors.Is(cause, ErrIdleTimeout) {
		return fmt.Errorf("%s: %w (nothing complete for %v)", what, ErrIdleTimeout, cfg.IdleTimeout)
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", what, ErrStreamEnded)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Pull GETs rawURL, a multipart/x-mixed-replace MJPEG stream, and calls
// onFrame with each complete JPEG in order (the slice is the callee's to
// keep) until ctx ends, when it returns ctx.Err(), or the stream fails,
// when it returns an error wrapping the cause: *StatusError, ErrContentType
// (a text/* or image/* reply: an error page, or a snapshot URL that wants
// PollSnapshots), ErrConnectTimeout, ErrIdleTimeout, ErrStreamEnded, or a
// Reader error. It never returns nil. Any other Content-Type is accepted,
// since cameras and ffmpeg often say application/octet-stream; the body
// then has to show a multipart boundary. A nil onFrame drops the frames.
func Pull(ctx context.Context, rawURL string, cfg PullConfig, onFrame func(jpeg []byte)) error {
	cfg = cfg.withDefaults()
	if onFrame == nil {
		onFrame = func([]byte) {}
	}
	src, err := newSource(rawURL, cfg)
	if err != nil {
		return err
	}
	client, done := cfg.client()
	defer done()
	resp, reqCtx, cancel, err := src.get(ctx, client, cfg)
	if err != nil {
		return err
	}
	defer cancel(nil)
	defer resp.Body.Close()
	ct := resp.Header.Get("Content-Type")
	if mt := mediaType(ct); strings.HasPrefix(mt, "text/") || strings.HasPrefix(mt, "image/") {
		return fmt.Errorf("mpjpeg: GET %s: %w %q (want multipart/x-mixed-replace)", src.shown, ErrContentType, ct)
	}
	idle := time.AfterFunc(cfg.IdleTimeout, func() { cancel(ErrIdleTimeout) })
	defer idle.Stop()
	rd := NewReader(resp.Body, ct, cfg.Options)
	for frames := 0; ; frames++ {
		frame, err := rd.Next()
		if err != nil {
			what := fmt.Sprintf("mpjpeg: pull %s after %d frames (%d parts skipped)", src.shown, frames, rd.Skipped())
			return failure(ctx, reqCtx, err, what, cfg)
		}
		idle.Stop()
		onFrame(frame)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		idle.Reset(cfg.IdleTimeout)
	}
}

// PollSnapshots GETs rawURL, a single image/jpeg, every interval (<= 0
// means DefaultPollInterval; the first GET is immediate, and a slow reply
// delays the next rather than piling them up) and calls onFrame with each
// JPEG until ctx ends, when it returns ctx.Err(), or a snapshot fails, when
// it returns an error as Pull does (a reply that is not image/*,
// application/octet-stream or untyped wraps ErrContentType; a body that is
// not one complete JPEG wraps ErrNotJPEG; one over Options.MaxPartBytes
// wraps ErrPartTooLarge). It never returns nil. A nil onFrame drops the
// frames.
func PollSnapshots(ctx context.Context, rawURL string, interval time.Duration, cfg PullConfig, onFrame func(jpeg []byte)) error {
	cfg = cfg.withDefaults()
	if onFrame == nil {
		onFrame = func([]byte) {}
	}
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	src, err := newSource(rawURL, cfg)
	if err != nil {
		return err
	}
	client, done := cfg.client()
	defer done()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for n := 0; ; n++ {
		frame, err := src.snapshot(ctx, client, cfg)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("mpjpeg: snapshot %d: %w", n, err)
		}
		onFrame(frame)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// snapshot fetches and checks one JPEG.
func (s source) snapshot(ctx context.Context, client *http.Client, cfg PullConfig) ([]byte, error) {
	resp, reqCtx, cancel, err := s.get(ctx, client, cfg)
	if err != nil {
		return nil, err
	}
	defer cancel(nil)
	defer resp.Body.Close()
	ct := resp.Header.Get("Content-Type")
	if mt := mediaType(ct); mt != "" && mt != "application/octet-stream" && !strings.HasPrefix(mt, "image/") {
		return nil, fmt.Errorf("mpjpeg: GET %s: %w %q (want image/jpeg)", s.shown, ErrContentType, ct)
	}
	max := int64(cfg.Options.MaxPartBytes)
	if resp.ContentLength > max {
		return nil, fmt.Errorf("mpjpeg: GET %s: %w: Content-Length %d, limit %d", s.shown, ErrPartTooLarge, resp.ContentLength, max)
	}
	idle := time.AfterFunc(cfg.IdleTimeout, func() { cancel(ErrIdleTimeout) })
	defer idle.Stop()
	body, err := readLimited(resp.Body, resp.ContentLength, max)
	what := "mpjpeg: GET " + s.shown
	if err != nil {
		return nil, failure(ctx, reqCtx, err, what, cfg)
	}
	f, ok := jpegBody(body)
	if !ok {
		return nil, fmt.Errorf("%s: %w (%d bytes, %q)", what, ErrNotJPEG, len(body), ct)
	}
	return f, nil
}

// readLimited reads a whole body of at most max bytes, sized by its
// Content-Length (n, -1 if unknown) only as far as the bytes really come.
func readLimited(body io.Reader, n, max int64) ([]byte, error) {
	hint := int64(64 << 10)
	if n >= 0 {
		hint = min(n, firstAlloc)
	}
	buf := make([]byte, 0, hint)
	for {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(int64(2*cap(buf)+1), max+1))
			copy(grown, buf)
			buf = grown
		}
		m, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if int64(len(buf)) > max {
			return nil, fmt.Errorf("%w: body over %d bytes", ErrPartTooLarge, max)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
