package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
)

// runServe implements `rtpstream serve` (cli.md): it prints one
// "stream rtsp://HOST:PORT/NAME" line per stream on stdout once listening,
// logs to stderr, and on SIGINT/SIGTERM says BYE to every session and
// exits 0.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var (
		listen     = fs.String("listen", ":8554", "RTSP `address` to listen on (127.0.0.1:0 picks a free port)")
		media      = fs.String("media", "", "`folder` whose .mjpeg/.mjpg/.Mjpeg/.MJPEG files are served at /RELATIVE/PATH")
		fps        = fs.Float64("fps", 20, "frame rate of files (the test pattern runs at 30)")
		mtu        = fs.Int("mtu", 1400, "largest RTP packet in `bytes`, header included")
		timeout    = fs.Duration("session-timeout", 60*time.Second, "end sessions silent for this long")
		readTO     = fs.Duration("read-timeout", 10*time.Second, "close connections that send no request for this long")
		maxConns   = fs.Int("max-conns", 1024, "most concurrent RTSP connections")
		noLoop     = fs.Bool("no-loop", false, "stop at the end of a file instead of looping")
		noGSO      = fs.Bool("no-gso", false, "do not use UDP segmentation offload")
		logFormat  = fs.String("log-format", "text", "log format: text or json")
		logLevel   = fs.String("log-level", "info", "log level: debug, info, warn, error")
		user       = fs.String("user", "", "require this user name (Digest or Basic auth)")
		pass       = fs.String("pass", "", "password for --user")
		cpuprofile = fs.String("cpuprofile", "", "write a CPU profile to `file` until exit")
	)
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if (*user == "") != (*pass == "") {
		return fmt.Errorf("%w: --user and --pass go together", errUsage)
	}
	if *mtu < 256 || *mtu > 65000 {
		return fmt.Errorf("%w: --mtu %d out of range 256..65000", errUsage, *mtu)
	}
	if *fps <= 0 || *fps > 1000 {
		return fmt.Errorf("%w: --fps %v out of range (0, 1000]", errUsage, *fps)
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	cfg := server.Config{
		MediaDir: *media, FPS: *fps, MTU: *mtu, SessionTimeout: *timeout, ReadTimeout: *readTO,
		MaxConns: *maxConns, NoLoop: *noLoop, DisableGSO: *noGSO, Logger: log,
	}
	if *user != "" {
		cfg.Credentials = &rtsp.Credentials{Username: *user, Password: *pass}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fmt.Errorf("cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	if err := srv.Listen(*listen); err != nil {
		return err
	}
	for _, u := range srv.URLs() {
		fmt.Fprintln(stdout, "stream", u)
	}
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	return srv.Serve(ctx)
}

// newLogger builds the stderr logger of --log-format and --log-level.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%w: --log-format %q: want text or json", errUsage, format)
}
