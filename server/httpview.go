package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/mpjpeg"
)

// httpViewer is a browser (or any HTTP client) watching a stream as
// multipart/x-mixed-replace MJPEG: one more frameReader of the hub. It
// holds one frame, the newest: a slow viewer gets the newest complete frame
// when it is ready for one and skips (counts) the ones in between, so it
// never builds up latency, never holds more than one frame, and never
// slows anyone else. Its own goroutine (the HTTP handler's) writes.
type httpViewer struct {
	remote  string
	started time.Time
	// ctx ends the viewer's response: the path ended, the server stops.
	ctx    context.Context
	cancel context.CancelCauseFunc
	// wake has room for one signal: a frame is waiting.
	wake chan struct{}

	mu      sync.Mutex
	jpeg    []byte
	ts      time.Time
	pending bool

	frames, bytes, skipped atomic.Uint64
}

func newHTTPViewer(ctx context.Context, remote string) *httpViewer {
	v := &httpViewer{remote: remote, started: time.Now(), wake: make(chan struct{}, 1)}
	v.ctx, v.cancel = context.WithCancelCause(ctx)
	return v
}

// deliver keeps the newest frame; one the viewer has not taken yet is
// skipped.
func (v *httpViewer) deliver(f *liveFrame, _ time.Time) {
	v.mu.Lock()
	if v.pending {
		v.skipped.Add(1)
	}
	v.jpeg, v.ts, v.pending = f.jpeg, f.arrival, true
	v.mu.Unlock()
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// end finishes the viewer's response.
func (v *httpViewer) end(reason string) { v.cancel(errors.New(reason)) }

// take returns the waiting frame, if any.
func (v *httpViewer) take() ([]byte, time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.pending {
		return nil, time.Time{}, false
	}
	j, ts := v.jpeg, v.ts
	v.jpeg, v.pending = nil, false
	return j, ts, true
}

// HTTPConfig bounds the HTTP side (MJPEG viewers and snapshots). The zero
// value takes the documented defaults.
type HTTPConfig struct {
	// MaxViewers limits concurrent MJPEG viewers; more get 503. Default
	// 1000.
	MaxViewers int
	// WriteTimeout closes a viewer that takes nothing for this long.
	// Default 10 s.
	WriteTimeout time.Duration
	// SnapshotTimeout is how long a snapshot of a live path waits for its
	// first frame (starting an on-demand relay) before 503. Default 5 s.
	SnapshotTimeout time.Duration
}

func (c HTTPConfig) withDefaults() HTTPConfig {
	if c.MaxViewers <= 0 {
		c.MaxViewers = 1000
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.SnapshotTimeout <= 0 {
		c.SnapshotTimeout = 5 * time.Second
	}
	return c
}

// Stream and snapshot suffixes of the HTTP paths: /PATH/stream.mjpeg,
// /PATH/snapshot.jpg.
const (
	mjpegSuffix    = "/stream.mjpeg"
	snapshotSuffix = "/snapshot.jpg"
)

// ServeHTTP serves /PATH/stream.mjpeg (multipart/x-mixed-replace, each
// frame as it completes, the newest one to a slow viewer; each part's
// header block is sent right after the previous part, so browsers show a
// frame at once; ?headers=full gives every part Content-Length and
// X-Timestamp instead) and
// /PATH/snapshot.jpg (the newest frame; for files the first, or the one at
// ?t=SECONDS). Unknown paths get 404, methods other than GET and HEAD 405,
// viewers over the limit 503. When the server or the path has reader
// credentials, requests need them (Basic: browsers ask once and keep them).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var (
		name     string
		snapshot bool
	)
	switch {
	case strings.HasSuffix(p, mjpegSuffix):
		name = strings.TrimSuffix(p, mjpegSuffix)
	case strings.HasSuffix(p, snapshotSuffix):
		name, snapshot = strings.TrimSuffix(p, snapshotSuffix), true
	default:
		http.NotFound(w, r)
		return
	}
	st, ok := s.cat.lookup(name)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.httpAuthorized(w, r, st) {
		return
	}
	if err := s.openStream(st); err != nil {
		http.NotFound(w, r) // not a playable file (logged once)
		return
	}
	if snapshot {
		s.serveSnapshot(w, r, st)
		return
	}
	s.serveMJPEG(w, r, st)
}

