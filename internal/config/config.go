package config

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Limits on what the file may hold. A config file is trusted more than
// network input, but it is still read from disk and may be generated, so
// everything is bounded.
const (
	// MaxFileSize is the largest config file accepted (1 MiB).
	MaxFileSize = 1 << 20
	// MaxPaths is the largest number of entries under paths.
	MaxPaths = 10000
	// MaxNameLen is the longest path name, in bytes.
	MaxNameLen = 1024
	// MaxSecretFileSize is the largest *_pass_file read (64 KiB); only its
	// first line is used.
	MaxSecretFileSize = 64 << 10
	// MaxErrors is how many errors one Parse reports before summing up the
	// rest in a last line.
	MaxErrors = 20
	// MaxFPS is the highest fps accepted, the same bound as `serve --fps`.
	MaxFPS = 1000
)

// Defaults applied to what the file leaves out.
const (
	// DefaultCloseAfter is how long an on-demand source stays connected
	// after its last reader leaves, when close_after is not given.
	DefaultCloseAfter = 10 * time.Second
	// DefaultSourceTransport is the source_transport of rtsp:// sources
	// when it is not given: UDP first, then TCP interleaved (RFC 2326 §10.12).
	DefaultSourceTransport = "auto"
	// PublisherSource is the source value of a path that RTSP clients
	// publish to; it is the default source.
	PublisherSource = "publisher"
	// TestPatternName is the built-in test pattern's path, which a config
	// file cannot declare.
	TestPatternName = "test"
)

// Bounds on durations; a value outside is an error, not clamped.
const (
	// MinSnapshotInterval keeps a snapshot poller from hammering a camera.
	MinSnapshotInterval = 10 * time.Millisecond
	// MaxSnapshotInterval is the longest snapshot_interval (1h).
	MaxSnapshotInterval = time.Hour
	// MaxCloseAfter is the longest close_after (24h).
	MaxCloseAfter = 24 * time.Hour
)

// Kind says where a path's frames come from.
type Kind int

const (
	// KindPublisher: an RTSP client publishes with ANNOUNCE and RECORD
	// (RFC 2326 §10.3, §10.11). It is the zero value, as it is the default
	// source.
	KindPublisher Kind = iota
	// KindRTSP: pulled from an rtsp:// URL (DESCRIBE, SETUP, PLAY).
	KindRTSP
	// KindHTTPStream: pulled from an http:// or https:// URL serving
	// multipart/x-mixed-replace MJPEG.
	KindHTTPStream
	// KindHTTPSnapshot: an http:// or https:// URL serving one JPEG, polled
	// every SnapshotInterval.
	KindHTTPSnapshot
)

