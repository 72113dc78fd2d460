package bench

import (
	"fmt"
	"time"
)

// Transports a Config may ask for.
const (
	TransportUDP = "udp"
	TransportTCP = "tcp"
)

// Config describes one load-generation run. Zero fields take the defaults
// documented on them.
type Config struct {
	// URL is the stream to play, rtsp://HOST:PORT/PATH, or an MJPEG
	// stream over HTTP, http://HOST:PORT/PATH/stream.mjpeg, which HTTP
	// viewers watch (Transport, Publish and the UDP settings do not apply
	// then). Required.
	URL string
	// Clients is how many loopback clients play it at once. Default 1.
	Clients int
	// Duration is the measurement window, which starts once every client
	// is playing and Warmup has passed. Default 10 s.
	Duration time.Duration
	// Transport is TransportUDP (default) or TransportTCP (RTP interleaved
	// in the RTSP connection, RFC 2326 §10.12).
	Transport string
	// ServerPID, when > 0, is the server process whose CPU time and RSS are
	// read from /proc; 0 reports them as null.
	ServerPID int
	// Ramp spreads the clients' starts evenly over this long; 0 starts them
	// as fast as MaxSetupConcurrency allows.
	Ramp time.Duration
	// MaxSetupConcurrency bounds the clients doing RTSP set-up (and
	// TEARDOWN) at the same time. Default 32.
	MaxSetupConcurrency int
	// Warmup is the wait between the last client playing and the start of
	// the window. Default 1 s.
	Warmup time.Duration
	// RequestTimeout bounds each RTSP request. Default 10 s.
	RequestTimeout time.Duration
	// FPS is the frame rate used for late frames when the SDP carries no
	// a=framerate; 0 learns the period from the RTP timestamps. With
	// Publish it is also the publishing rate, and 0 means 30.
	FPS float64
	// Publish, when set, is a frame file (lab format or raw MJPEG, made
	// RFC 2435-carriable when loaded) that is published to URL (ANNOUNCE,
	// SETUP mode=record, RECORD; RFC 2326 §10.3, §10.11) before the
	// clients start and for the whole run; the result then reports the
	// relay latency (see the package doc).
	Publish string
	// PublishTransport is the publisher's RTP transport: TransportUDP
	// (default) or TransportTCP.
	PublishTransport string
	// RecvBuffer is each UDP client's socket receive buffer in bytes
	// (capped by net.core.rmem_max). Default 1 MiB.
	RecvBuffer int
	// NoGRO keeps the UDP clients from asking for coalesced datagrams
	// (UDP_GRO). By default each client enables it where the kernel has it,
	// so that a GSO sender's frame reaches the client whole (as a NIC's GRO
	// would hand it over) instead of being cut into datagrams on loopback
	// at the sender's expense; NoGRO measures that cutting too.
	NoGRO bool
}

func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		return c, fmt.Errorf("%w: no URL", ErrConfig)
	}
	if c.Clients == 0 {
		c.Clients = 1
	}
	if c.Clients < 0 {
		return c, fmt.Errorf("%w: %d clients", ErrConfig, c.Clients)
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.Duration < 0 {
		return c, fmt.Errorf("%w: duration %v", ErrConfig, c.Duration)
	}
	var err error
	if isHTTPURL(c.URL) {
		c.Transport = TransportHTTP
	} else if c.Transport, err = transportOrUDP("transport", c.Transport); err != nil {
		return c, err
	}
	if c.MaxSetupConcurrency <= 0 {
		c.MaxSetupConcurrency = 32
	}
	if c.Warmup == 0 {
		c.Warmup = time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.RecvBuffer <= 0 {
		c.RecvBuffer = 1 << 20
	}
	if c.FPS < 0 {
		return c, fmt.Errorf("%w: fps %v", ErrConfig, c.FPS)
	}
	if c.Publish != "" && isHTTPURL(c.URL) {
		return c, fmt.Errorf("%w: publish needs an rtsp:// URL", ErrConfig)
	}
	if c.Publish != "" {
		if c.FPS == 0 {
			c.FPS = 30
		}
		if c.PublishTransport, err = transportOrUDP("publish transport", c.PublishTransport); err != nil {
			return c, err
		}
	}
	return c, nil
}

// transportOrUDP checks a transport setting: "" means TransportUDP.
func transportOrUDP(what, t string) (string, error) {
	switch t {
	case "":
		return TransportUDP, nil
	case TransportUDP, TransportTCP:
		return t, nil
	}
	return t, fmt.Errorf("%w: %s %q (want udp or tcp)", ErrConfig, what, t)
}
