package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/internal/bench"
)

// runBench implements `rtpstream bench`: N loopback clients play one URL
// with real RTSP, or watch an http://.../stream.mjpeg URL as HTTP viewers
// (internal/bench), then one JSON line of results goes to stdout (cli.md;
// definitions in internal/bench's package doc).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var (
		url       = fs.String("url", "", "`URL` to play (required): rtsp://HOST:PORT/PATH, or http://HOST:PORT/PATH/stream.mjpeg for HTTP MJPEG viewers")
		clients   = fs.Int("clients", 1, "number of concurrent clients (RTSP sessions or HTTP viewers)")
		duration  = fs.Duration("duration", 10*time.Second, "measurement window, after every client plays and the warm-up")
		transport = fs.String("transport", "udp", "RTP transport: udp or tcp (interleaved); ignored for http:// URLs")
		pid       = fs.Int("server-pid", 0, "server `PID` whose CPU time and RSS are read from /proc (0: not measured)")
		ramp      = fs.Duration("ramp", 0, "spread client starts over this long")
		conc      = fs.Int("max-setup-concurrency", 32, "clients doing RTSP set-up at the same time")
		warmup    = fs.Duration("warmup", time.Second, "wait after the last client plays before measuring")
		fps       = fs.Float64("fps", 0, "frame rate for late and skipped frames when the SDP has no a=framerate (0: from RTP timestamps, or for HTTP from the parts' X-Timestamp gaps); with --publish also the publishing rate (0: 30)")
		noGRO     = fs.Bool("no-gro", false, "UDP clients do not ask for coalesced datagrams (UDP_GRO): the server's kernel then cuts each GSO send into datagrams on loopback, at the server's expense")
		reqTO     = fs.Duration("request-timeout", 10*time.Second, "timeout of each RTSP request (HTTP: of the connection and response head)")
		publish   = fs.String("publish", "", "publish this MJPEG `file` (lab or raw) to the URL (ANNOUNCE/RECORD) before the clients start and for the whole run, and report relay latency")
		pubTr     = fs.String("publish-transport", "udp", "the publisher's RTP transport: udp or tcp (interleaved)")
	)
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) == 1 && *url == "" {
		*url = pos[0]
	} else if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if *url == "" {
		return fmt.Errorf("%w: --url is required", errUsage)
	}
	if *clients < 1 || *duration <= 0 || *conc < 1 || *fps < 0 {
		return fmt.Errorf("%w: --clients, --duration and --max-setup-concurrency must be positive", errUsage)
	}
	isHTTP := strings.HasPrefix(strings.ToLower(*url), "http://")
	if !isHTTP && *transport != bench.TransportUDP && *transport != bench.TransportTCP {
		return fmt.Errorf("%w: --transport %q (want udp or tcp)", errUsage, *transport)
	}
	if *publish != "" && isHTTP {
		return fmt.Errorf("%w: --publish needs an rtsp:// URL", errUsage)
	}
	if *pubTr != bench.TransportUDP && *pubTr != bench.TransportTCP {
		return fmt.Errorf("%w: --publish-transport %q (want udp or tcp)", errUsage, *pubTr)
	}
	res, err := bench.Run(ctx, bench.Config{
		URL: *url, Clients: *clients, Duration: *duration, Transport: *transport, ServerPID: *pid,
		Ramp: *ramp, MaxSetupConcurrency: *conc, Warmup: *warmup, FPS: *fps, RequestTimeout: *reqTO,
		NoGRO: *noGRO, Publish: *publish, PublishTransport: *pubTr,
	})
	if err != nil {
		if errors.Is(err, bench.ErrConfig) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return err
	}
	if res.PublishError != "" {
		fmt.Fprintf(stderr, "rtpstream bench: the publisher stopped early: %s\n", res.PublishError)
	}
	if res.SetupErrors > 0 {
		fmt.Fprintf(stderr, "rtpstream bench: %d of %d clients failed to start: %s\n", res.SetupErrors, res.Clients, res.FirstError)
	}
	_, err = stdout.Write(res.JSON())
	return err
}
