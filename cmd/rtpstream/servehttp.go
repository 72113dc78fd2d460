package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/web"
)

// defaultHTTPPort is --http's port when the flag is not given (cli.md:
// `:8888`), on the host of --listen.
const defaultHTTPPort = "8888"

// httpFlags are serve's HTTP listener flags (cli.md, issue 11).
type httpFlags struct {
	addr, user, pass *string
}

// addHTTPFlags declares --http, --http-user and --http-pass on fs.
func addHTTPFlags(fs *flag.FlagSet) *httpFlags {
	return &httpFlags{
		addr: fs.String("http", ":"+defaultHTTPPort, "HTTP `address` for browsers (status page, /PATH/stream.mjpeg, "+
			"/PATH/snapshot.jpg, /api/status, /metrics), or off; not given: port "+defaultHTTPPort+
			" on the host of --listen, or a free port there when "+defaultHTTPPort+" is taken"),
		user: fs.String("http-user", "", "let any address reach the status page, API and metrics with this "+
			"Basic user name (default: loopback clients only)"),
		pass: fs.String("http-pass", "", "password for --http-user"),
	}
}

// listen binds the HTTP listener, or returns nil for --http off. An
// explicit --http that cannot bind is an error; the default (port 8888 on
// the host of rtspListen) falls back to a kernel-chosen port of the same
// host with a warning, so that several servers can run at once.
func (f *httpFlags) listen(rtspListen string, explicit bool, log *slog.Logger) (net.Listener, error) {
	if (*f.user == "") != (*f.pass == "") {
		return nil, fmt.Errorf("%w: --http-user and --http-pass go together", errUsage)
	}
	if strings.EqualFold(*f.addr, "off") {
		return nil, nil
	}
	if explicit {
		ln, err := net.Listen("tcp", *f.addr)
		if err != nil {
			return nil, fmt.Errorf("--http %s: %w", *f.addr, err)
		}
		return ln, nil
	}
	host, _, err := net.SplitHostPort(rtspListen)
	if err != nil {
		host = ""
	}
	addr := net.JoinHostPort(host, defaultHTTPPort)
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	free := net.JoinHostPort(host, "0")
	ln, ferr := net.Listen("tcp", free)
	if ferr != nil {
		return nil, fmt.Errorf("http: %s: %w; %s: %w", addr, err, free, ferr)
	}
	log.Warn("default HTTP port taken: listening on a free port instead (give --http to choose)",
		"wanted", addr, "err", err, "http", ln.Addr().String())
	return ln, nil
}

// serveWithHTTP runs srv until ctx ends and, when ln is not nil, the HTTP
// listener beside it: once it is ready, line ("http http://HOST:PORT/")
// is printed. Both stop together: the HTTP server shuts down gracefully
// when ctx ends, and a failing HTTP listener stops the RTSP server too.
func serveWithHTTP(ctx context.Context, srv *server.Server, ln net.Listener, f *httpFlags, log *slog.Logger,
	line func(string)) error {
	if ln == nil {
		return srv.Serve(ctx)
	}
	base := web.BaseURL("http", ln.Addr())
	cfg := web.Config{RTSPURL: web.BaseURL("rtsp", srv.Addr()), HTTPURL: base}
	if *f.user != "" {
		cfg.Credentials = &rtsp.Credentials{Username: *f.user, Password: *f.pass}
	}
	ws := web.NewServer(web.New(srv, cfg), web.ServerConfig{Logger: log})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	herr := make(chan error, 1)
	go func() {
		err := ws.Serve(ctx, ln)
		if err != nil {
			log.Error("HTTP listener failed: stopping", "err", err)
			cancel()
		}
		herr <- err
	}()
	line("http " + base + "/")
	err := srv.Serve(ctx)
	cancel()
	return errors.Join(err, <-herr)
}

// printLine writes one line on stdout under mu (the stream lines' lock)
// and flushes it to a file, so that a reader of the lines sees it at once.
func printLine(stdout io.Writer, mu *sync.Mutex, s string) {
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintln(stdout, s)
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
}
