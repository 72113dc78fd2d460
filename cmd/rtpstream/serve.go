package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rtpstream/rtpstream/internal/config"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
)

// runServe implements `rtpstream serve` (cli.md): it prints one
// "stream rtsp://HOST:PORT/NAME" line per stream on stdout once listening,
// then "http http://HOST:PORT/" for the HTTP listener (--http), logs to
// stderr, and on SIGINT/SIGTERM says BYE to every session and
// exits 0.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return serve(ctx, args, stdout, stderr, serveHooks{})
}

// serveHooks are what tests change in serve (the command uses the zero
// value).
type serveHooks struct {
	// reload: a value does what SIGHUP does, so that a test running serve
	// in-process reloads without signalling its own process.
	reload <-chan struct{}
	// patternFrames, if > 0, is the test pattern's loop length (a short
	// loop starts faster under -race).
	patternFrames int
}

// serve is runServe with hooks for tests.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, hooks serveHooks) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var (
		listen     = fs.String("listen", ":8554", "RTSP `address` to listen on (127.0.0.1:0 picks a free port)")
		media      = fs.String("media", "", "`folder` whose .mjpeg/.mjpg/.Mjpeg/.MJPEG files are served at /RELATIVE/PATH")
		fps        = fs.Float64("fps", 20, "frame rate of files (the test pattern runs at 30)")
		mtu        = fs.Int("mtu", 1400, "largest RTP packet in `bytes`, header included")
		timeout    = fs.Duration("session-timeout", 60*time.Second, "end sessions silent for this long")
		readTO     = fs.Duration("read-timeout", 10*time.Second, "close connections that send no request for this long")
		maxConns   = fs.Int("max-conns", 0, "most concurrent RTSP connections (0: the open-file limit less 256, at most 16384)")
		maxPerAddr = fs.Int("max-conns-per-addr", 0, "most concurrent RTSP connections from one address, IPv6 per /64 (0: 128, loopback unlimited; -1: no limit)")
		noLoop     = fs.Bool("no-loop", false, "stop at the end of a file instead of looping")
		noGSO      = fs.Bool("no-gso", false, "do not use UDP segmentation offload")
		logFormat  = fs.String("log-format", "text", "log format: text or json")
		logLevel   = fs.String("log-level", "info", "log level: debug, info, warn, error")
		user       = fs.String("user", "", "require this user name (Digest; Basic too with --auth basic,digest)")
		pass       = fs.String("pass", "", "password for --user (shows in ps: prefer --pass-file or $"+envPass+")")
		passFile   = fs.String("pass-file", "", "read the password for --user from the first line of `file`")
		authList   = fs.String("auth", "digest", "authentication schemes offered: digest, or basic,digest (Basic sends the password in clear text; no TLS here)")
		cpuprofile = fs.String("cpuprofile", "", "write a CPU profile to `file` until exit")
		publish    = fs.Bool("publish", false, "let RTSP clients publish (ANNOUNCE/RECORD) to any path that is not a file")
		pubUser    = fs.String("publish-user", "", "require this user name of publishers (Digest; Basic too with --auth basic,digest)")
		pubPass    = fs.String("publish-pass", "", "password for --publish-user (prefer --publish-pass-file or $"+envPublishPass+")")
		pubPassF   = fs.String("publish-pass-file", "", "read the password for --publish-user from the first line of `file`")
		cacheDir   = fs.String("cache-dir", "", "`folder` keeping media files' frame indexes and converted frames between runs (default $XDG_CACHE_HOME/rtpstream; - keeps none)")
		frameCache = fs.Int("frame-cache", 32, "`MiB` of memory for media files' frames read from disk, shared by all sessions")
		confFile   = fs.String("config", "", "YAML `file` declaring paths and settings (docs/rtpstream.example.yaml); SIGHUP re-reads it")
		relays     relayFlags
	)
	hf := addHTTPFlags(fs)
	fs.Var(&relays, "relay", "serve /NAME relayed on demand from an rtsp:// or http:// MJPEG source: `NAME=URL` (repeatable)")
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if *user != "" || *passFile != "" {
		if *pass, err = resolvePassword("pass", *pass, *passFile, envPass); err != nil {
			return err
		}
	}
	if *pubUser != "" || *pubPassF != "" {
		if *pubPass, err = resolvePassword("publish-pass", *pubPass, *pubPassF, envPublishPass); err != nil {
			return err
		}
	}
	authSchemes, err := parseAuthSchemes(*authList)
	if err != nil {
		return err
	}
	if (*user == "") != (*pass == "") {
		return fmt.Errorf("%w: --user and --pass go together", errUsage)
	}
	if (*pubUser == "") != (*pubPass == "") {
		return fmt.Errorf("%w: --publish-user and --publish-pass go together", errUsage)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// loadConfig reads --config with the flags applied over its top level.
	loadConfig := func() (*config.File, error) {
		if *confFile == "" {
			return nil, nil
		}
		f, err := config.Load(*confFile)
		if err != nil {
			return nil, err
		}
		if set["publish"] {
			f.Publish, f.HasPublish = *publish, true
		}
		if *pubUser != "" {
			f.PublishCreds = &config.Credentials{User: *pubUser, Pass: *pubPass}
		}
		if *user != "" {
			f.ReadCreds = &config.Credentials{User: *user, Pass: *pass}
		}
		return f, nil
	}
	conf, err := loadConfig()
	if err != nil {
		return err
	}
	if conf != nil {
		if conf.HasListen && !set["listen"] {
			*listen = conf.Listen
		}
		if conf.HasMedia && !set["media"] {
			*media = conf.Media
		}
		if conf.HasFPS && !set["fps"] {
			*fps = conf.FPS
		}
		if conf.HasPublish {
			*publish = conf.Publish
		}
		if c := conf.ReadCreds; c != nil && *user == "" {
			*user, *pass = c.User, c.Pass
		}
		if c := conf.PublishCreds; c != nil && *pubUser == "" {
			*pubUser, *pubPass = c.User, c.Pass
		}
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
		MaxConns: *maxConns, MaxConnsPerAddr: *maxPerAddr, NoLoop: *noLoop, DisableGSO: *noGSO, Logger: log,
		PatternFrames: hooks.patternFrames, AuthSchemes: authSchemes,
		CacheDir: *cacheDir, FrameCacheBytes: int64(*frameCache) << 20,
	}
	if *frameCache < 1 {
		return fmt.Errorf("--frame-cache %d: want at least 1 MiB", *frameCache)
	}
	if *user != "" {
		cfg.Credentials = &rtsp.Credentials{Username: *user, Password: *pass}
	}
	cfg.Publish = *publish
	if *pubUser != "" {
		cfg.PublishCredentials = &rtsp.Credentials{Username: *pubUser, Password: *pubPass}
	}
	cfg.Paths = pathsOf(conf, relays)
	cfg.Files = filesOf(conf)
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
	hln, err := hf.listen(*listen, set["http"], log)
	if err != nil {
		return err
	}
	if err := srv.Listen(*listen); err != nil {
		if hln != nil {
			hln.Close()
		}
		return err
	}
	// printed are the streams announced on stdout: at start, then the
	// paths a reload adds.
	var printMu sync.Mutex
	printed := map[string]bool{}
	announce := func() {
		printMu.Lock()
		defer printMu.Unlock()
		for _, u := range srv.URLs() {
			if !printed[u] {
				printed[u] = true
				fmt.Fprintln(stdout, "stream", u)
			}
		}
		if f, ok := stdout.(interface{ Sync() error }); ok {
			_ = f.Sync()
		}
	}
	// SIGHUP is caught before the stream lines say the server is ready:
	// a reload sent at once must not kill it (SIGHUP's default action).
	if *confFile != "" {
		stop := reloadOnHUP(ctx, log, srv, func() ([]server.PathConfig, error) {
			f, err := loadConfig()
			if err != nil {
				return nil, err
			}
			// files: apply to file streams made from now on (cannot
			// fail once the file is valid; applied even if the paths
			// then are not).
			if err := srv.SetFiles(filesOf(f)); err != nil {
				return nil, err
			}
			return pathsOf(f, relays), nil
		}, hooks.reload, announce)
		defer stop()
	}
	announce()
	return serveWithHTTP(ctx, srv, hln, hf, log, func(l string) { printLine(stdout, &printMu, l) })
}

// reloadOnHUP re-reads the configuration on every SIGHUP (or value on
// reload) and installs its paths: added and removed paths take effect,
// unchanged ones keep their sessions, and announce prints the `stream`
// lines of the added ones; a bad file keeps the running configuration and
// logs why.
func reloadOnHUP(ctx context.Context, log *slog.Logger, srv *server.Server, load func() ([]server.PathConfig, error),
	reload <-chan struct{}, announce func()) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			case <-reload:
			}
			paths, err := load()
			if err == nil {
				err = srv.SetPaths(paths)
			}
			if err != nil {
				log.Error("configuration not reloaded: keeping the running one", "err", err)
				continue
			}
			announce()
			log.Info("configuration reloaded", "paths", len(paths))
		}
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
	}
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