// String returns the kind's name as used in logs.
func (k Kind) String() string {
	switch k {
	case KindPublisher:
		return "publisher"
	case KindRTSP:
		return "rtsp"
	case KindHTTPStream:
		return "http-stream"
	case KindHTTPSnapshot:
		return "http-snapshot"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Pulled reports whether the server connects to the source itself (as
// opposed to waiting for a publisher).
func (k Kind) Pulled() bool { return k == KindRTSP || k == KindHTTPStream || k == KindHTTPSnapshot }

// File is a parsed and validated config file. Top-level fields hold the
// server-wide settings; the Has* fields (and nil credentials) tell which the
// file set, so command-line flags can override exactly those they were
// given and fall back to the file for the rest.
type File struct {
	// Name is the file name given to Load or Parse, for log lines.
	Name string

	// Listen is the RTSP listen address (host:port), from listen.
	Listen    string
	HasListen bool
	// Media is the folder of frame files, from media, resolved against the
	// config file's directory when relative.
	Media    string
	HasMedia bool
	// FPS is the default frame rate of files, from fps, in (0, MaxFPS].
	FPS    float64
	HasFPS bool
	// Publish allows publishing to any path that is neither declared nor a
	// file, from publish; publisher paths that do not set publish inherit it
	// (see Effective).
	Publish    bool
	HasPublish bool
	// PublishCreds are the credentials publishers must give (Digest or
	// Basic, RFC 2617), from publish_user and publish_pass*; nil if unset.
	PublishCreds *Credentials
	// ReadCreds are the credentials readers must give, from read_user and
	// read_pass*; nil if unset.
	ReadCreds *Credentials

	// Paths are the declared paths, in file order, with unique names.
	Paths []Path
	// Files are the per-file settings (frame rate, loop) of media files,
	// in file order, with unique names none of which is a declared path.
	Files []FileSettings
}

// Credentials are a user name and password (RFC 2617 Basic or Digest).
// Their String, Format, MarshalJSON and LogValue methods print neither, so
// a Credentials value, or a struct holding one, can be logged safely.
type Credentials struct {
	User, Pass string
}

// redacted is what Credentials print as.
const redacted = "[redacted]"

// String returns a placeholder: credentials are never printed.
func (c Credentials) String() string { return redacted }

// GoString returns a placeholder, for %#v.
func (c Credentials) GoString() string { return "config.Credentials{" + redacted + "}" }

// Format prints a placeholder whatever the verb, so even %d or %x of a
// struct holding credentials leaks nothing.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(c.GoString()))
		return
	}
	_, _ = f.Write([]byte(redacted))
}

// MarshalJSON writes a placeholder, so a JSON status API that marshals a
// Path shows that credentials are set but not what they are.
func (c Credentials) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// LogValue logs a placeholder (log/slog).
func (c Credentials) LogValue() slog.Value { return slog.StringValue(redacted) }

// equalCreds compares two optional credentials by value.
func equalCreds(a, b *Credentials) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Path is one declared path. Fields hold what the file says after defaults
// that depend only on the path itself (source, source_transport,
// on_demand, close_after); the settings a path inherits from the top level
// (publish, publish and read credentials) are left unset here and filled in
// by File.Effective, after command-line flags have had their say.
type Path struct {
	// Name is the path without a leading '/': served at
	// rtsp://HOST:PORT/Name. It may contain '/' between segments.
	Name string

	// Source is PublisherSource or the source URL without its user
	// information (which is moved to SourceCreds), so it is safe to log.
	Source     string
	SourceKind Kind
	// SourceTransport is udp, tcp or auto for KindRTSP; empty otherwise.
	SourceTransport string
	// SourceCreds are the upstream credentials, from source_user and
	// source_pass* or the URL; nil if none.
	SourceCreds *Credentials
	// SnapshotInterval is the polling interval of KindHTTPSnapshot; zero
	// otherwise.
	SnapshotInterval time.Duration

	// OnDemand: a pulled source connects on the first reader and
	// disconnects CloseAfter after the last one leaves; false keeps it
	// connected. Always false for publisher paths.
	OnDemand   bool
	CloseAfter time.Duration

	// Publish allows publishing to this publisher path; meaningful only
	// when HasPublish, else the top-level publish applies (see Effective).
	Publish    bool
	HasPublish bool
	// PublishCreds and ReadCreds override the top-level ones when not nil.
	PublishCreds, ReadCreds *Credentials
	// Replace lets a new publisher take over from the current one instead
	// of being refused while the path is busy.
	Replace bool
	// WaitForPublisher keeps readers when the publisher leaves, waiting for
	// the next one, instead of ending their sessions with RTCP BYE.
	WaitForPublisher bool
	// Record says whether and how the path records itself (record_*).
	Record Recording

	// Line is where the path is declared, for log lines; Equal ignores it.
	Line int
}

// Equal reports whether p and q have the same settings, Line aside: on
// SIGHUP, sessions on paths that are Equal are kept. Compare the results of
// File.Effective to also notice changes to inherited top-level settings.
func (p Path) Equal(q Path) bool {
	return p.Name == q.Name && p.Source == q.Source && p.SourceKind == q.SourceKind &&
		p.SourceTransport == q.SourceTransport && equalCreds(p.SourceCreds, q.SourceCreds) &&
		p.SnapshotInterval == q.SnapshotInterval && p.OnDemand == q.OnDemand &&
		p.CloseAfter == q.CloseAfter && p.Publish == q.Publish && p.HasPublish == q.HasPublish &&
		equalCreds(p.PublishCreds, q.PublishCreds) && equalCreds(p.ReadCreds, q.ReadCreds) &&
		p.Replace == q.Replace && p.WaitForPublisher == q.WaitForPublisher && p.Record == q.Record
}

// Effective returns p with what it inherits from f's top level filled in:
// for publisher paths, Publish (unless the path sets it) and PublishCreds
// (unless the path sets them); for every path, ReadCreds (unless set).
// Call it after applying command-line overrides to f.
func (f *File) Effective(p Path) Path {
	if p.SourceKind == KindPublisher {
		if !p.HasPublish {
			p.Publish = f.Publish
			p.HasPublish = true
		}
		if p.PublishCreds == nil {
			p.PublishCreds = f.PublishCreds
		}
	}
	if p.ReadCreds == nil {
		p.ReadCreds = f.ReadCreds
	}
	return p
}

// authState describes optional credentials for String output.
func authState(c *Credentials) string {
	if c == nil {
		return "unset"
	}
	return "set"
}

// String summarises the path for logs, without credentials.
func (p Path) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "/%s source=%s", p.Name, p.Source)
	if p.SourceKind.Pulled() {
		if p.SourceTransport != "" {
			fmt.Fprintf(&b, " source_transport=%s", p.SourceTransport)
		}
		if p.SnapshotInterval > 0 {
			fmt.Fprintf(&b, " snapshot_interval=%s", p.SnapshotInterval)
		}
		fmt.Fprintf(&b, " on_demand=%t", p.OnDemand)
		if p.OnDemand {
			fmt.Fprintf(&b, " close_after=%s", p.CloseAfter)
		}
		fmt.Fprintf(&b, " source_auth=%s", authState(p.SourceCreds))
	} else {
		if p.HasPublish {
			fmt.Fprintf(&b, " publish=%t", p.Publish)
		}
		fmt.Fprintf(&b, " publish_auth=%s replace=%t wait_for_publisher=%t",
			authState(p.PublishCreds), p.Replace, p.WaitForPublisher)
	}
	fmt.Fprintf(&b, " read_auth=%s", authState(p.ReadCreds))
	if p.Record.On {
		b.WriteString(" " + p.Record.String())
	}
	return b.String()
}

// String summarises the file's settings for logs, without credentials.
func (f *File) String() string {
	var b strings.Builder
	b.WriteString(f.Name)
	if f.HasListen {
		fmt.Fprintf(&b, " listen=%s", f.Listen)
	}
	if f.HasMedia {
		fmt.Fprintf(&b, " media=%s", f.Media)
	}
	if f.HasFPS {
		fmt.Fprintf(&b, " fps=%g", f.FPS)
	}
	if f.HasPublish {
		fmt.Fprintf(&b, " publish=%t", f.Publish)
	}
	fmt.Fprintf(&b, " publish_auth=%s read_auth=%s paths=%d",
		authState(f.PublishCreds), authState(f.ReadCreds), len(f.Paths))
	if len(f.Files) > 0 {
		fmt.Fprintf(&b, " files=%d", len(f.Files))
	}
	return b.String()
}