// httpAuthorized checks Basic credentials when the stream needs them.
func (s *Server) httpAuthorized(w http.ResponseWriter, r *http.Request, st *Stream) bool {
	cred := s.cfg.Credentials
	if st.live != nil && st.live.cfg.ReadCredentials != nil {
		cred = st.live.cfg.ReadCredentials
	}
	if cred == nil {
		return true
	}
	u, p, hasAuth := r.BasicAuth()
	if hasAuth {
		if ok, retry := s.authLimit.waitTurn(r.Context(), httpPeer(r)); !ok {
			s.refused.Add(1)
			w.Header().Set("Retry-After", retryAfter(retry))
			http.Error(w, "too many failed logins", http.StatusTooManyRequests)
			return false
		}
		if constantEqual(u, cred.Username) && constantEqual(p, cred.Password) {
			s.authLimit.succeeded(httpPeer(r))
			return true
		}
		s.authLimit.failed(httpPeer(r), time.Now(), "remote", r.RemoteAddr, "method", r.Method, "url", r.URL.Path)
	}
	s.authFailures.Add(1)
	w.Header().Set("WWW-Authenticate", `Basic realm="`+s.cfg.Realm+`", charset="UTF-8"`)
	http.Error(w, "unauthorized", http.StatusUnauthorized)
	return false
}

// serveMJPEG streams the path to one viewer until it leaves, stalls for
// the write timeout, or the path or server ends.
func (s *Server) serveMJPEG(w http.ResponseWriter, r *http.Request, st *Stream) {
	hc := s.cfg.HTTP
	if s.httpViewers.Add(1) > int64(hc.MaxViewers) {
		s.httpViewers.Add(-1)
		s.refused.Add(1)
		http.Error(w, "too many viewers", http.StatusServiceUnavailable)
		return
	}
	defer s.httpViewers.Add(-1)
	v := newHTTPViewer(r.Context(), r.RemoteAddr)
	defer v.cancel(nil)
	// The server's shutdown ends the viewer too (files and the pattern
	// have no path to end it).
	stop := context.AfterFunc(s.serveCtx(), func() { v.end("server shutting down") })
	defer stop()
	var mw *mpjpeg.Writer
	h := w.Header()
	h.Set("Content-Type", mpjpeg.NewWriter(io.Discard, "").ContentType())
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "0")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	detach, err := s.attachViewer(st, v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	defer detach()
	// Take the connection over once the response head is out, so each
	// part is one gathered write to the socket rather than net/http's
	// chunked framing through 4 KiB buffers (about three writes a
	// frame). Where the connection cannot be taken (HTTP/2, a test
	// recorder), write through net/http.
	rc := http.NewResponseController(w)
	setDeadline := rc.SetWriteDeadline
	if nc, brw, err := rc.Hijack(); err == nil {
		defer nc.Close()
		head := appendResponseHead(nil, h)
		_ = nc.SetWriteDeadline(time.Now().Add(hc.WriteTimeout))
		if brw.Writer.Buffered() > 0 {
			_ = brw.Flush()
		}
		if _, err := nc.Write(head); err != nil {
			return
		}
		mw = mpjpeg.NewWriter(nc, "")
		setDeadline = nc.SetWriteDeadline
	} else {
		mw = mpjpeg.NewWriter(w, "")
		w.WriteHeader(http.StatusOK)
		_ = rc.Flush()
	}
	// Browsers show a part only once the next one's headers are complete:
	// send them ahead (Content-Type only) unless the client asks for
	// Content-Length and X-Timestamp on every part (?headers=full, for
	// tools that read parts by length; browsers then lag a frame).
	if r.URL.Query().Get("headers") != "full" {
		mw.SetAdvanceHeaders()
	}
	for {
		select {
		case <-v.ctx.Done():
			return
		case <-v.wake:
		}
		jpeg, ts, ok := v.take()
		if !ok {
			continue
		}
		_ = setDeadline(time.Now().Add(hc.WriteTimeout))
		if err := mw.WriteFrame(jpeg, ts); err != nil {
			return
		}
		v.frames.Add(1)
		v.bytes.Add(uint64(len(jpeg)))
	}
}

