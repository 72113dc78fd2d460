package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/rtsp"
)

// runProbe implements `rtpstream probe URL|FILE` (cli.md). For an rtsp://
// URL it sends OPTIONS and DESCRIBE, prints the SDP as received and a
// one-line summary (codec, payload type, clock rate, frame rate, range,
// control URLs); for a file it reports on the frame file (probeFile).
func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	var (
		user     = fs.String("user", "", "user `name` for Basic/Digest authentication")
		pass     = fs.String("pass", "", "`password` for --user")
		timeout  = fs.Duration("timeout", client.DefaultTimeout, "connect and per-request timeout")
		logLevel = fs.String("log-level", "warn", "log level: debug, info, warn, error")
	)
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want exactly one URL or FILE, got %d arguments", errUsage, len(pos))
	}
	if !strings.Contains(pos[0], "://") {
		return probeFile(ctx, pos[0], stdout)
	}
	log, err := newLogger(stderr, "text", *logLevel)
	if err != nil {
		return err
	}
	cfg := client.Config{Timeout: *timeout, DisableLabDetect: true, Logger: log}
	if *user != "" {
		cfg.Credentials = &rtsp.Credentials{Username: *user, Password: *pass}
	}
	sess, err := client.Dial(ctx, pos[0], cfg)
	if err != nil {
		if errors.Is(err, client.ErrTimeout) {
			return fmt.Errorf("%w (a lab-dialect server answers no OPTIONS/DESCRIBE: try `rtpstream record --lab`)", err)
		}
		return err
	}
	defer sess.Close()
	d := sess.Description()
	sdp := string(d.SDP)
	if sdp != "" && !strings.HasSuffix(sdp, "\n") {
		sdp += "\n"
	}
	fmt.Fprint(stdout, sdp)
	line := d.URL + ": " + d.Summary()
	if d.Server != "" {
		line += " server=" + strings.ReplaceAll(d.Server, " ", "_")
	}
	fmt.Fprintln(stdout, line)
	return nil
}
