package recorder

import (
	"os"
	"path/filepath"
	"sort"
	"time"
)

// segmentInfo is a complete segment found in the folder.
type segmentInfo struct {
	name  string
	start time.Time
	last  time.Time // modification time: its last frame's arrival
	size  int64
}

// listSegments lists the complete segments in dir, oldest first: names that
// ParseSegmentName accepts, as regular files. Other files are not ours and
// are never touched.
func listSegments(dir string) ([]segmentInfo, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []segmentInfo
	for _, e := range ents {
		start, ok := ParseSegmentName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, segmentInfo{name: e.Name(), start: start, last: info.ModTime(), size: info.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out, nil
}

// retain deletes the oldest complete segments beyond Options.MaxAge and
// Options.MaxBytes (see there).
func (w *Writer) retain() {
	if w.opt.MaxAge <= 0 && w.opt.MaxBytes <= 0 {
		return
	}
	segs, err := listSegments(w.opt.Dir)
	if err != nil {
		w.c.errors.Add(1)
		w.log.Warn("recording: cannot list the folder for retention", "err", err)
		return
	}
	var total int64
	for _, s := range segs {
		total += s.size
	}
	now := w.opt.Now()
	for i, s := range segs {
		old := w.opt.MaxAge > 0 && now.Sub(s.last) > w.opt.MaxAge
		big := w.opt.MaxBytes > 0 && total+w.lastSize > w.opt.MaxBytes && i < len(segs)-1
		if !old && !big {
			break
		}
		if err := os.Remove(filepath.Join(w.opt.Dir, s.name)); err != nil {
			w.c.errors.Add(1)
			w.log.Warn("recording: cannot delete an old segment", "segment", s.name, "err", err)
			return
		}
		total -= s.size
		w.c.deleted.Add(1)
		w.log.Info("recording: deleted an old segment", "segment", s.name, "bytes", s.size, "old", old)
	}
}
