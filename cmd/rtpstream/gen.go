package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// genBatch is how many frames gen renders concurrently before writing them.
const genBatch = 64

// runGen implements `rtpstream gen -o FILE [--size WxH] [--fps N]
// [--frames N] [--quality Q] [--format lab|raw]` (cli.md): it writes the
// built-in test pattern as a frame file, atomically, and prints a one-line
// summary on stdout.
func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	var (
		out     = fs.String("o", "", "output `FILE` (required)")
		size    = fs.String("size", "640x480", "frame size `WxH`, 16..2040 each")
		fps     = fs.Float64("fps", 30, "frame rate the clock and motion assume")
		frames  = fs.Int("frames", 150, "number of frames")
		quality = fs.Int("quality", 80, "JPEG quality 1..100")
		format  = fs.String("format", "raw", "output format: lab or raw")
	)
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if *out == "" {
		return fmt.Errorf("%w: -o FILE is required", errUsage)
	}
	w, h, err := parseSize(*size)
	if err != nil {
		return fmt.Errorf("%w: --size: %v", errUsage, err)
	}
	f, err := mjpeg.ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("%w: --format: %v", errUsage, err)
	}
	if *frames < 1 {
		return fmt.Errorf("%w: --frames %d, want at least 1", errUsage, *frames)
	}
	// Short files loop seamlessly (motion period = the file); long ones
	// keep the pattern's 5-second motion so that it stays visible.
	period := 0
	if float64(*frames) <= 10**fps {
		period = max(*frames, 2)
	}
	p, err := mjpeg.NewPattern(w, h, *fps, *quality, period)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	start := time.Now()
	var written int64
	err = writeAtomic(*out, func(dst io.Writer) error {
		bw := bufio.NewWriterSize(dst, 256<<10)
		mw := mjpeg.NewWriter(bw, f)
		for n := 0; n < *frames; n += genBatch {
			batch, err := p.Render(ctx, n, min(genBatch, *frames-n))
			if err != nil {
				return err
			}
			for _, fr := range batch {
				// The rate travels in the file (a JPEG comment), so
				// `serve` plays it at the rate it was made for.
				if err := mw.WriteFrame(mjpeg.WithRate(fr, *fps)); err != nil {
					return err
				}
			}
		}
		written = mw.Written()
		return bw.Flush()
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d frames %dx%d at %s fps, %s, %s (avg %s/frame), %s\n",
		*out, *frames, w, h, strconv.FormatFloat(*fps, 'f', -1, 64), f, humanBytes(written),
		humanBytes(written/int64(*frames)), time.Since(start).Round(time.Millisecond))
	return nil
}

// parseSize parses "WxH" (also "W×H" and "WXH").
func parseSize(s string) (w, h int, err error) {
	s = strings.ReplaceAll(strings.ToLower(s), "×", "x")
	ws, hs, ok := strings.Cut(s, "x")
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("%q is not WIDTHxHEIGHT (e.g. 640x480)", s)
	}
	return w, h, nil
}

// humanBytes formats a byte count with a binary-prefix unit.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
