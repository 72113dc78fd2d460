package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/internal/recorder"
	"github.com/rtpstream/rtpstream/mediafile"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// recordingSuffix names a recording folder's timeline stream: the segments
// of /cam1 recorded into MEDIA/cam1/ play as one stream at /cam1/recording
// (each segment is also a file stream of its own).
const recordingSuffix = "/recording"

// maxRetired bounds the segment files a recording keeps open after newer
// snapshots replaced them (sessions may still read them).
const maxRetired = 16

// recordings is a folder of recorder segments played as one timeline, with
// npt from its first frame and clock ranges (RFC 2326 3.7) from the
// segments' start times. Each open (DESCRIBE, SETUP, PLAY) takes a fresh
// snapshot when the folder changed, so a recording plays while it is
// being written, up to the last complete frame of its open segment; a
// session keeps the snapshot it started with.
type recordings struct {
	dir string
	log *slog.Logger
	// cacheDir keeps complete segments' indexes (Config.CacheDir).
	cacheDir string

	mu      sync.Mutex
	files   map[string]*segFile // by file name
	retired []*mediafile.File
	last    *timelineStore
}

// segFile is one opened segment file, reused by snapshots while its size
// and mtime stay the same.
type segFile struct {
	mf    *mediafile.File
	size  int64
	mtime time.Time
}

// addRecording adds the timeline stream of e's folder if e is a segment
// named by the recorder and the folder has none yet. Called with c.mu held
// or before the catalog is shared.
func (c *catalog) addRecording(e *mediaEntry) {
	if _, ok := recorder.ParseSegmentName(filepath.Base(e.path)); !ok || e.dir {
		return
	}
	name := path.Dir(e.name) + recordingSuffix
	if c.streams[name] != nil {
		return
	}
	dir := filepath.Dir(e.path)
	c.streams[name] = &Stream{Name: name, FPS: c.cfg.FPS, file: dir, epoch: time.Now(), noLoop: true,
		rec: &recordings{dir: dir, log: c.cfg.Logger.With("stream", name), cacheDir: c.cfg.CacheDir, files: map[string]*segFile{}}}
}

// errNoRecording is returned when a recording folder has no frames (yet).
var errNoRecording = errors.New("no recorded frames")

// snapshot returns the timeline as the folder holds it now, reusing the
// last one when nothing changed.
func (r *recordings) snapshot(ctx context.Context, cache *frameCache, mtu int, fallbackFPS float64) (*timelineStore, error) {
	segs, err := recorder.List(r.dir)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", r.dir, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := &timelineStore{rec: r, cache: cache, mtu: mtu}
	seen := map[string]bool{}
	changed := r.last == nil
	for _, sg := range segs {
		p := filepath.Join(r.dir, sg.Name)
		fi, err := os.Stat(p)
		if err != nil {
			continue // removed meanwhile (retention)
		}
		seen[sg.Name] = true
		sf := r.files[sg.Name]
		if sf == nil || sf.size != fi.Size() || !sf.mtime.Equal(fi.ModTime()) {
			opt := mediafile.Options{CacheDir: r.cacheDir, Logger: r.log}
			if sg.Open {
				// A growing file: its index changes with every frame,
				// and its torn tail is expected.
				opt.CacheDir, opt.Logger = "", nil
			}
			mf, err := mediafile.Open(ctx, p, opt)
			if err != nil {
				continue // empty or not yet one whole frame
			}
			if sf != nil {
				r.retire(sf.mf)
			}
			sf = &segFile{mf: mf, size: fi.Size(), mtime: fi.ModTime()}
			r.files[sg.Name] = sf
			changed = true
		}
		end := fi.ModTime()
		if sg.Open {
			end = time.Time{} // still growing: no rate from it
		}
		ts.segs = append(ts.segs, tlSeg{mf: sf.mf, start: sg.Start, end: end, first: ts.n})
		ts.n += sf.mf.Len()
	}
	for name, sf := range r.files {
		if !seen[name] {
			r.retire(sf.mf)
			delete(r.files, name)
			changed = true
		}
	}
	if !changed && r.last != nil {
		return r.last, nil
	}
	if ts.n == 0 {
		return nil, fmt.Errorf("recording %s: %w", r.dir, errNoRecording)
	}
	ts.fps = recordedFPS(ts.segs, fallbackFPS)
	r.last = ts
	return ts, nil
}

