package server

import (
	"sort"
	"time"
)

// Status is a point-in-time view of the server, for the status page, the
// JSON API and the metrics. Counters are totals since the server started;
// rates are for the reader of two Statuses to compute.
type Status struct {
	// Time is when the view was taken.
	Time time.Time `json:"time"`
	// Started is when the server was made.
	Started time.Time `json:"started"`
	// Streams lists every path, sorted.
	Streams []StreamStatus `json:"streams"`
	// AuthFailures counts requests refused for their credentials (RTSP and
	// HTTP); Refused counts connections and viewers refused by limits.
	AuthFailures uint64 `json:"auth_failures"`
	Refused      uint64 `json:"refused"`
	// UDPSendErrors counts failed batched UDP sends.
	UDPSendErrors uint64 `json:"udp_send_errors"`
	// LiveDelay is how long live frames that had readers stayed in the
	// server: from reading their last byte (a publisher's last packet, a
	// relay's) to the end of the scheduler's send to every UDP reader
	// (TCP readers: queued on their connections).
	LiveDelay DelayHistogram `json:"live_delay"`
}

// StreamStatus describes one path.
type StreamStatus struct {
	// Path is where it is served ("/test").
	Path string `json:"path"`
	// Kind is "file", "pattern", "publisher", "rtsp", "http" or "snapshot".
	Kind string `json:"kind"`
	// Source is a relay's URL without its password ("" otherwise).
	Source string `json:"source,omitempty"`
	// State is a live path's: "publishing", "waiting" (no publisher),
	// "connected", "connecting" (relay), "idle" (on-demand relay without
	// readers); "ready" for files and the pattern.
	State string `json:"state"`
	// Width, Height and FPS are known for files and the pattern (0 for
	// live paths).
	Width  int     `json:"width,omitempty"`
	Height int     `json:"height,omitempty"`
	FPS    float64 `json:"fps,omitempty"`
	// Frames counts the frames a live path received; Dropped those lost on
	// the way in (missing fragments, too large, not convertible).
	Frames  uint64 `json:"frames"`
	Dropped uint64 `json:"dropped"`
	// Reconnects counts a relay's source connections after the first.
	Reconnects uint64 `json:"reconnects"`
	// Readers are the RTSP sessions and HTTP viewers of the path.
	Readers []ReaderStatus `json:"readers"`
}

// ReaderStatus describes one reader of a stream.
type ReaderStatus struct {
	// Remote is the reader's address.
	Remote string `json:"remote"`
	// Transport is "udp", "tcp", "lab" (the lab's dialect over UDP),
	// "http" (MJPEG viewer) or "record" (a publisher).
	Transport string `json:"transport"`
	// State is "ready", "playing", "recording" (RTSP) or "watching".
	State string `json:"state"`
	// Since is when the reader arrived.
	Since time.Time `json:"since"`
	// Packets and Bytes sent to it (RTP payload bytes for RTSP, JPEG bytes
	// for HTTP), and Frames.
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
	Frames  uint64 `json:"frames"`
	// LateFrames were sent more than a frame period late; SkippedFrames
	// were not sent (a slow TCP reader's full queue, a slow HTTP viewer).
	LateFrames    uint64 `json:"late_frames"`
	SkippedFrames uint64 `json:"skipped_frames"`
	// Loss is the fraction lost and JitterMs the interarrival jitter from
	// the reader's latest RTCP receiver report (RFC 3550 6.4.1), if any.
	Loss     float64 `json:"loss"`
	JitterMs float64 `json:"jitter_ms"`
	HaveRR   bool    `json:"have_rr"`
}

// Status takes a view of the server.
func (s *Server) Status() Status {
	now := time.Now()
	out := Status{
		Time: now, Started: s.started,
		AuthFailures: s.authFailures.Load(), Refused: s.refused.Load(), UDPSendErrors: s.udpErrors.Load(),
		LiveDelay: s.liveDelay.snapshot(),
	}
	byStream := map[*Stream][]ReaderStatus{}
	s.mu.Lock()
	sessions := make([]*Session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	for v, st := range s.viewers {
		byStream[st] = append(byStream[st], v.status())
	}
	s.mu.Unlock()
	for _, ss := range sessions {
		byStream[ss.stream] = append(byStream[ss.stream], ss.status())
	}
	for _, name := range s.cat.allNames() {
		st, ok := s.cat.lookup(name)
		if !ok {
			continue
		}
		ss := StreamStatus{Path: name, Readers: byStream[st]}
		if ss.Readers == nil {
			ss.Readers = []ReaderStatus{}
		}
		sort.Slice(ss.Readers, func(i, j int) bool { return ss.Readers[i].Since.Before(ss.Readers[j].Since) })
		switch {
		case st.live != nil:
			st.live.status(&ss)
		case st.Live:
			ss.Kind, ss.State, ss.FPS = "pattern", "ready", st.rate()
			ss.Width, ss.Height = st.size()
		default:
			// A file not opened yet shows 0x0: opening it to fill
			// a status page would index the whole library.
			ss.Kind, ss.State, ss.FPS = "file", "ready", st.rate()
			ss.Width, ss.Height = st.size()
		}
		out.Streams = append(out.Streams, ss)
	}
	return out
}

// status describes an RTSP session as a reader (or a publisher).
func (ss *Session) status() ReaderStatus {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	r := ReaderStatus{
		Remote: ss.conn.remote, State: ss.state.String(), Since: time.Unix(0, ss.created),
		Packets: uint64(ss.packetsSent), Bytes: uint64(ss.octetsSent),
		Frames:     ss.framesOffered - min(ss.framesDropped, ss.framesOffered),
		LateFrames: ss.framesLate, SkippedFrames: ss.framesDropped,
	}
	switch {
	case ss.pub != nil:
		r.Transport = "record"
	case ss.d.wholeJPEG:
		r.Transport = "lab"
	case ss.tr.tcp:
		r.Transport = "tcp"
	default:
		r.Transport = "udp"
	}
	if ss.haveRR {
		r.HaveRR = true
		r.Loss = float64(ss.lastRR.FractionLost) / 256
		r.JitterMs = float64(ss.lastRR.Jitter) / 90
	}
	return r
}

// status describes an HTTP viewer.
func (v *httpViewer) status() ReaderStatus {
	return ReaderStatus{
		Remote: v.remote, Transport: "http", State: "watching", Since: v.started,
		Frames: v.frames.Load(), Bytes: v.bytes.Load(), SkippedFrames: v.skipped.Load(),
	}
}

// status fills in a live path's kind, source and state.
func (ls *liveStream) status(out *StreamStatus) {
	out.Kind = ls.cfg.Kind.String()
	if ls.cfg.Source != "" {
		out.Source = redactURL(ls.cfg.Source)
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	out.Frames, out.Dropped, out.Reconnects = ls.frames, ls.dropped, ls.reconnects
	switch {
	case ls.cfg.Kind == SourcePublisher && ls.publisher != nil:
		out.State = "publishing"
	case ls.cfg.Kind == SourcePublisher:
		out.State = "waiting"
	case ls.puller == nil:
		out.State = "idle"
	case ls.connected:
		out.State = "connected"
	default:
		out.State = "connecting"
	}
}

// NoteAuthFailure counts a request refused for its credentials by a front
// that shares the server's figures (package web: the status page, API and
// metrics), so that Status.AuthFailures covers every refusal.
func (s *Server) NoteAuthFailure() { s.authFailures.Add(1) }
