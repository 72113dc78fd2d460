package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// ServerConfig bounds the HTTP listener. Every net/http timeout is set
// explicitly; zero fields take the documented defaults.
type ServerConfig struct {
	// ReadHeaderTimeout is how long a client has to send its request line
	// and headers, from the connection's start or the end of its previous
	// request: a slow-loris client trickling headers is closed after it.
	// Default 5 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (our
	// requests have none). It does not cut MJPEG streams: net/http lifts
	// the read deadline once a request is read (TestListenerLimits checks
	// that a stream outlives it). Default 15 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response of the page, the API or the
	// metrics. It does not cut MJPEG streams: the server sets a deadline
	// before each frame it writes (http.ResponseController), a viewer
	// that takes nothing for server.HTTPConfig.WriteTimeout is closed.
	// Default 30 s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no next
	// request for this long. Default 60 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers; larger ones get
	// 431 Request Header Fields Too Large (net/http allows 4 KiB of slack
	// over it). Default 16 KiB.
	MaxHeaderBytes int
	// ShutdownTimeout is how long Serve waits for responses in progress
	// when its context ends before closing their connections. Default 5 s.
	ShutdownTimeout time.Duration
	// Logger receives net/http's errors (bad TLS, panics in handlers) at
	// warn level. Nil: slog.Default().
	Logger *slog.Logger
}

// Defaults of ServerConfig.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 15 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 16 << 10
	DefaultShutdownTimeout   = 5 * time.Second
)

func (c ServerConfig) withDefaults() ServerConfig {
	orDefault(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	orDefault(&c.ReadTimeout, DefaultReadTimeout)
	orDefault(&c.WriteTimeout, DefaultWriteTimeout)
	orDefault(&c.IdleTimeout, DefaultIdleTimeout)
	orDefault(&c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	orDefault(&c.ShutdownTimeout, DefaultShutdownTimeout)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// orDefault sets *v to d unless it is positive.
func orDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Server is an HTTP listener's server: an http.Server with every timeout
// set (see ServerConfig) and a Serve that stops with a context.
type Server struct {
	// HTTP is the configured net/http server.
	HTTP            *http.Server
	shutdownTimeout time.Duration
}

// NewServer returns a server of h bounded by cfg.
func NewServer(h http.Handler, cfg ServerConfig) *Server {
	cfg = cfg.withDefaults()
	return &Server{
		HTTP: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: cfg.ReadHeaderTimeout,
			ReadTimeout:       cfg.ReadTimeout,
			WriteTimeout:      cfg.WriteTimeout,
			IdleTimeout:       cfg.IdleTimeout,
			MaxHeaderBytes:    cfg.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		},
		shutdownTimeout: cfg.ShutdownTimeout,
	}
}

// Serve accepts connections on ln until ctx ends, then shuts down: the
// requests' contexts (derived from ctx) end, so MJPEG streams finish; it
// waits up to ShutdownTimeout for responses in progress and closes what
// remains. It returns nil after a shutdown by ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.HTTP.BaseContext = func(net.Listener) context.Context { return ctx }
	errc := make(chan error, 1)
	go func() { errc <- s.HTTP.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdownTimeout)
	defer cancel()
	err := s.HTTP.Shutdown(sctx)
	if err != nil {
		_ = s.HTTP.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("http %s: %w", ln.Addr(), serr)
	}
	return nil
}

// BaseURL is SCHEME://HOST:PORT for a listener's address, HOST as clients
// reach it: 127.0.0.1 for an unspecified or IPv4 loopback address, an IPv6
// address in brackets.
func BaseURL(scheme string, a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return scheme + "://" + a.String()
	}
	host := ta.IP.String()
	switch {
	case ta.IP.IsUnspecified() || ta.IP.IsLoopback() && ta.IP.To4() != nil:
		host = "127.0.0.1"
	case ta.IP.To4() == nil:
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + strconv.Itoa(ta.Port)
}
