package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
)

// errNoFrames: the recording ended before any complete frame arrived.
var errNoFrames = errors.New("no complete frame received")

// recordStats is the JSON object `record` prints at the end (cli.md).
type recordStats struct {
	Frames             int     `json:"frames"` // frames written to the file
	FramesIncomplete   uint64  `json:"frames_incomplete"`
	Packets            uint64  `json:"packets"`
	PacketsLost        uint64  `json:"packets_lost"`
	LossRate           float64 `json:"loss_rate"`
	BitrateBps         float64 `json:"bitrate_bps"`
	FPS                float64 `json:"fps"`
	JitterMs           float64 `json:"jitter_ms"`
	Transport          string  `json:"transport"`
	Width              int     `json:"width"`
	Height             int     `json:"height"`
	Duplicates         uint64  `json:"duplicates"`
	Reordered          uint64  `json:"reordered"`
	PacketsExpected    uint64  `json:"packets_expected"`
	FramesComplete     uint64  `json:"frames_complete"`
	FramesQueueDropped uint64  `json:"frames_queue_dropped"`
	Bytes              uint64  `json:"bytes"`
	DurationS          float64 `json:"duration_s"`
	Lab                bool    `json:"lab"`
	Output             string  `json:"output"`
	Format             string  `json:"format"`
}

// runRecord implements `rtpstream record URL -o FILE` (cli.md): it plays
// URL and writes every complete frame to FILE (through a temporary file
// renamed at the end, so FILE is never partial), stops after --duration,
// --frames, the end of the stream or SIGINT, sends TEARDOWN, and prints the
// statistics as one JSON object.
func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	var (
		out       = fs.String("o", "", "output `file` (required)")
		duration  = fs.Duration("duration", 0, "stop after playing this long (0: no limit)")
		frames    = fs.Int("frames", 0, "stop after `N` frames (0: no limit)")
		transport = fs.String("transport", client.TransportAuto, "udp, tcp or auto (UDP, then TCP on 461 or silence)")
		format    = fs.String("format", "raw", "output format: raw (concatenated JPEG) or lab (5-digit length + JPEG)")
		statsJSON = fs.String("stats-json", "-", "write the statistics JSON to `PATH` (- for stdout)")
		user      = fs.String("user", "", "user `name` for Basic/Digest authentication")
		pass      = fs.String("pass", "", "`password` for --user")
		lab       = fs.Bool("lab", false, "speak the Kurose-Ross lab dialect (URL rtsp://HOST:PORT/FILE)")
		timeout   = fs.Duration("timeout", client.DefaultTimeout, "connect and per-request timeout")
		rtpPort   = fs.Int("rtp-port", 0, "local RTP `port` (RTCP uses the next one; 0 picks free ports)")
		logLevel  = fs.String("log-level", "warn", "log level: debug, info, warn, error")
	)
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return fmt.Errorf("%w: want exactly one URL, got %d arguments", errUsage, len(pos))
	case *out == "":
		return fmt.Errorf("%w: -o FILE is required", errUsage)
	case *frames < 0 || *duration < 0:
		return fmt.Errorf("%w: --frames and --duration must not be negative", errUsage)
	case *user != "" && *pass == "":
		return fmt.Errorf("%w: --user needs --pass", errUsage)
	case *rtpPort < 0 || *rtpPort > 65534:
		return fmt.Errorf("%w: --rtp-port %d out of range", errUsage, *rtpPort)
	}
	ff, err := mjpeg.ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("%w: --format: %v", errUsage, err)
	}
	switch *transport {
	case client.TransportUDP, client.TransportTCP, client.TransportAuto:
	default:
		return fmt.Errorf("%w: --transport %q: want udp, tcp or auto", errUsage, *transport)
	}
	if *lab && *transport == client.TransportTCP {
		return fmt.Errorf("%w: the lab dialect streams over UDP only", errUsage)
	}
	log, err := newLogger(stderr, "text", *logLevel)
	if err != nil {
		return err
	}
	cfg := client.Config{Transport: *transport, Lab: *lab, Timeout: *timeout, RTPPort: *rtpPort, Logger: log}
	if *user != "" {
		cfg.Credentials = &rtsp.Credentials{Username: *user, Password: *pass}
	}

	sess, err := client.Dial(ctx, pos[0], cfg)
	if err != nil {
		return err
	}
	defer sess.Close()
	if err := sess.Play(ctx); err != nil {
		teardown(ctx, sess, log) // a SETUP may have succeeded
		return err
	}
	started := time.Now()
	prog := newRecordProgress(stderr)
	var written int
	var endErr error
	err = writeAtomic(*out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		mw := mjpeg.NewWriter(bw, ff)
		var werr error
		written, endErr, werr = recordLoop(ctx, sess, mw, *frames, *duration, prog)
		prog.done()
		teardown(ctx, sess, log)
		if werr != nil {
			return werr
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if written == 0 {
			if endErr != nil {
				return fmt.Errorf("%w: %w", errNoFrames, endErr)
			}
			return errNoFrames
		}
		return nil
	})
	if err != nil {
		return err
	}
	st := sess.Stats()
	rs := recordStats{
		Frames: written, FramesIncomplete: st.FramesIncomplete, Packets: st.PacketsReceived,
		PacketsLost: st.PacketsLost, LossRate: st.LossRate, BitrateBps: math.Round(st.BitrateBps),
		FPS: round3(st.FPS), JitterMs: round3(st.JitterMs), Transport: st.Transport,
		Width: st.Width, Height: st.Height, Duplicates: st.Duplicates, Reordered: st.Reordered,
		PacketsExpected: st.PacketsExpected, FramesComplete: st.FramesComplete,
		FramesQueueDropped: st.FramesQueueDropped, Bytes: st.Bytes,
		DurationS: round3(time.Since(started).Seconds()), Lab: st.Lab, Output: *out, Format: ff.String(),
	}
	if err := writeStatsJSON(*statsJSON, stdout, rs); err != nil {
		return err
	}
	return endErr
}

