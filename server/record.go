package server

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/internal/recorder"
)

// pathRecorder records a live path into segment files: one more
// frameReader of the hub. deliver only queues the frame (the recorder's
// own goroutine writes; a full queue drops, counted), so the scheduler
// never waits for the disk. It is attached while the path exists, which
// keeps a relay connected; a publisher leaving does not end it (the
// recorder completes the open segment after recorder.DefaultGap without
// frames and records the next publisher); the path's end completes the
// open segment before close returns, so Serve returns with every segment
// whole.
type pathRecorder struct {
	ls   *liveStream
	rec  *recorder.Recorder
	once sync.Once
}

// deliver queues the frame for the recorder.
func (r *pathRecorder) deliver(f *liveFrame, _ time.Time) { r.rec.Offer(f.jpeg, f.arrival) }

// end stops the recording when the path ends (removed, changed, server
// shutting down), after the open segment is complete. For a publisher
// leaving (the path goes on) it does nothing.
func (r *pathRecorder) end(reason string) {
	r.ls.mu.Lock()
	closed := r.ls.closed
	r.ls.mu.Unlock()
	if closed {
		r.close(reason)
	}
}

// close completes the open segment and stops the recorder, once.
func (r *pathRecorder) close(reason string) {
	r.once.Do(func() {
		defer r.ls.srv.bg.Done()
		err := r.rec.Close()
		st := r.rec.Stats()
		r.ls.srv.log.Info("recording stopped", "stream", r.ls.st.Name, "reason", reason,
			"segments", st.Segments, "frames", st.Frames, "dropped", st.Dropped, "err", err)
	})
}

// startRecording attaches a recorder to a path configured to record, once
// Serve runs (a server that never serves opens no file). Leftovers of an
// earlier run in the folder are recovered first (recorder.Start).
func (ls *liveStream) startRecording() {
	if !ls.cfg.Record {
		return
	}
	ls.srv.mu.Lock()
	base := ls.srv.baseCtx
	ls.srv.mu.Unlock()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.rec != nil || ls.closed || base == nil || base.Err() != nil {
		return
	}
	gap := recorder.DefaultGap
	if ls.cfg.Kind == SourceSnapshot {
		// A polled camera's frames come SnapshotInterval apart.
		gap = max(gap, 3*ls.cfg.SnapshotInterval)
	}
	rec, err := recorder.Start(recorder.Options{
		Dir: ls.cfg.RecordDir, Segment: ls.cfg.RecordSegment, Gap: gap,
		MaxAge: ls.cfg.RecordMaxAge, MaxBytes: ls.cfg.RecordMaxBytes,
		Logger: ls.srv.log.With("stream", ls.st.Name),
	})
	if err != nil {
		ls.srv.log.Error("recording not started", "stream", ls.st.Name, "err", err)
		return
	}
	r := &pathRecorder{ls: ls, rec: rec}
	ls.rec = r
	ls.srv.bg.Add(1)
	ls.sessions[r] = struct{}{}
	ls.setPlayingLocked(r, true)
	ls.srv.log.Info("recording", "stream", ls.st.Name, "dir", ls.cfg.RecordDir, "segment", ls.cfg.RecordSegment)
}

// recordDefaults fills in the recording defaults of the paths that record
// (the folder MediaDir/NAME, the segment length) and refuses what cannot
// work: no folder, a segment too short, two paths sharing a folder (each
// recorder recovers and deletes files in its own).
func (s *Server) recordDefaults(paths map[string]PathConfig) error {
	dirs := make(map[string]string)
	for name, p := range paths {
		if !p.Record {
			continue
		}
		if p.RecordDir == "" {
			if s.cfg.MediaDir == "" {
				return fmt.Errorf("path %s: record: no record folder and no media folder to record into", name)
			}
			p.RecordDir = filepath.Join(s.cfg.MediaDir, filepath.FromSlash(name[1:]))
		}
		if p.RecordSegment == 0 {
			p.RecordSegment = recorder.DefaultSegment
		}
		if p.RecordSegment < recorder.MinSegment || p.RecordMaxAge < 0 || p.RecordMaxBytes < 0 {
			return fmt.Errorf("path %s: record: segment under %s or a negative retention limit", name, recorder.MinSegment)
		}
		abs, err := filepath.Abs(p.RecordDir)
		if err != nil {
			return fmt.Errorf("path %s: record folder: %w", name, err)
		}
		if other, dup := dirs[abs]; dup {
			return fmt.Errorf("paths %s and %s record into the same folder %s", other, name, abs)
		}
		dirs[abs] = name
		paths[name] = p
	}
	return nil
}
