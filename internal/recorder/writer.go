package recorder

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// ErrInvalidFrame is returned for a frame that is not one whole JPEG (SOI
// through EOI, walked by marker segments) within Options.MaxFrameBytes; it
// is dropped, so that the raw concatenation stays readable.
var ErrInvalidFrame = errors.New("recorder: not a whole JPEG frame")

// maxNameTries bounds the search for a free name when two segments start
// in the same millisecond.
const maxNameTries = 1000

// Stats are a recorder's counters since it started.
type Stats struct {
	// Frames and Bytes count what was written to segments.
	Frames, Bytes uint64
	// Segments counts segments completed (renamed to their final name).
	Segments uint64
	// Dropped counts frames not written: the queue was full, the disk
	// was failing, or the frame was not a whole JPEG.
	Dropped uint64
	// Errors counts failed file operations.
	Errors uint64
	// Recovered counts temporary files of an earlier run made whole;
	// Deleted counts segments removed by retention.
	Recovered, Deleted uint64
}

// counters are the atomic form of Stats (written by the Writer's owner,
// read by anyone).
type counters struct {
	frames, bytes, segments, dropped, errors, recovered, deleted atomic.Uint64
}

func (c *counters) load() Stats {
	return Stats{
		Frames: c.frames.Load(), Bytes: c.bytes.Load(), Segments: c.segments.Load(),
		Dropped: c.dropped.Load(), Errors: c.errors.Load(),
		Recovered: c.recovered.Load(), Deleted: c.deleted.Load(),
	}
}

// segment is the open segment.
type segment struct {
	f           segmentFile
	part, final string // full paths
	start, last time.Time
	size        int64 // bytes of complete frames
	frames      int
}

// Writer writes frames into segment files (see the package doc). It is not
// safe for concurrent use: one goroutine owns it (a Recorder's); Stats may
// be called from any.
type Writer struct {
	opt Options
	log *slog.Logger
	seg *segment
	// failing is set from a failure until a frame is written again;
	// frames arriving before retryAt are dropped. failDropped counts them
	// for the line logged when writing resumes.
	failing     bool
	retryAt     time.Time
	failDropped uint64
	// lastSize is the size of the last completed segment (MaxBytes keeps
	// room for one more like it).
	lastSize int64
	c        counters
}

// NewWriter checks opt, recovers the temporary files an earlier run left in
// opt.Dir and applies retention. Problems with the folder are logged, not
// returned: the Writer retries at the first frame. Only invalid options
// are an error.
func NewWriter(opt Options) (*Writer, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Writer{opt: opt, log: opt.Logger.With("dir", opt.Dir)}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		w.fail(time.Time{}, fmt.Errorf("create folder: %w", err))
		return w, nil
	}
	w.recoverParts()
	w.retain()
	return w, nil
}

// Stats returns the counters.
func (w *Writer) Stats() Stats { return w.c.load() }

// WriteFrame appends a frame that arrived at at, starting a new segment
// first when the open one is Segment long or the frame comes more than Gap
// after the previous one. The frame is written with one write call, so a
// concurrent reader or a crash sees whole frames plus at most one torn
// tail. jpeg is not kept. An error says why the frame was not written (it
// is counted as dropped); the Writer stays usable.
func (w *Writer) WriteFrame(jpeg []byte, at time.Time) error {
	n, err := jpeghdr.FrameLength(jpeg)
	if err != nil || n > w.opt.MaxFrameBytes {
		w.c.dropped.Add(1)
		if err == nil {
			err = fmt.Errorf("%d bytes, limit %d", n, w.opt.MaxFrameBytes)
		}
		return fmt.Errorf("%w: %w", ErrInvalidFrame, err)
	}
	jpeg = jpeg[:n]
	if s := w.seg; s != nil && (at.Sub(s.start) >= w.opt.Segment || at.Sub(s.last) > w.opt.Gap) {
		if err := w.CloseSegment(); err != nil {
			w.fail(at, err)
		}
	}
	if w.seg == nil {
		if w.failing && at.Before(w.retryAt) {
			w.c.dropped.Add(1)
			w.failDropped++
			return nil
		}
		if err := w.open(at); err != nil {
			w.c.dropped.Add(1)
			w.failDropped++
			w.fail(at.Add(w.opt.Segment), err)
			return err
		}
	}
	s := w.seg
	if k, err := s.f.Write(jpeg); err != nil || k != n {
		if err == nil {
			err = fmt.Errorf("short write: %d of %d bytes", k, n)
		}
		err = fmt.Errorf("write %s: %w", s.part, err)
		w.c.dropped.Add(1)
		w.failDropped++
		w.abandon()
		w.fail(s.start.Add(w.opt.Segment), err)
		return err
	}
	s.size += int64(n)
	s.frames++
	s.last = at
	w.c.frames.Add(1)
	w.c.bytes.Add(uint64(n))
	if w.failing {
		w.log.Info("recording resumed", "segment", filepath.Base(s.final), "dropped", w.failDropped)
		w.failing, w.failDropped = false, 0
	}
	return nil
}