// recordLoop writes frames until a stop condition; it returns the frames
// written, why the stream ended when that is an error (a clean end of
// stream, --duration, --frames and SIGINT are not), and a write error.
func recordLoop(ctx context.Context, sess *client.Session, mw *mjpeg.Writer, maxFrames int, dur time.Duration, prog *recordProgress) (int, error, error) {
	var timeUp <-chan time.Time
	if dur > 0 {
		t := time.NewTimer(dur)
		defer t.Stop()
		timeUp = t.C
	}
	var tick <-chan time.Time
	if prog.w != nil {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	n := 0
	write := func(f client.Frame) (bool, error) {
		if err := mw.WriteFrame(f.JPEG); err != nil {
			return true, fmt.Errorf("write frame %d: %w", n+1, err)
		}
		n++
		return maxFrames > 0 && n >= maxFrames, nil
	}
	for {
		select {
		case f := <-sess.Frames():
			if stop, err := write(f); stop || err != nil {
				return n, nil, err
			}
		case <-sess.Done():
			for {
				select {
				case f := <-sess.Frames():
					if stop, err := write(f); stop || err != nil {
						return n, nil, err
					}
					continue
				default:
				}
				break
			}
			if err := sess.Err(); err != nil && !errors.Is(err, client.ErrEndOfStream) {
				return n, err, nil
			}
			return n, nil, nil
		case <-timeUp:
			return n, nil, nil
		case <-ctx.Done():
			return n, nil, nil
		case <-tick:
			prog.show(n, sess.Stats())
		}
	}
}

// teardown ends the RTSP session even when ctx was canceled by SIGINT.
func teardown(ctx context.Context, sess *client.Session, log interface{ Warn(string, ...any) }) {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	if err := sess.Teardown(tctx); err != nil {
		log.Warn("TEARDOWN failed", "err", err)
	}
}

func writeStatsJSON(path string, stdout io.Writer, rs recordStats) error {
	b, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = stdout.Write(b)
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("--stats-json: %w", err)
	}
	return nil
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// recordProgress draws "recording: N frames  T s  R kbit/s  loss L %" on
// stderr when it is a terminal; nothing otherwise.
type recordProgress struct {
	w     io.Writer
	start time.Time
	shown bool
}

func newRecordProgress(w io.Writer) *recordProgress {
	p := &recordProgress{start: time.Now()}
	if isTerminal(w) {
		p.w = w
	}
	return p
}

func (p *recordProgress) show(frames int, st client.Stats) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\rrecording: %d frames  %.1f s  %.0f kbit/s  loss %.2f %%  %s\x1b[K",
		frames, time.Since(p.start).Seconds(), st.BitrateBps/1000, st.LossRate*100, st.Transport)
	p.shown = true
}

func (p *recordProgress) done() {
	if p.w != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
