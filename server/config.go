package server

import (
	"log/slog"
	"time"

	"github.com/rtpstream/rtpstream/internal/fdlimit"
	"github.com/rtpstream/rtpstream/mediafile"
	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
)

// Config configures a Server. The zero value serves only the built-in test
// pattern with the defaults documented on each field.
type Config struct {
	// MediaDir is the folder whose frame files (lab format or raw MJPEG, with
	// extension .mjpeg, .mjpg, .Mjpeg or .MJPEG) are served at /RELATIVE/PATH.
	// Empty serves only the test pattern.
	MediaDir string

	// CacheDir keeps the frame indexes of media files and their converted
	// frames between runs, so a file is indexed (one pass) and converted
	// once, not at every start. Default mediafile.DefaultCacheDir
	// ($XDG_CACHE_HOME/rtpstream); never the media folder, which may be
	// read-only. "-" keeps nothing on disk between runs.
	CacheDir string

	// FrameCacheBytes bounds the memory holding media files' frames read
	// from disk, packetized and shared by every session near the same
	// position. Default DefaultFrameCacheBytes.
	FrameCacheBytes int64

	// FPS is the frame rate at which files are paced. Default 20, the lab's
	// 50 ms between frames.
	FPS float64

	// PatternFPS is the test pattern's frame rate. Default 30.
	PatternFPS float64

	// PatternFrames is the length of the test pattern's loop. Default 150.
	PatternFrames int

	// MTU is the largest RTP packet (header included) sent over UDP.
	// Default rtpjpeg.DefaultMTU (1400).
	MTU int

	// NoLoop stops playback at the end of a file (with an RTCP BYE) instead
	// of starting again from its first frame.
	NoLoop bool

	// Files are per-file settings (frame rate, loop) over FPS and NoLoop,
	// by stream name; see FileSettings and Server.SetFiles. At most
	// MaxFileSettings.
	Files []FileSettings

	// SessionTimeout ends a session that sent no RTSP request and no RTCP
	// for this long. Default 60 s. It is advertised in Session;timeout=N.
	SessionTimeout time.Duration

	// ReadTimeout closes a connection that has no session and completes no
	// request for this long after its last request. Only requests, and
	// interleaved RTCP (or a publisher's RTP) for a session the connection
	// owns, count: interleaved frames on channels no session set up do not
	// keep a connection open. Default 10 s.
	ReadTimeout time.Duration

	// FirstRequestTimeout closes a new connection that completes no request
	// within this long of being accepted (at most ReadTimeout): a client
	// sends its first request at once, and connections that never do are
	// what fills the connection cap. Default 5 s.
	FirstRequestTimeout time.Duration

	// WriteTimeout bounds one write of an RTSP response. Default 10 s.
	WriteTimeout time.Duration

	// MaxConns limits concurrent RTSP connections. At the cap, a new
	// connection is admitted by closing the connection that has been open
	// longest without completing a request; if every connection has
	// completed one, the new connection is closed at accept. Default: the
	// process's open-file limit (RLIMIT_NOFILE) minus DefaultFDHeadroom,
	// between 64 and DefaultMaxConnsCeiling; 1024 where the limit cannot be
	// read.
	MaxConns int

	// MaxConnsPerAddr limits concurrent RTSP connections from one client
	// address (IPv6 addresses count per /64, what one host is usually
	// given); more are closed at accept, so one host cannot take the whole
	// MaxConns. Default DefaultMaxConnsPerAddr, applied to non-loopback
	// addresses only (local tools and tests open many connections from
	// 127.0.0.1); a value set here applies to every address, loopback
	// included; negative means no limit.
	MaxConnsPerAddr int

	// MaxSessions limits concurrent sessions; SETUP beyond it gets 453 Not
	// Enough Bandwidth. Default 4096.
	MaxSessions int

	// MaxSessionsPerConn limits sessions created on one connection.
	// Default 16.
	MaxSessionsPerConn int

	// TCPQueueFrames is how many frames may wait for a slow TCP-interleaved
	// reader before whole frames are dropped. Default 32 (about a second).
	TCPQueueFrames int

	// TCPSendBuffer is the kernel send buffer of a connection carrying
	// interleaved media: with the queue, it bounds how much a slow reader
	// can fall behind. Default 256 KiB.
	TCPSendBuffer int

	// Limits bounds request sizes (zero value: rtsp package defaults).
	Limits rtsp.Limits

	// Credentials, when non-nil, requires authentication (Digest, RFC 7616;
	// Basic if AuthSchemes has it) on every request but OPTIONS.
	Credentials *rtsp.Credentials

	// Realm is the authentication realm. Default "rtpstream".
	Realm string

	// AuthSchemes are the schemes offered and accepted, readers' and
	// publishers' alike: SchemeDigest, SchemeBasic. Default Digest only:
	// Basic sends the password in clear text (RFC 7617 §4) and the server
	// has no TLS, so it is offered only when asked for.
	AuthSchemes []string

	// AuthThrottle slows down wrong passwords per address (RTSP readers,
	// publishers, and HTTP viewers); see AuthThrottle for its defaults.
	AuthThrottle AuthThrottle

	// Logger receives one line per event. Default slog.Default().
	Logger *slog.Logger

	// Publish lets RTSP clients publish (ANNOUNCE, SETUP mode=record,
	// RECORD; RFC 2326 10.3, 10.11) to any path that is neither a file, the
	// test pattern nor a configured path. Off by default: a server open to
	// publishing lets anyone put a stream on it.
	Publish bool

	// PublishCredentials, when non-nil, are what publishers must give
	// (Digest or Basic), separate from the readers' Credentials. Paths may
	// set their own.
	PublishCredentials *rtsp.Credentials

	// Paths are the live paths: relayed sources and publish targets.
	Paths []PathConfig

	// MaxFrameBytes bounds one frame from a publisher or a relayed source:
	// a larger one is dropped and counted. Default 8 MiB.
	MaxFrameBytes int

	// PublisherTimeout ends a publisher that sent no RTP for this long.
	// Default 10 s.
	PublisherTimeout time.Duration

	// RelayBackoff is the first delay before reconnecting a failed relay
	// source; it doubles on every failure up to RelayMaxBackoff (default
	// 250 ms and 2 s: a source that comes back is read again within about
	// 2 s).
	RelayBackoff, RelayMaxBackoff time.Duration

	// HTTP bounds the MJPEG viewers and snapshots (ServeHTTP).
	HTTP HTTPConfig

	// DisableGSO turns off UDP generic segmentation offload (it is probed
	// and used by default where the kernel supports it).
	DisableGSO bool

	// files holds the current Files, shared by every copy of the
	// server's Config (made by withDefaults; Server.SetFiles replaces
	// its content).
	files *fileTable

	// perAddrSkipLoopback is set by withDefaults when MaxConnsPerAddr took
	// its default, which does not apply to loopback addresses.
	perAddrSkipLoopback bool
}