// fail records a failure: logged when it starts a failing period (not for
// every retry), and frames are dropped until retryAt.
func (w *Writer) fail(retryAt time.Time, err error) {
	w.c.errors.Add(1)
	if !w.failing {
		w.log.Warn("recording failed: dropping frames until the next segment boundary", "err", err, "retry_at", retryAt)
	}
	w.failing, w.retryAt = true, retryAt
}

// open starts a segment whose first frame arrives at at.
func (w *Writer) open(at time.Time) error {
	if err := os.MkdirAll(w.opt.Dir, 0o755); err != nil {
		return fmt.Errorf("create folder: %w", err)
	}
	if w.failing {
		// A segment abandoned without its rename is made whole now.
		w.recoverParts()
	}
	for i := range maxNameTries {
		final := filepath.Join(w.opt.Dir, SegmentName(at.Add(time.Duration(i)*time.Millisecond)))
		if _, err := os.Lstat(final); err == nil {
			continue
		}
		part := filepath.Join(w.opt.Dir, partName(filepath.Base(final)))
		f, err := w.opt.create(part)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("create segment: %w", err)
		}
		w.seg = &segment{f: f, part: part, final: final, start: at, last: at}
		return nil
	}
	return fmt.Errorf("create segment: no free name near %s", SegmentName(at))
}

// abandon ends the open segment after a failed write: cut at its last
// complete frame and completed, or removed when it has none. Errors are
// counted only: the failure that led here is the one logged, and a
// temporary file left behind is recovered by the next retry or start.
func (w *Writer) abandon() {
	s := w.seg
	if s == nil {
		return
	}
	if err := s.f.Truncate(s.size); err != nil {
		// Not renamed with a torn tail: left for recovery.
		w.c.errors.Add(1)
		w.seg = nil
		_ = s.f.Close()
		return
	}
	if err := w.CloseSegment(); err != nil {
		w.c.errors.Add(1)
	}
}

// CloseSegment completes the open segment, if any: fsync, close, rename to
// its final name, modification time set to its last frame's arrival, then
// retention. A segment without frames is removed. The next frame starts a
// new segment.
func (w *Writer) CloseSegment() error {
	s := w.seg
	if s == nil {
		return nil
	}
	w.seg = nil
	var errs []error
	if err := s.f.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("sync %s: %w", s.part, err))
	}
	if err := s.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close %s: %w", s.part, err))
	}
	if len(errs) > 0 {
		w.c.errors.Add(1)
		// Left under its temporary name: recovery checks it frame by
		// frame before it is ever served.
		return errors.Join(errs...)
	}
	if s.frames == 0 {
		if err := os.Remove(s.part); err != nil {
			w.c.errors.Add(1)
			return fmt.Errorf("remove empty segment: %w", err)
		}
		return nil
	}
	if err := w.complete(s.part, s.final, s.last); err != nil {
		w.c.errors.Add(1)
		return err
	}
	w.lastSize = s.size
	w.retain()
	return nil
}

// complete renames a written segment to its final name, sets its
// modification time to last and makes the rename durable.
func (w *Writer) complete(part, final string, last time.Time) error {
	if err := os.Rename(part, final); err != nil {
		return fmt.Errorf("rename segment: %w", err)
	}
	w.c.segments.Add(1)
	if err := os.Chtimes(final, last, last); err != nil {
		w.log.Debug("recording: cannot set a segment's time", "segment", final, "err", err)
	}
	if err := syncDir(w.opt.Dir); err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	return nil
}

// syncDir makes renames in dir durable (fsync of the folder).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close completes the open segment (see CloseSegment).
func (w *Writer) Close() error { return w.CloseSegment() }
