package server

import (
	"log/slog"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// Config configures a Server. The zero value serves only the built-in test
// pattern with the defaults documented on each field.
type Config struct {
	// MediaDir is the folder whose frame files (lab format or raw MJPEG, with
	// extension .mjpeg, .mjpg, .Mjpeg or .MJPEG) are served at /RELATIVE/PATH.
	// Empty serves only the test pattern.
	MediaDir string

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

	// SessionTimeout ends a session that sent no RTSP request and no RTCP
	// for this long. Default 60 s. It is advertised in Session;timeout=N.
	SessionTimeout time.Duration

	// ReadTimeout closes a connection that has no session and sends no
	// complete request for this long (from accept, and between requests).
	// Default 10 s.
	ReadTimeout time.Duration

	// WriteTimeout bounds one write of an RTSP response. Default 10 s.
	WriteTimeout time.Duration

	// MaxConns limits concurrent RTSP connections; more are closed at
	// accept. Default 1024.
	MaxConns int

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

	// Credentials, when non-nil, requires Digest or Basic authentication
	// (RFC 2617) on every request but OPTIONS.
	Credentials *rtsp.Credentials

	// Realm is the authentication realm. Default "rtpstream".
	Realm string

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
}

func (c Config) withDefaults() Config {
	if c.FPS <= 0 {
		c.FPS = 20
	}
	if c.PatternFPS <= 0 {
		c.PatternFPS = 30
	}
	if c.PatternFrames <= 0 {
		c.PatternFrames = 150
	}
	if c.MTU <= 0 {
		c.MTU = 1400
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
	if c.MaxConns <= 0 {
		c.MaxConns = 1024
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
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
