//go:build cgo

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/player"
	"github.com/rtpstream/rtpstream/rtsp"
)

// options are rtpplay's command line.
type options struct {
	url         string
	autoplay    bool
	lab         bool
	rtpPort     int
	transport   string
	jitter      time.Duration
	statsStderr bool
	user, pass  string
	verbose     bool
	width       float32
	height      float32
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("rtpplay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.BoolVar(&o.autoplay, "autoplay", false, "start playing at once")
	fs.BoolVar(&o.lab, "lab", false, "play from the lab's server: rtpplay --lab HOST PORT RTP_PORT FILE")
	fs.StringVar(&o.transport, "transport", "auto", "udp, tcp or auto (UDP, then TCP)")
	fs.DurationVar(&o.jitter, "jitter-buffer", player.DefaultJitterBuffer, "delay between a frame's arrival and its display (0: none)")
	fs.BoolVar(&o.statsStderr, "stats-stderr", false, "print the statistics line to stderr every second")
	fs.StringVar(&o.user, "user", "", "user name for Basic/Digest authentication")
	fs.StringVar(&o.pass, "pass", "", "password for --user")
	fs.BoolVar(&o.verbose, "v", false, "log RTSP events to stderr")
	w := fs.Float64("width", 680, "initial window width (the default shows 640x480 unscaled)")
	h := fs.Float64("height", 660, "initial window height")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rtpplay [flags] [URL]\n       rtpplay --autoplay URL\n       rtpplay --lab HOST PORT RTP_PORT FILE\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.width, o.height = float32(*w), float32(*h)
	pos := fs.Args()
	switch {
	case o.lab:
		if len(pos) != 4 {
			return nil, errors.New("--lab takes HOST PORT RTP_PORT FILE")
		}
		port, err := strconv.Atoi(pos[1])
		if err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("bad server port %q", pos[1])
		}
		o.rtpPort, err = strconv.Atoi(pos[2])
		if err != nil || o.rtpPort <= 0 || o.rtpPort > 65534 {
			return nil, fmt.Errorf("bad RTP port %q", pos[2])
		}
		o.url = "rtsp://" + net.JoinHostPort(pos[0], pos[1]) + "/" + pos[3]
		o.transport = client.TransportUDP
	case len(pos) > 1:
		return nil, fmt.Errorf("unexpected argument %q", pos[1])
	case len(pos) == 1:
		o.url = pos[0]
	}
	if o.autoplay && o.url == "" {
		return nil, errors.New("--autoplay needs a URL")
	}
	if (o.user == "") != (o.pass == "") {
		return nil, errors.New("--user and --pass go together")
	}
	if o.jitter == 0 {
		o.jitter = -1 // player.Config: negative means no buffer
	}
	return o, nil
}

func (o *options) playerConfig(stderr io.Writer) player.Config {
	log := slog.New(slog.DiscardHandler)
	if o.verbose {
		log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	ccfg := client.Config{Transport: o.transport, Lab: o.lab, RTPPort: o.rtpPort, Logger: log}
	if o.user != "" {
		ccfg.Credentials = &rtsp.Credentials{Username: o.user, Password: o.pass}
	}
	cfg := player.Config{Dial: player.ClientDialer(ccfg), URL: o.url, JitterBuffer: o.jitter, Logger: log}
	if td, err := newTurboDecoder(); err == nil {
		cfg.Decode = td.decode
	} else {
		log.Warn("libjpeg-turbo unavailable; decoding in Go", "err", err)
	}
	if o.statsStderr {
		cfg.OnStats = func(line string) { fmt.Fprintln(stderr, "rtpplay: stats:", line) }
	}
	return cfg
}
