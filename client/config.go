package client

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// Transport names accepted in Config.Transport and reported in
// Stats.Transport.
const (
	TransportUDP  = "udp"  // RTP/AVP over UDP, two local ports (RTP, RTCP)
	TransportTCP  = "tcp"  // RTP/AVP/TCP interleaved in the RTSP connection (RFC 2326 §10.12)
	TransportAuto = "auto" // UDP first, TCP on 461 or when no packet arrives in NoPacketTimeout
)

// Defaults of the Config fields (see each field for its meaning).
const (
	DefaultTimeout          = 10 * time.Second       // Config.Timeout
	DefaultUDPReadTimeout   = 500 * time.Millisecond // Config.UDPReadTimeout, as the lab specifies
	DefaultNoPacketTimeout  = 3 * time.Second        // Config.NoPacketTimeout ("auto" falls back to TCP)
	DefaultLabEndTimeout    = 2 * time.Second        // Config.LabEndTimeout (lab end of stream)
	DefaultLabProbeTimeout  = 2 * time.Second        // Config.LabProbeTimeout (lab server detection)
	DefaultMediaTimeout     = 10 * time.Second       // Config.MediaTimeout
	DefaultRTCPInterval     = 5 * time.Second        // Config.RTCPInterval
	DefaultSessionTimeout   = 60 * time.Second       // RFC 2326 §12.37, when Session has no timeout
	DefaultReorderPackets   = 8                      // Config.ReorderPackets
	DefaultReorderDelay     = 50 * time.Millisecond  // Config.ReorderDelay
	DefaultFrameQueue       = 64                     // Config.FrameQueue
	DefaultMaxRedirects     = 3                      // Config.MaxRedirects
	DefaultLabFrameInterval = 50 * time.Millisecond  // Config.LabFrameInterval
	DefaultUserAgent        = "rtpstream"            // Config.UserAgent
)

// Config configures a Session. The zero value plays over UDP with TCP
// fallback ("auto"), with the defaults documented on each field.
type Config struct {
	// Transport is "udp", "tcp" or "auto" (default): UDP first, then TCP
	// interleaved when SETUP answers 461 or no RTP packet arrives within
	// NoPacketTimeout of PLAY.
	Transport string

	// Lab forces the Kurose-Ross lab dialect (lab-dialect.md). Without it a
	// server that never answers OPTIONS within LabProbeTimeout is taken for
	// a lab server (it ignores OPTIONS and DESCRIBE), unless DisableLabDetect.
	Lab bool
	// DisableLabDetect turns off that detection.
	DisableLabDetect bool

	// Credentials answer a 401 (Basic, or Digest MD5/SHA-256 with
	// qop=auth). Credentials in the URL (rtsp://user:pass@host/...) are used
	// when this is nil.
	Credentials *rtsp.Credentials

	// Timeout bounds connecting and each request/response exchange.
	// Default 10 s.
	Timeout time.Duration
	// UDPReadTimeout is the read timeout of the UDP receive loop (the lab
	// specifies 0.5 s); it sets how often idle checks run. Default 0.5 s.
	UDPReadTimeout time.Duration
	// NoPacketTimeout is how long "auto" waits for the first UDP packet
	// after PLAY before switching to TCP. Default 3 s.
	NoPacketTimeout time.Duration
	// LabEndTimeout: a lab server has no end-of-stream signal; no packet for
	// this long while playing ends the stream (ErrEndOfStream). Default 2 s.
	LabEndTimeout time.Duration
	// LabProbeTimeout is how long OPTIONS may stay unanswered before the
	// server is taken for a lab server. Default 2 s (capped at Timeout).
	LabProbeTimeout time.Duration
	// MediaTimeout: no RTP packet for this long while playing (standard
	// dialect) ends the stream with ErrTimeout. Default 10 s.
	MediaTimeout time.Duration
	// RTCPInterval is the mean interval between RTCP receiver reports,
	// randomised by ±50 % (RFC 3550 §6.2). Default 5 s.
	RTCPInterval time.Duration
	// ReorderPackets and ReorderDelay bound the UDP reorder buffer: a packet
	// after a gap waits until the gap fills, or at most this many packets
	// are held, or the oldest has waited ReorderDelay. Defaults 8, 50 ms.
	ReorderPackets int
	ReorderDelay   time.Duration
	// FrameQueue is the capacity of the Frames channel; a frame completed
	// while it is full is dropped and counted in Stats.FramesQueueDropped.
	// Default 64.
	FrameQueue int
	// RTPPort is the local RTP port (RTCP uses RTPPort+1; the lab dialect
	// uses RTPPort alone). 0 picks a free even port.
	RTPPort int
	// LabFrameInterval is the lab server's nominal frame spacing (50 ms).
	// Lab packets carry whole seconds as timestamps, useless for jitter
	// (RFC 3550 A.8), so the jitter of a lab stream is computed against the
	// nominal schedule: timestamp = sequence number × LabFrameInterval.
	LabFrameInterval time.Duration
	// MaxRedirects is how many 3xx answers to OPTIONS/DESCRIBE are followed.
	// Default 3; negative follows none.
	MaxRedirects int
	// UserAgent is sent in every request (not in the lab dialect).
	// Default "rtpstream".
	UserAgent string
	// Logger receives one line per event (never per packet).
	// Default: discard.
	Logger *slog.Logger
	// FrameAlloc, when set, provides the buffer of each received frame's
	// JPEG (rtpjpeg.Depacketizer.Alloc): a relay hands out memory it
	// prepared between frames. Called on the receiving goroutine; the
	// buffer is the frame's once returned. Default: a fresh allocation.
	FrameAlloc func(size int) []byte
}

func (c Config) withDefaults() (Config, error) {
	c.Transport = strings.ToLower(c.Transport)
	switch c.Transport {
	case "":
		c.Transport = TransportAuto
	case TransportUDP, TransportTCP, TransportAuto:
	default:
		return c, fmt.Errorf("client: unknown transport %q (want udp, tcp or auto)", c.Transport)
	}
	if d := dialectFor(&c); !d.interleaved && c.Transport == TransportTCP {
		return c, fmt.Errorf("client: the %s dialect streams over UDP only", d.name)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Timeout, DefaultTimeout)
	def(&c.UDPReadTimeout, DefaultUDPReadTimeout)
	def(&c.NoPacketTimeout, DefaultNoPacketTimeout)
	def(&c.LabEndTimeout, DefaultLabEndTimeout)
	def(&c.LabProbeTimeout, DefaultLabProbeTimeout)
	c.LabProbeTimeout = min(c.LabProbeTimeout, c.Timeout)
	def(&c.MediaTimeout, DefaultMediaTimeout)
	def(&c.RTCPInterval, DefaultRTCPInterval)
	def(&c.ReorderDelay, DefaultReorderDelay)
	def(&c.LabFrameInterval, DefaultLabFrameInterval)
	if c.ReorderPackets <= 0 {
		c.ReorderPackets = DefaultReorderPackets
	}
	if c.FrameQueue <= 0 {
		c.FrameQueue = DefaultFrameQueue
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = DefaultMaxRedirects
	} else if c.MaxRedirects < 0 {
		c.MaxRedirects = 0
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RTPPort < 0 || c.RTPPort > 65534 {
		return c, fmt.Errorf("client: RTP port %d out of range", c.RTPPort)
	}
	return c, nil
}
