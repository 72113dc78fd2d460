package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// runConvert implements `rtpstream convert IN -o OUT [--format lab|raw]
// [--rfc2435] [--quality Q]` (cli.md). IN is a lab file, raw MJPEG or a
// directory of .jpg/.jpeg files. Without --rfc2435 frames are copied as
// they are (streamed, one frame in memory) and the summary says how many
// RFC 2435 could not carry; with it, those frames are re-encoded to
// baseline 4:2:0 with the standard Huffman tables, frames larger than 2040
// pixels are scaled down to fit (aspect kept) and sizes that are not a
// multiple of 8 are padded, so that OUT streams unchanged. OUT is written to
// a temporary file in its directory and renamed into place: it is never
// left half written. Progress goes to stderr only when it is a terminal.
func runConvert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	var (
		out     = fs.String("o", "", "output `FILE` (required)")
		format  = fs.String("format", "", "output format: lab or raw (default: the input's; raw for a directory)")
		rfc2435 = fs.Bool("rfc2435", false, "re-encode frames RFC 2435 cannot carry (4:4:4, progressive, grayscale, optimized Huffman, > 2040 px, sizes not a multiple of 8) to baseline 4:2:0")
		quality = fs.Int("quality", mjpeg.DefaultQuality, "JPEG quality 1..100 of re-encoded frames")
	)
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return fmt.Errorf("%w: missing input file or directory (convert IN -o OUT)", errUsage)
	case len(pos) > 1:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[1])
	case *out == "":
		return fmt.Errorf("%w: -o FILE is required", errUsage)
	case *quality < 1 || *quality > 100:
		return fmt.Errorf("%w: --quality %d out of range 1..100", errUsage, *quality)
	}
	in := pos[0]
	var outFormat mjpeg.Format
	if *format != "" {
		if outFormat, err = mjpeg.ParseFormat(*format); err != nil {
			return fmt.Errorf("%w: --format: %v", errUsage, err)
		}
	}
	prog := newProgress(stderr, "convert")
	defer prog.done()
	start := time.Now()
	var sum convertSummary
	if *rfc2435 {
		sum, err = convertRFC2435(ctx, in, *out, outFormat, *format != "", *quality, prog)
	} else {
		sum, err = convertCopy(ctx, in, *out, outFormat, *format != "", prog)
	}
	prog.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "converted %s (%s, %s) -> %s (%s, %d frames %dx%d, %s) in %s; %s\n",
		in, sum.inFormat, sum.chroma, *out, sum.outFormat, sum.frames, sum.width, sum.height,
		humanBytes(sum.bytes), time.Since(start).Round(time.Millisecond), sum.note)
	return nil
}

// convertSummary is what the summary line reports.
type convertSummary struct {
	inFormat, outFormat mjpeg.Format
	frames              int
	width, height       int
	chroma              string
	bytes               int64
	note                string // RFC 2435 outcome
}

// chooseFormat picks the output format: the flag's, else the input's (raw
// for directories).
func chooseFormat(in mjpeg.Format, flagged mjpeg.Format, set bool) mjpeg.Format {
	switch {
	case set:
		return flagged
	case in == mjpeg.FormatLab:
		return mjpeg.FormatLab
	}
	return mjpeg.FormatRaw
}

// convertRFC2435 loads IN whole (transcoding on all cores) and writes it.
func convertRFC2435(ctx context.Context, in, out string, f mjpeg.Format, set bool, q int, prog *progress) (convertSummary, error) {
	v, err := mjpeg.LoadContext(ctx, in, mjpeg.LoadOptions{Quality: q, Fit: true, Progress: prog.update})
	if err != nil {
		return convertSummary{}, err
	}
	s := convertSummary{inFormat: v.Format, outFormat: chooseFormat(v.Format, f, set), frames: len(v.Frames),
		width: v.Width, height: v.Height, chroma: v.Chroma}
	err = writeAtomic(out, func(dst io.Writer) error {
		bw := bufio.NewWriterSize(dst, 256<<10)
		w := mjpeg.NewWriter(bw, s.outFormat)
		for _, fr := range v.Frames {
			if err := w.WriteFrame(fr); err != nil {
				return err
			}
		}
		s.bytes = w.Written()
		return bw.Flush()
	})
	if v.Transcoded > 0 {
		s.note = fmt.Sprintf("re-encoded %d frames for RFC 2435 (%s) at quality %d", v.Transcoded, v.Reason, q)
	} else {
		s.note = "RFC 2435 carries every frame unchanged, nothing re-encoded"
	}
	return s, err
}

// convertCopy streams frames from IN to OUT unchanged, checking each one.
func convertCopy(ctx context.Context, in, out string, f mjpeg.Format, set bool, prog *progress) (convertSummary, error) {
	r, err := mjpeg.Open(in, mjpeg.ReaderOptions{})
	if err != nil {
		return convertSummary{}, err
	}
	defer r.Close()
	s := convertSummary{inFormat: r.Format(), outFormat: chooseFormat(r.Format(), f, set)}
	reasons := map[string]int{}
	notCarriable := 0
	err = writeAtomic(out, func(dst io.Writer) error {
		bw := bufio.NewWriterSize(dst, 256<<10)
		w := mjpeg.NewWriter(bw, s.outFormat)
		_, err := eachFrame(ctx, r, in, func(fr []byte, info *jpeghdr.Info) error {
			if s.frames == 0 {
				s.width, s.height, s.chroma = info.Width, info.Height, mjpeg.Subsampling(info)
			}
			if _, reason := carriableReason(info); reason != "" {
				notCarriable++
				reasons[reason]++
			}
			if err := w.WriteFrame(fr); err != nil {
				return err
			}
			s.frames++
			prog.update(s.frames, 0)
			return nil
		})
		if err != nil {
			return err
		}
		if s.frames == 0 {
			return fmt.Errorf("%s: %w", in, mjpeg.ErrNoFrames)
		}
		s.bytes = w.Written()
		return bw.Flush()
	})
	if notCarriable > 0 {
		s.note = fmt.Sprintf("%d frames not carriable by RFC 2435 as they are (%s); add --rfc2435 to re-encode them",
			notCarriable, reasonList(reasons))
	} else {
		s.note = "RFC 2435 carries every frame unchanged"
	}
	return s, err
}

// reasonList renders reason counts as "4:4:4 chroma: 500, progressive: 2",
// most frequent first.
func reasonList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// writeAtomic writes path through fill into a temporary file in the same
// directory, syncs it and renames it over path, so that path is either the
// old file or the complete new one, never a partial write. On error the
// temporary file is removed.
func writeAtomic(path string, fill func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progress draws "NAME: done/total frames" on a terminal, at most ten times
// a second; it is silent when the writer is not a terminal.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // nil when not a terminal
	name  string
	last  time.Time
	shown bool
}

func newProgress(w io.Writer, name string) *progress {
	p := &progress{name: name}
	if isTerminal(w) {
		p.w = w
	}
	return p
}

// update reports done of total frames (total 0 = unknown). Safe for
// concurrent use.
func (p *progress) update(done, total int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || done == total {
		p.last = now
		if total > 0 {
			fmt.Fprintf(p.w, "\r%s: %d/%d frames (%d%%)\x1b[K", p.name, done, total, done*100/total)
		} else {
			fmt.Fprintf(p.w, "\r%s: %d frames\x1b[K", p.name, done)
		}
		p.shown = true
	}
}

// done clears the progress line.
func (p *progress) done() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// isTerminal reports whether w is a character device (a terminal), the
// portable check os.File.Stat offers without x/term.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