// retire keeps a replaced segment file open for sessions still reading it,
// closing the oldest beyond maxRetired.
func (r *recordings) retire(mf *mediafile.File) {
	r.retired = append(r.retired, mf)
	if len(r.retired) > maxRetired {
		r.retired[0].Close()
		r.retired = r.retired[1:]
	}
}

// close closes every segment file.
func (r *recordings) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, sf := range r.files {
		sf.mf.Close()
	}
	for _, mf := range r.retired {
		mf.Close()
	}
	r.files, r.retired, r.last = map[string]*segFile{}, nil, nil
}

// recordedFPS estimates a recording's frame rate: the median, over
// complete segments, of their frame intervals per second between the
// first frame (the name's time) and the last (the file's mtime, which the
// recorder sets to it). Without a complete segment it is fallback.
func recordedFPS(segs []tlSeg, fallback float64) float64 {
	var rates []float64
	for _, sg := range segs {
		d := sg.end.Sub(sg.start).Seconds()
		if n := sg.mf.Len(); !sg.end.IsZero() && d > 0 && n > 1 {
			rates = append(rates, float64(n-1)/d)
		}
	}
	if len(rates) == 0 {
		return fallback
	}
	sort.Float64s(rates)
	fps := rates[len(rates)/2]
	return math.Round(min(max(fps, 1), 1000)*1000) / 1000
}

// tlSeg is one segment of a timeline snapshot: its frames are the
// timeline's frames first..first+Len-1.
type tlSeg struct {
	mf *mediafile.File
	// start and end are the times of its first and last frames (end is
	// zero for the segment being written).
	start, end time.Time
	first      int
}

// timelineStore is one snapshot of a recording: the frames of its
// segments in order, read from disk through the frame cache. It has no
// goroutine (recorded frames are carriable and in the page cache).
type timelineStore struct {
	rec   *recordings
	segs  []tlSeg
	n     int
	fps   float64
	cache *frameCache
	mtu   int
}

func (ts *timelineStore) len() int { return ts.n }

// seg finds the segment of frame i.
func (ts *timelineStore) seg(i int) *tlSeg {
	k := sort.Search(len(ts.segs), func(k int) bool { return ts.segs[k].first > i }) - 1
	return &ts.segs[max(k, 0)]
}

func (ts *timelineStore) frame(i int) (*storedFrame, error) {
	sg := ts.seg(i)
	j := i - sg.first
	if f := ts.cache.get(sg.mf, j); f != nil {
		return f, nil
	}
	jpg, src, err := sg.mf.Frame(j)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errFrameSkipped, err)
	}
	pk, err := rtpjpeg.Packetize(jpg, ts.mtu)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errFrameSkipped, err)
	}
	f := &storedFrame{jpeg: jpg, lab: src, pk: pk}
	ts.cache.put(sg.mf, j, f)
	return f, nil
}

func (ts *timelineStore) prepare(i int) { _, _ = ts.frame(i) }

func (ts *timelineStore) source(i int) ([]byte, error) {
	sg := ts.seg(i)
	if f := ts.cache.get(sg.mf, i-sg.first); f != nil {
		return f.lab, nil
	}
	b, err := sg.mf.Source(i - sg.first)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errFrameSkipped, err)
	}
	return b, nil
}

// close closes the recording's segment files (Serve's end).
func (ts *timelineStore) close() { ts.rec.close() }

// clockPos is the frame shown at t: in the last segment starting at or
// before t, (t - start) * fps frames in (at most its last frame); ok is
// false past the recording's end.
func (ts *timelineStore) clockPos(t time.Time) (int64, bool) {
	k := sort.Search(len(ts.segs), func(k int) bool { return ts.segs[k].start.After(t) }) - 1
	if k < 0 {
		return 0, true // before the first segment: its start
	}
	sg := ts.segs[k]
	off := int(math.Floor(t.Sub(sg.start).Seconds()*ts.fps + 1e-9))
	if n := sg.mf.Len(); off >= n {
		if k == len(ts.segs)-1 {
			return 0, false
		}
		off = n - 1 // in the gap before the next segment
	}
	return int64(sg.first + off), true
}

// clockOf is the wall-clock time of frame i.
func (ts *timelineStore) clockOf(i int64) time.Time {
	sg := ts.seg(int(i))
	return sg.start.Add(time.Duration(float64(int(i)-sg.first) / ts.fps * float64(time.Second)))
}
