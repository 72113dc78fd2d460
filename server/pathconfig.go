package server

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// SourceKind says where a live path's frames come from.
type SourceKind int

const (
	// SourcePublisher: an RTSP client publishes to the path (ANNOUNCE,
	// RECORD).
	SourcePublisher SourceKind = iota
	// SourceRTSP: the path relays an rtsp:// URL (RFC 2435 or the lab's
	// dialect), pulled by our client.
	SourceRTSP
	// SourceHTTP: the path relays an http:// multipart/x-mixed-replace
	// MJPEG stream (ESP32-CAM, mjpg-streamer, µStreamer, motion, ffmpeg's
	// mpjpeg muxer).
	SourceHTTP
	// SourceSnapshot: the path polls an http:// URL answering one JPEG.
	SourceSnapshot
)

func (k SourceKind) String() string {
	switch k {
	case SourcePublisher:
		return "publisher"
	case SourceRTSP:
		return "rtsp"
	case SourceHTTP:
		return "http"
	case SourceSnapshot:
		return "snapshot"
	}
	return "unknown"
}

// DefaultCloseAfter is how long an on-demand relay stays connected after
// its last reader leaves.
const DefaultCloseAfter = 10 * time.Second

// PathConfig declares one live path: a relayed source or a publish target.
type PathConfig struct {
	// Name is the path, starting with '/' ("/cam1", "/site/cam2").
	Name string
	// Source is the URL relayed (rtsp://, http://, https://); empty for a
	// publish target.
	Source string
	// Kind says what Source is (SourcePublisher when it is empty).
	Kind SourceKind
	// SourceTransport is how an rtsp:// source is pulled: "udp", "tcp" or
	// "auto" (default: UDP, then TCP when UDP gets nothing).
	SourceTransport string
	// SourceCredentials log in to the source; credentials in the URL are
	// used when nil.
	SourceCredentials *rtsp.Credentials
	// SnapshotInterval is how often a SourceSnapshot URL is polled.
	// Default 1 s.
	SnapshotInterval time.Duration
	// AlwaysOn keeps a relay connected with or without readers; by default
	// it connects when the first reader sets up and disconnects CloseAfter
	// after the last one leaves.
	AlwaysOn bool
	// CloseAfter: see AlwaysOn. Default DefaultCloseAfter.
	CloseAfter time.Duration
	// Publish lets RTSP clients publish to a SourcePublisher path.
	Publish bool
	// PublishCredentials override Config.PublishCredentials on this path.
	PublishCredentials *rtsp.Credentials
	// ReadCredentials override Config.Credentials for readers of this path.
	ReadCredentials *rtsp.Credentials
	// Replace lets a new publisher take the path from the current one
	// (which is disconnected); by default a busy path refuses it with 409.
	Replace bool
	// WaitForPublisher keeps readers when the publisher leaves: they get
	// frames again from the next one. By default they get RTCP BYE and the
	// session ends.
	WaitForPublisher bool
	// Record writes the path's frames into segment files in RecordDir
	// (record.go, internal/recorder: raw MJPEG named by the UTC time of
	// the first frame). A recorded relay stays connected, as with
	// AlwaysOn.
	Record bool
	// RecordDir is the segments' folder, the recording's alone. Default:
	// Config.MediaDir joined with Name (an error without a media folder).
	RecordDir string
	// RecordSegment is a segment's length. Default recorder.DefaultSegment
	// (1 min).
	RecordSegment time.Duration
	// RecordMaxAge deletes segments whose last frame is older; 0 keeps
	// them. RecordMaxBytes deletes the oldest to keep the folder under
	// it; 0 means no limit.
	RecordMaxAge   time.Duration
	RecordMaxBytes int64
}

// validate checks a path configuration and fills in its defaults.
func (p *PathConfig) validate() error {
	if err := checkPathName(p.Name); err != nil {
		return err
	}
	if p.Source != "" {
		u, err := url.Parse(p.Source)
		if err != nil || u.Host == "" {
			return fmt.Errorf("path %s: source %q is not a URL with a host", p.Name, redactURL(p.Source))
		}
		switch strings.ToLower(u.Scheme) {
		case "rtsp":
			p.Kind = SourceRTSP
		case "http", "https":
			if p.Kind != SourceSnapshot {
				p.Kind = SourceHTTP
			}
		default:
			return fmt.Errorf("path %s: source scheme %q: want rtsp, http or https", p.Name, u.Scheme)
		}
		if p.Publish {
			return fmt.Errorf("path %s: a relayed path cannot also be published to", p.Name)
		}
	} else {
		p.Kind = SourcePublisher
	}
	switch strings.ToLower(p.SourceTransport) {
	case "", "auto", "udp", "tcp":
	default:
		return fmt.Errorf("path %s: source transport %q: want udp, tcp or auto", p.Name, p.SourceTransport)
	}
	if p.CloseAfter <= 0 {
		p.CloseAfter = DefaultCloseAfter
	}
	if p.Kind == SourceSnapshot && p.SnapshotInterval <= 0 {
		p.SnapshotInterval = time.Second
	}
	return nil
}

