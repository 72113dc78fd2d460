// Package web is the HTTP listener's front: it routes the status page
// (embedded, "/" and "/static/NAME"), the JSON API ("/api/status"), the
// Prometheus metrics ("/metrics") and hands everything else — the MJPEG
// streams, snapshots and the 404s — to the server's own handler
// ((*server.Server).ServeHTTP). The page, the API and the metrics answer
// loopback clients only, unless Config gives them their own Basic
// credentials; the streams and snapshots keep the server's reader
// credentials.
//
// The dependency goes one way: web imports server, server never imports
// web.
package web

import (
	"bytes"
	"crypto/subtle"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
)

// Config is what the web front needs besides the server. The zero value
// serves the page, API and metrics to loopback clients only.
type Config struct {
	// RTSPURL is the public base of the RTSP URLs, "rtsp://HOST:PORT"
	// without a trailing slash; each stream's rtsp_url in /api/status is
	// this plus its path. Empty: no rtsp_url.
	RTSPURL string
	// HTTPURL is the public base of this listener, "http://HOST:PORT";
	// the stream and snapshot URLs in /api/status start with it. Empty:
	// "http://" plus each request's Host header.
	HTTPURL string
	// Credentials, when set, let any address reach the page, the API and
	// the metrics with these Basic credentials (RFC 7617), and nobody
	// without them. Nil: loopback clients only (403 for the others).
	Credentials *rtsp.Credentials
	// Realm is the Basic realm the browser shows. Default "rtpstream".
	Realm string
}

// handler routes one HTTP listener; see New.
type handler struct {
	srv     *server.Server
	cfg     Config
	metrics http.Handler
	static  fs.FS
}

// New returns the HTTP listener's handler: "/" (the status page),
// "/static/NAME" (its files), "/api/status" (JSON, see Status) and
// "/metrics" (Prometheus text format) for loopback clients or the holders
// of cfg.Credentials; every other request (/PATH/stream.mjpeg,
// /PATH/snapshot.jpg, unknown paths) goes to srv.ServeHTTP. The page, API
// and metrics answer GET and HEAD (405 otherwise).
func New(srv *server.Server, cfg Config) http.Handler {
	if cfg.Realm == "" {
		cfg.Realm = "rtpstream"
	}
	cfg.RTSPURL = strings.TrimSuffix(cfg.RTSPURL, "/")
	cfg.HTTPURL = strings.TrimSuffix(cfg.HTTPURL, "/")
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newCollector(srv),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		// The embedded tree always has static/; keep serving without it.
		sub = staticFS
	}
	return &handler{
		srv: srv, cfg: cfg, static: sub,
		metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{
			// A failing collector (the process collector on an odd
			// system) must not hide the others.
			ErrorHandling: promhttp.ContinueOnError,
			// Scrapes are cheap but not free: a few at a time.
			MaxRequestsInFlight: 4,
		}),
	}
}

// ServeHTTP routes r; see New.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var serve func(http.ResponseWriter, *http.Request)
	switch p := r.URL.Path; {
	case p == "/":
		serve = func(w http.ResponseWriter, r *http.Request) { h.serveFile(w, r, "index.html") }
	case p == "/api/status":
		serve = h.serveStatus
	case p == "/metrics":
		serve = h.metrics.ServeHTTP
	case strings.HasPrefix(p, "/static/") && h.isStatic(strings.TrimPrefix(p, "/static/")):
		serve = func(w http.ResponseWriter, r *http.Request) {
			h.serveFile(w, r, strings.TrimPrefix(p, "/static/"))
		}
	default:
		// Streams and snapshots: the server bounds them itself (per-write
		// deadlines, the snapshot timeout) and checks their credentials.
		h.srv.ServeHTTP(w, r)
		return
	}
	if !h.allowed(w, r) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	serve(w, r)
}

// allowed applies the access rule of the page, API and metrics, and
// answers 401 or 403 when r is refused.
func (h *handler) allowed(w http.ResponseWriter, r *http.Request) bool {
	if c := h.cfg.Credentials; c != nil {
		u, p, ok := r.BasicAuth()
		if ok && constantEqual(u, c.Username) && constantEqual(p, c.Password) {
			return true
		}
		h.srv.NoteAuthFailure()
		w.Header().Set("WWW-Authenticate", `Basic realm="`+h.cfg.Realm+`", charset="UTF-8"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return false
	}
	if isLoopback(r.RemoteAddr) {
		return true
	}
	http.Error(w, "forbidden: the status page, API and metrics answer loopback clients only (see --http-user)",
		http.StatusForbidden)
	return false
}

// isLoopback says whether a RemoteAddr ("IP:PORT") is a loopback address.
func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// constantEqual compares secrets in time independent of where they differ.
func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// isStatic says whether name is a file of the embedded page.
func (h *handler) isStatic(name string) bool {
	if name == "" || !fs.ValidPath(name) {
		return false
	}
	st, err := fs.Stat(h.static, name)
	return err == nil && !st.IsDir()
}

// serveFile answers an embedded file (Content-Type from its extension,
// HEAD and conditional requests by http.ServeContent).
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	b, err := fs.ReadFile(h.static, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(b))
}
