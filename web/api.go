package web

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/rtpstream/rtpstream/server"
)

// Status is the JSON of /api/status: every field of server.Status (time,
// started, auth_failures, refused, udp_send_errors, live_delay) with its streams
// extended by the URLs to copy, plus uptime_seconds and http_url. Counters
// are totals since start: a script computes rates from two polls.
type Status struct {
	server.Status
	// Streams shadows server.Status.Streams (encoding/json takes the
	// shallower field): the same streams with their URLs.
	Streams []Stream `json:"streams"`
	// UptimeSeconds is Time - Started.
	UptimeSeconds float64 `json:"uptime_seconds"`
	// HTTPURL is the base of this listener ("http://HOST:PORT").
	HTTPURL string `json:"http_url"`
}

// Stream is one stream of Status: server.StreamStatus (path, kind, source,
// state, width, height, fps, frames, dropped, reconnects, readers) plus
// the URLs a viewer or player opens.
type Stream struct {
	server.StreamStatus
	// RTSPURL is the stream for RTSP players ("" when Config.RTSPURL is
	// empty).
	RTSPURL string `json:"rtsp_url,omitempty"`
	// MJPEGURL is the multipart/x-mixed-replace stream for browsers and
	// SnapshotURL its newest frame as one JPEG.
	MJPEGURL    string `json:"mjpeg_url"`
	SnapshotURL string `json:"snapshot_url"`
}

// status builds the JSON view; httpBase is the listener's base URL.
func (h *handler) status(httpBase string) Status {
	st := h.srv.Status()
	out := Status{Status: st, HTTPURL: httpBase, Streams: make([]Stream, 0, len(st.Streams))}
	out.Status.Streams = nil
	out.UptimeSeconds = st.Time.Sub(st.Started).Seconds()
	for _, s := range st.Streams {
		p := (&url.URL{Path: s.Path}).EscapedPath()
		x := Stream{StreamStatus: s, MJPEGURL: httpBase + p + "/stream.mjpeg", SnapshotURL: httpBase + p + "/snapshot.jpg"}
		if h.cfg.RTSPURL != "" {
			x.RTSPURL = h.cfg.RTSPURL + p
		}
		out.Streams = append(out.Streams, x)
	}
	return out
}

// serveStatus answers /api/status.
func (h *handler) serveStatus(w http.ResponseWriter, r *http.Request) {
	base := h.cfg.HTTPURL
	if base == "" {
		base = "http://" + r.Host
	}
	b, err := json.Marshal(h.status(base))
	if err != nil {
		http.Error(w, "status: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(append(b, '\n'))
}
