package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// The media folder is watched while serving (watch.go): files added,
// changed or removed are seen without a restart. fsnotify tells of changes
// in every folder under the media folder; a periodic rescan diffs the
// folder against the catalog for what notifications miss (an overflowed
// queue, a file system without them, the inotify watch limit, a file
// reached through a symlink).
const (
	// defaultRescan is how often the whole media folder is rescanned.
	defaultRescan = 10 * time.Second
	// defaultSettle is how long a new or changed file must stay the same
	// (no write, same size and mtime) before it is served: a file being
	// copied in is not indexed half-written.
	defaultSettle = 300 * time.Millisecond
	// folderScanDelay gathers the events of a folder created, removed or
	// renamed into one rescan.
	folderScanDelay = 50 * time.Millisecond
	// retireRetry is how soon a removed stream whose readers were told
	// to end is looked at again, to close its file once they are gone.
	retireRetry = 200 * time.Millisecond
	// retireGrace is how long a retired stream's file stays open at
	// least: a SETUP that looked the stream up just before it was retired
	// makes its session within it, and that session is ended too.
	retireGrace = time.Second
)

// errMediaGone is why a stream retired before it was opened cannot be
// opened any more (a request that looked it up just before: 404).
var errMediaGone = errors.New("no longer in the media folder")

// watchConfig tunes the media watcher; zero values take the defaults.
// Tests shorten it, or turn notifications off to exercise the rescan.
type watchConfig struct {
	rescan   time.Duration
	settle   time.Duration
	noNotify bool
}

// pendingEntry is a new or changed stream waiting to settle: e as last
// seen, unchanged since.
type pendingEntry struct {
	e     mediaEntry
	since time.Time
}

// retiree is a stream taken out of the catalog whose file is closed once
// no reader is left. end: its readers were told to end (the file was
// removed or changed); otherwise they play on (frames appended to a
// folder of JPEGs).
type retiree struct {
	st     *Stream
	end    bool
	reason string
	at     time.Time
}

// mediaWatcher keeps the catalog's file streams in step with the media
// folder. Its state is owned by its one goroutine (run).
type mediaWatcher struct {
	srv  *Server
	cfg  watchConfig
	root string
	log  *slog.Logger
	// find scans the media folder (warned: each unreadable path is
	// logged once, not at every rescan).
	find mediaFinder
	// fsw is nil when notifications are off or unavailable.
	fsw     *fsnotify.Watcher
	watched map[string]bool
	// watchFailed: a folder could not be watched (logged once).
	watchFailed bool
	// rootFailed: the last rescan could not read the media folder.
	rootFailed bool
	errs       *logThrottle
	pending    map[string]pendingEntry
	retired    []retiree
	// scanAt is when a rescan gathering folder events is due (zero:
	// none).
	scanAt time.Time
}

// watchMedia watches the media folder until ctx ends (Serve runs it).
func (s *Server) watchMedia(ctx context.Context) {
	if s.cfg.MediaDir == "" {
		return
	}
	w, err := newMediaWatcher(s)
	if err != nil {
		s.log.Warn("media folder not watched: files added or removed need a restart", "err", err)
		return
	}
	defer w.errs.stop()
	w.run(ctx)
}

func newMediaWatcher(s *Server) (*mediaWatcher, error) {
	root, err := mediaRoot(s.cfg.MediaDir)
	if err != nil {
		return nil, err
	}
	cfg := s.watch
	if cfg.rescan <= 0 {
		cfg.rescan = defaultRescan
	}
	if cfg.settle <= 0 {
		cfg.settle = defaultSettle
	}
	w := &mediaWatcher{
		srv: s, cfg: cfg, root: root, log: s.log,
		watched: make(map[string]bool),
		pending: make(map[string]pendingEntry),
		errs:    newLogThrottle(s.log, slog.LevelWarn, "media folder notifications lost (rescanned)", floodLogInterval),
	}
	w.find = mediaFinder{walk: filepath.WalkDir, log: s.log, warned: make(map[string]bool), onDir: w.watch}
	if !cfg.noNotify {
		if w.fsw, err = fsnotify.NewWatcher(); err != nil {
			s.log.Warn("media folder: no file notifications, rescanning only", "every", cfg.rescan, "err", err)
			w.fsw = nil
		}
	}
	return w, nil
}