// Connection limits' defaults (Config.MaxConns, Config.MaxConnsPerAddr).
const (
	// DefaultFDHeadroom is how many of the process's file descriptors the
	// default MaxConns leaves for everything but RTSP connections: the UDP
	// sockets, relay pullers, HTTP viewers, recordings, io_uring.
	DefaultFDHeadroom = 256
	// DefaultMaxConnsCeiling bounds the default MaxConns whatever the
	// descriptor limit (often 1,048,576 in containers): an idle connection
	// costs about 30 KiB (two goroutines, its read buffer and send queue;
	// measured with 2,000 on loopback), so the default cap keeps a flood of
	// them under about 500 MiB. Set MaxConns for more.
	DefaultMaxConnsCeiling = 16384
	// DefaultMaxConnsPerAddr is the default per-address limit.
	DefaultMaxConnsPerAddr = 128
	// fallbackMaxConns is MaxConns where the descriptor limit is unknown.
	fallbackMaxConns = 1024
)

// defaultMaxConns derives MaxConns from the soft open-file limit (ok false:
// unknown): the limit minus DefaultFDHeadroom, within [64,
// DefaultMaxConnsCeiling].
func defaultMaxConns(soft uint64, ok bool) int {
	if !ok {
		return fallbackMaxConns
	}
	if soft > DefaultMaxConnsCeiling+DefaultFDHeadroom {
		return DefaultMaxConnsCeiling
	}
	return max(64, int(soft)-DefaultFDHeadroom)
}

// DefaultFrameCacheBytes is the default Config.FrameCacheBytes (32 MiB:
// about 500 frames of 640x480, a frame costing its JPEG and its packets).
// With Go's garbage collector a cached byte costs about 2.4 bytes of RSS:
// 100 sessions over 20 files of a 10 GiB library run in 140 MB
// (scripts/library-bench.sh).
const DefaultFrameCacheBytes = 32 << 20

func (c Config) withDefaults() Config {
	switch c.CacheDir {
	case "":
		c.CacheDir = mediafile.DefaultCacheDir()
	case "-":
		c.CacheDir = ""
	}
	if c.FrameCacheBytes <= 0 {
		c.FrameCacheBytes = DefaultFrameCacheBytes
	}
	if c.FPS <= 0 {
		c.FPS = 20
	}
	c.files = newFileTable(c.Files)
	if c.PatternFPS <= 0 {
		c.PatternFPS = 30
	}
	if c.PatternFrames <= 0 {
		c.PatternFrames = 150
	}
	if c.MTU <= 0 {
		c.MTU = rtpjpeg.DefaultMTU
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = 60 * time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.FirstRequestTimeout <= 0 {
		c.FirstRequestTimeout = 5 * time.Second
	}
	c.FirstRequestTimeout = min(c.FirstRequestTimeout, c.ReadTimeout)
	if c.MaxConns <= 0 {
		c.MaxConns = defaultMaxConns(fdlimit.Soft())
	}
	if c.MaxConnsPerAddr == 0 {
		c.MaxConnsPerAddr = DefaultMaxConnsPerAddr
		c.perAddrSkipLoopback = true
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 4096
	}
	if c.MaxSessionsPerConn <= 0 {
		c.MaxSessionsPerConn = 16
	}
	if c.TCPQueueFrames <= 0 {
		c.TCPQueueFrames = 32
	}
	if c.TCPSendBuffer <= 0 {
		c.TCPSendBuffer = 256 << 10
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = 8 << 20
	}
	if c.PublisherTimeout <= 0 {
		c.PublisherTimeout = 10 * time.Second
	}
	if c.RelayBackoff <= 0 {
		c.RelayBackoff = 250 * time.Millisecond
	}
	if c.RelayMaxBackoff <= 0 {
		c.RelayMaxBackoff = 2 * time.Second
	}
	c.HTTP = c.HTTP.withDefaults()
	if c.Realm == "" {
		c.Realm = "rtpstream"
	}
	if len(c.AuthSchemes) == 0 {
		c.AuthSchemes = []string{SchemeDigest}
	}
	c.AuthThrottle = c.AuthThrottle.withDefaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