// appendResponseHead writes an HTTP/1.1 200 response head with h's
// fields, for a connection taken over from net/http. Connection: close: the
// body ends when the connection does.
func appendResponseHead(b []byte, h http.Header) []byte {
	b = append(b, "HTTP/1.1 200 OK\r\n"...)
	b = append(b, "Date: "...)
	b = append(b, time.Now().UTC().Format(http.TimeFormat)...)
	b = append(b, "\r\n"...)
	for _, k := range []string{"Content-Type", "Cache-Control", "Pragma", "Expires", "X-Content-Type-Options"} {
		if v := h.Get(k); v != "" {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	return append(b, "Connection: close\r\n\r\n"...)
}

// serveCtx is Serve's context, or a cancelled one when the server is not
// serving (yet, or any more).
func (s *Server) serveCtx() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.baseCtx != nil {
		return s.baseCtx
	}
	if s.closed {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}
	return context.Background()
}

// attachViewer makes v a reader of st: of its live path, or of the file's
// feed. The returned function detaches it.
func (s *Server) attachViewer(st *Stream, v *httpViewer) (func(), error) {
	s.mu.Lock()
	if s.viewers == nil {
		s.viewers = make(map[*httpViewer]*Stream)
	}
	s.viewers[v] = st
	s.mu.Unlock()
	forget := func() {
		s.mu.Lock()
		delete(s.viewers, v)
		s.mu.Unlock()
	}
	if ls := st.live; ls != nil {
		if err := ls.attach(v); err != nil {
			forget()
			return nil, fmt.Errorf("stream %s: %w", st.Name, err)
		}
		ls.setPlaying(v, true)
		return func() { ls.detach(v); forget() }, nil
	}
	f := s.feedOf(st)
	f.attach(v)
	return func() { f.detach(v); forget() }, nil
}

// serveSnapshot answers the stream's newest complete frame as one JPEG.
func (s *Server) serveSnapshot(w http.ResponseWriter, r *http.Request, st *Stream) {
	jpeg, code, msg := s.snapshot(r, st)
	if code != http.StatusOK {
		http.Error(w, msg, code)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Content-Length", strconv.Itoa(len(jpeg)))
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(jpeg)
}

// snapshot finds the frame: a live path's newest (starting an on-demand
// relay and waiting up to SnapshotTimeout for its first frame), the test
// pattern's current one, or a file's first (or the one at ?t=SECONDS).
func (s *Server) snapshot(r *http.Request, st *Stream) ([]byte, int, string) {
	if ls := st.live; ls != nil {
		ls.mu.Lock()
		last := ls.last
		ls.mu.Unlock()
		if last != nil {
			return last.jpeg, http.StatusOK, ""
		}
		v := newHTTPViewer(r.Context(), r.RemoteAddr)
		detach, err := s.attachViewer(st, v)
		if err != nil {
			return nil, http.StatusNotFound, err.Error()
		}
		defer detach()
		t := time.NewTimer(s.cfg.HTTP.SnapshotTimeout)
		defer t.Stop()
		select {
		case <-v.wake:
			if j, _, ok := v.take(); ok {
				return j, http.StatusOK, ""
			}
		case <-t.C:
		case <-v.ctx.Done():
		}
		return nil, http.StatusServiceUnavailable, "no frame from " + st.Name + " yet"
	}
	store := st.frames()
	n := store.len()
	idx := 0
	if st.Live {
		period := time.Duration(float64(time.Second) / st.FPS)
		idx = int(time.Since(st.epoch)/period) % n
	} else if q := r.URL.Query().Get("t"); q != "" {
		sec, err := strconv.ParseFloat(q, 64)
		if err != nil || sec < 0 || sec != sec {
			return nil, http.StatusBadRequest, "t: want seconds >= 0"
		}
		if sec >= st.Duration() {
			return nil, http.StatusBadRequest, fmt.Sprintf("t=%s is past the end (%.3f s)", q, st.Duration())
		}
		idx = min(int(sec*st.FPS), n-1)
	}
	// The frame itself (converted now if the converter has not got to
	// it), or the next one that can be sent (an unreadable frame is
	// skipped as playback skips it).
	store.prepare(idx)
	for k := range min(n, 2*prefetchAhead) {
		if f, err := store.frame((idx + k) % n); err == nil {
			return f.jpeg, http.StatusOK, ""
		}
	}
	return nil, http.StatusServiceUnavailable, "no frame of " + st.Name + " is ready yet"
}

// httpPeer is the address of an HTTP request's peer (the zero Addr when
// RemoteAddr is not an address, as behind some test recorders).
func httpPeer(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