// run handles notifications, rescans and settled entries until ctx ends.
func (w *mediaWatcher) run(ctx context.Context) {
	var (
		events <-chan fsnotify.Event
		errs   <-chan error
	)
	if w.fsw != nil {
		defer w.fsw.Close()
		events, errs = w.fsw.Events, w.fsw.Errors
	}
	// The first scan watches every folder and catches what changed
	// since New listed the folder.
	w.scan(time.Now())
	tick := time.NewTicker(w.cfg.rescan)
	defer tick.Stop()
	wake := time.NewTimer(time.Hour)
	defer wake.Stop()
	for {
		w.arm(wake, time.Now())
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			w.event(ev, time.Now())
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// An overflow (or any error) means events were lost: look
			// at everything now.
			now := time.Now()
			w.errs.note(now, "media folder notifications lost; rescanning", "err", err)
			w.scan(now)
		case <-tick.C:
			w.scan(time.Now())
		case <-wake.C:
			w.due(time.Now())
		}
	}
}

// arm sets the timer to the next thing due: a gathered rescan, an entry
// settling, a retired stream to close.
func (w *mediaWatcher) arm(t *time.Timer, now time.Time) {
	next := w.scanAt
	for _, p := range w.pending {
		if at := p.since.Add(w.cfg.settle); next.IsZero() || at.Before(next) {
			next = at
		}
	}
	for _, r := range w.retired {
		if r.end {
			if at := now.Add(retireRetry); next.IsZero() || at.Before(next) {
				next = at
			}
			break
		}
	}
	if next.IsZero() {
		t.Stop()
		return
	}
	t.Reset(max(next.Sub(now), 0))
}

// due does what the timer was set for.
func (w *mediaWatcher) due(now time.Time) {
	if !w.scanAt.IsZero() && !now.Before(w.scanAt) {
		w.scan(now)
	}
	for name, p := range w.pending {
		if !now.Before(p.since.Add(w.cfg.settle)) {
			w.check(name, p.e.path, p.e.dir, now, false)
		}
	}
	w.sweep()
}

// event handles one notification: a folder made or gone is rescanned
// (gathered), a frame file or a JPEG of a folder is looked at alone.
func (w *mediaWatcher) event(ev fsnotify.Event, now time.Time) {
	p := ev.Name
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			w.watchTree(p)
			w.scanSoon(now)
			return
		}
	}
	if ev.Has(fsnotify.Remove|fsnotify.Rename) && w.watched[p] {
		for d := range w.watched {
			if d == p || strings.HasPrefix(d, p+string(filepath.Separator)) {
				delete(w.watched, d)
				_ = w.fsw.Remove(d) // already gone with the folder, or stale after a rename
			}
		}
		w.scanSoon(now)
		return
	}
	written := ev.Has(fsnotify.Write)
	switch base := filepath.Base(p); {
	case mediaExt(base):
		w.check(streamName(w.root, p), p, false, now, written)
	case jpegName(base):
		dir := filepath.Dir(p)
		w.check(streamName(w.root, dir), dir, true, now, written)
	}
}

// scanSoon has the whole folder rescanned shortly, once for a burst of
// folder events.
func (w *mediaWatcher) scanSoon(now time.Time) {
	if w.scanAt.IsZero() {
		w.scanAt = now.Add(folderScanDelay)
	}
}

// watch adds a notification watch on folder p (the finder calls it for
// every folder it walks).
func (w *mediaWatcher) watch(p string) {
	if w.fsw == nil || w.watched[p] {
		return
	}
	if err := w.fsw.Add(p); err != nil {
		if !w.watchFailed {
			w.watchFailed = true
			w.log.Warn("media folder: cannot watch a folder (changes in it are seen by the rescan; logged once)",
				"folder", p, "every", w.cfg.rescan, "err", err)
		}
		return
	}
	w.watched[p] = true
}

// watchTree watches folder p and every folder under it.
func (w *mediaWatcher) watchTree(p string) {
	_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // what cannot be read is left to the rescan
		}
		if d.IsDir() {
			w.watch(q)
		}
		return nil
	})
}

// scan diffs the media folder against the catalog: new and changed
// entries start settling (or are applied if they have settled), entries
// gone are removed.
func (w *mediaWatcher) scan(now time.Time) {
	w.scanAt = time.Time{}
	found, err := w.find.find(w.root)
	if err != nil {
		// Keep serving what is there: a folder that cannot be read for
		// a moment (a network mount) must not end every session.
		if !w.rootFailed {
			w.rootFailed = true
			w.log.Warn("media folder cannot be read; keeping its streams", "err", err)
		}
		return
	}
	w.rootFailed = false
	seen := make(map[string]bool, len(found))
	for i := range found {
		e := &found[i]
		if e.name == PatternName {
			continue
		}
		seen[e.name] = true
		w.consider(e, now, false)
	}
	for name := range w.pending {
		if !seen[name] {
			delete(w.pending, name)
		}
	}
	for name := range w.srv.cat.mediaEntries() {
		if !seen[name] {
			w.remove(name)
		}
	}
	w.sweep()
}