// checkPathName accepts "/a" and "/a/b" made of clean, non-empty segments.
func checkPathName(n string) error {
	if len(n) < 2 || n[0] != '/' || strings.HasSuffix(n, "/") || path.Clean(n) != n || strings.ContainsAny(n, "%?#\\") {
		return fmt.Errorf("path %q: want /NAME or /NAME/NAME with no '..', '%%', '?' or '#'", n)
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f || r == ' ' {
			return fmt.Errorf("path %q: control characters and spaces are not allowed", n)
		}
	}
	if n == PatternName {
		return fmt.Errorf("path %s is the built-in test pattern", n)
	}
	return nil
}

// redactURL removes the password of a URL, for logs and errors.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// equal tells whether two path configurations are the same, so that a
// reload keeps the sessions of unchanged paths.
func (p PathConfig) equal(q PathConfig) bool {
	return p.Name == q.Name && p.Source == q.Source && p.Kind == q.Kind &&
		p.SourceTransport == q.SourceTransport && credsEqual(p.SourceCredentials, q.SourceCredentials) &&
		p.SnapshotInterval == q.SnapshotInterval && p.AlwaysOn == q.AlwaysOn && p.CloseAfter == q.CloseAfter &&
		p.Publish == q.Publish && credsEqual(p.PublishCredentials, q.PublishCredentials) &&
		credsEqual(p.ReadCredentials, q.ReadCredentials) && p.Replace == q.Replace &&
		p.WaitForPublisher == q.WaitForPublisher && p.Record == q.Record && p.RecordDir == q.RecordDir &&
		p.RecordSegment == q.RecordSegment && p.RecordMaxAge == q.RecordMaxAge && p.RecordMaxBytes == q.RecordMaxBytes
}

func credsEqual(a, b *rtsp.Credentials) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// SetPaths installs the live paths (Config.Paths at start, the re-read
// configuration on SIGHUP). Paths whose configuration did not change keep
// their readers, publisher and relay connection untouched; removed paths
// end (their sessions get BYE); changed paths end and start anew. An
// invalid list changes nothing and says why.
func (s *Server) SetPaths(paths []PathConfig) error {
	next := make(map[string]PathConfig, len(paths))
	for _, p := range paths {
		if err := p.validate(); err != nil {
			return err
		}
		if _, dup := next[p.Name]; dup {
			return fmt.Errorf("path %s declared twice", p.Name)
		}
		next[p.Name] = p
	}
	if err := s.recordDefaults(next); err != nil {
		return err
	}
	var ended, started []*liveStream
	added, removed, changed := 0, 0, 0
	s.cat.mu.Lock()
	for name, ls := range s.cat.live {
		p, keep := next[name]
		switch {
		case ls.dynamic && !keep:
			// A publisher's path the configuration does not name.
		case !keep:
			delete(s.cat.live, name)
			ended = append(ended, ls)
			removed++
		case ls.dynamic || !ls.cfg.equal(p):
			delete(s.cat.live, name)
			ended = append(ended, ls)
			changed++
		}
	}
	for name, p := range next {
		if _, ok := s.cat.live[name]; ok {
			continue
		}
		if s.cat.streams[name] != nil {
			s.log.Warn("configured path hides a file of the same name", "stream", name)
		}
		ls := newLiveStream(s, p, false)
		s.cat.live[name] = ls
		started = append(started, ls)
	}
	added = len(started) - changed
	s.cat.mu.Unlock()
	for _, ls := range ended {
		ls.close("path removed or changed by the configuration")
	}
	for _, ls := range started {
		ls.start()
	}
	if added+removed+changed > 0 {
		s.log.Info("paths configured", "added", added, "removed", removed, "changed", changed, "paths", len(next))
	}
	return nil
}