// check looks at one frame file or folder of JPEGs.
func (w *mediaWatcher) check(name, path string, dir bool, now time.Time, written bool) {
	if name == "" || name == PatternName {
		return
	}
	var e *mediaEntry
	if dir {
		e = folderEntry(w.root, path)
	} else {
		e = fileEntry(w.root, path)
	}
	if e == nil {
		delete(w.pending, name)
		w.remove(name)
		return
	}
	w.consider(e, now, written)
}

// consider applies e if it differs from the catalog and has settled:
// seen the same, without a write, for the settle time.
func (w *mediaWatcher) consider(e *mediaEntry, now time.Time, written bool) {
	cur, known := w.srv.cat.mediaEntry(e.name)
	if known && cur.same(e) {
		delete(w.pending, e.name)
		return
	}
	p, waiting := w.pending[e.name]
	if !waiting || written || !p.e.same(e) {
		w.pending[e.name] = pendingEntry{e: *e, since: now}
		return
	}
	if now.Sub(p.since) < w.cfg.settle {
		return
	}
	delete(w.pending, e.name)
	old := w.srv.cat.setMedia(e.name, e, fileStream(w.srv.cfg, e))
	switch {
	case !known || old == nil:
		w.log.Info("media added", "stream", e.name, "file", e.path)
	case cur.appended(e):
		// A frame added to a time-lapse folder: new readers get the new
		// frames, playing ones go on with those they had.
		w.log.Info("media changed", "stream", e.name, "file", e.path, "frames_added", len(e.jpegs)-len(cur.jpegs))
		w.retire(old, false, "")
	default:
		w.log.Info("media changed", "stream", e.name, "file", e.path)
		w.retire(old, true, "media file changed")
	}
}

// remove takes a stream whose file is gone out of the catalog.
func (w *mediaWatcher) remove(name string) {
	if old := w.srv.cat.setMedia(name, nil, nil); old != nil {
		w.log.Info("media removed", "stream", name, "file", old.file)
		w.retire(old, true, "media file removed")
	}
}

// retire ends a replaced or removed stream's readers (end) and closes its
// file once none is left.
func (w *mediaWatcher) retire(st *Stream, end bool, reason string) {
	st.mu.Lock()
	if st.store == nil && st.openErr == nil {
		st.openErr = fmt.Errorf("%s: %w", st.Name, errMediaGone)
	}
	st.mu.Unlock()
	if end {
		w.srv.endReaders(st, reason)
	}
	w.retired = append(w.retired, retiree{st: st, end: end, reason: reason, at: time.Now()})
}

// sweep closes the files of retired streams nobody reads any more. A
// session set up on a removed stream just as it was removed is ended
// here too.
func (w *mediaWatcher) sweep() {
	kept := w.retired[:0]
	now := time.Now()
	for _, r := range w.retired {
		if r.end {
			w.srv.endReaders(r.st, r.reason)
		}
		if now.Sub(r.at) < retireGrace || w.srv.hasReaders(r.st) {
			kept = append(kept, r)
			continue
		}
		w.srv.dropFeed(r.st)
		if w.srv.cat.forget(r.st) {
			r.st.store.close()
		}
	}
	clear(w.retired[len(kept):])
	w.retired = kept
}

// endReaders ends every RTSP session (with RTCP BYE) and HTTP viewer of a
// file stream, as a live path's end does.
func (s *Server) endReaders(st *Stream, reason string) {
	var (
		sessions []*Session
		viewers  []*httpViewer
	)
	s.mu.Lock()
	for _, ss := range s.sessions {
		if ss.stream == st {
			sessions = append(sessions, ss)
		}
	}
	for v, vst := range s.viewers {
		if vst == st {
			viewers = append(viewers, v)
		}
	}
	s.mu.Unlock()
	for _, ss := range sessions {
		s.closeSession(ss, reason)
	}
	for _, v := range viewers {
		v.end(reason)
	}
}

// hasReaders reports whether a session or an HTTP viewer still uses st.
func (s *Server) hasReaders(st *Stream) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if ss.stream == st {
			return true
		}
	}
	for _, vst := range s.viewers {
		if vst == st {
			return true
		}
	}
	return false
}

// dropFeed forgets the HTTP feed of a retired stream (stopped already:
// its last viewer left).
func (s *Server) dropFeed(st *Stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.feeds, st)
}
