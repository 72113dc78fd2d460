package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
)

// PatternName is the path of the built-in test pattern.
const PatternName = "/test"

// Pattern geometry: cli.md fixes 640x480 at 30 fps, baseline 4:2:0.
const (
	patternWidth   = 640
	patternHeight  = 480
	patternQuality = 80
)

// catalog maps request paths to streams. Files (and folders of JPEGs)
// come and go with the media folder (the watcher, watch.go), live paths
// (relays and publish targets) with the configuration and with publishers,
// and a live path hides a file of the same name. mu guards all of it;
// lookups take it shared. Only files found under the media folder
// (symlinks resolved and confined to it) are entries: a request path is
// looked up, never opened, which makes traversal impossible by
// construction.
type catalog struct {
	mu sync.RWMutex
	// streams are the files, folders of JPEGs and the test pattern.
	streams map[string]*Stream
	// media is what the media folder held when each file stream was made
	// (size and mtime), for the watcher to tell a changed file.
	media map[string]mediaEntry
	live  map[string]*liveStream
	// publish is Config.Publish: any other path may be published to.
	publish bool
	// cfg is the server's configuration (recording timelines made while
	// serving take their defaults from it).
	cfg Config
	// open are the file streams opened so far (closed at Serve's end, or
	// when the watcher retires them).
	open []*Stream
	// pattern renders the test pattern's frames (stopped at Serve's end).
	pattern *patternStore
}

// mediaExt reports whether a file name has one of the served extensions.
func mediaExt(name string) bool {
	switch filepath.Ext(name) {
	case ".mjpeg", ".mjpg", ".Mjpeg", ".MJPEG":
		return true
	}
	return false
}

// jpegName reports whether a file in a folder is one of its JPEG frames,
// by the rule mjpeg.Open reads a folder with (.jpg or .jpeg in any case,
// hidden names skipped).
func jpegName(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return !strings.HasPrefix(name, ".") && (ext == ".jpg" || ext == ".jpeg")
}

// mediaEntry is one stream the media folder holds: a frame file, or a
// folder of JPEG files (dir). size and mtime (UnixNano) are the file's;
// a folder's are its JPEGs' total size and newest mtime, and jpegs lists
// them, so that a changed file, or a frame added to a folder, is told.
type mediaEntry struct {
	name, path  string
	dir         bool
	size, mtime int64
	jpegs       []fileStamp
}

// fileStamp is one JPEG of a folder stream as last seen.
type fileStamp struct {
	name        string
	size, mtime int64
}

// same reports whether e and o are the same content as far as the file
// system tells (name, kind, size, mtime and, for folders, every JPEG).
func (e *mediaEntry) same(o *mediaEntry) bool {
	return e.name == o.name && e.path == o.path && e.dir == o.dir && e.size == o.size && e.mtime == o.mtime &&
		slices.Equal(e.jpegs, o.jpegs)
}

// appended reports whether folder o is folder e with JPEGs added and none
// removed or rewritten (a time-lapse growing).
func (e *mediaEntry) appended(o *mediaEntry) bool {
	if !e.dir || !o.dir || e.path != o.path || len(o.jpegs) <= len(e.jpegs) {
		return false
	}
	have := make(map[fileStamp]bool, len(o.jpegs))
	for _, f := range o.jpegs {
		have[f] = true
	}
	for _, f := range e.jpegs {
		if !have[f] {
			return false
		}
	}
	return true
}

// findMedia lists the streams under dir, in name order: frame files, and
// folders holding .jpg/.jpeg files (below the media folder itself),
// skipping anything whose real location is outside dir. A subfolder it
// cannot read is skipped with one warning, as an unreadable file is; only
// an unreadable media folder itself is an error.
func findMedia(dir string, log *slog.Logger) ([]mediaEntry, error) {
	return mediaFinder{walk: filepath.WalkDir, log: log}.find(dir)
}

// mediaFinder walks a media folder. walk is filepath.WalkDir; tests
// replace it to inject a read error (as root, chmod 000 does not make a
// folder unreadable).
type mediaFinder struct {
	walk func(root string, fn fs.WalkDirFunc) error
	log  *slog.Logger
	// warned, when not nil, has each path that cannot be read logged
	// once over repeated scans (the watcher's), not at every scan.
	warned map[string]bool
	// onDir, when not nil, is called with every folder walked (the
	// watcher watches them).
	onDir func(dir string)
}

// mediaRoot is the media folder's real absolute path.
func mediaRoot(dir string) (string, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("media folder: %w", err)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("media folder: %w", err)
	}
	return root, nil
}

func (m mediaFinder) find(dir string) ([]mediaEntry, error) {
	root, err := mediaRoot(dir)
	if err != nil {
		return nil, err
	}
	var out []mediaEntry
	err = m.walk(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			// WalkDir reports a folder it cannot list once, after
			// entering it: skip that folder, keep the rest.
			if m.warned == nil || !m.warned[p] {
				m.log.Warn("media: skipping what cannot be read", "path", p, "err", err)
				if m.warned != nil {
					m.warned[p] = true
				}
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		var e *mediaEntry
		switch {
		case d.IsDir():
			if m.onDir != nil {
				m.onDir(p)
			}
			e = folderEntry(root, p)
		case mediaExt(d.Name()):
			e = fileEntry(root, p)
		}
		if e != nil {
			out = append(out, *e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan media folder %s: %w", dir, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// streamName is the request path of p under root ("" when p is root or
// outside it).
func streamName(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || !filepath.IsLocal(rel) {
		return ""
	}
	return "/" + filepath.ToSlash(rel)
}

// confined resolves p's symlinks and reports the real path if it is
// inside root.
func confined(root, p string) (string, bool) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", false // dangling symlink, or gone
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel != "." && !filepath.IsLocal(rel) {
		return "", false // leaves the media folder
	}
	return real, true
}

// fileEntry is the frame file at p (a path under root), nil when p is not
// one: gone, not a regular file, or resolving outside root.
func fileEntry(root, p string) *mediaEntry {
	name := streamName(root, p)
	if name == "" || !mediaExt(p) {
		return nil
	}
	real, ok := confined(root, p)
	if !ok {
		return nil
	}
	st, err := os.Stat(real)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	return &mediaEntry{name: name, path: real, size: st.Size(), mtime: st.ModTime().UnixNano()}
}

// maxFolderJPEGs bounds the JPEGs of one folder stream the watcher keeps
// stamps of (mediafile.MaxFrames bounds what is played).
const maxFolderJPEGs = 1 << 20

// folderEntry is the folder at p (under root, not root itself) as a
// stream of its JPEG files, nil when it holds none, cannot be read, or a
// JPEG in it resolves outside root (the folder reader would follow it).
func folderEntry(root, p string) *mediaEntry {
	name := streamName(root, p)
	if name == "" {
		return nil
	}
	ents, err := os.ReadDir(p) // sorted by name, the play order
	if err != nil {
		return nil
	}
	e := &mediaEntry{name: name, path: p, dir: true}
	for _, d := range ents {
		if d.IsDir() || !jpegName(d.Name()) {
			continue
		}
		fp := filepath.Join(p, d.Name())
		if d.Type()&fs.ModeSymlink != 0 {
			if _, ok := confined(root, fp); !ok {
				return nil
			}
		}
		st, err := os.Stat(fp)
		if err != nil {
			continue // removed meanwhile
		}
		if len(e.jpegs) == maxFolderJPEGs {
			break
		}
		f := fileStamp{name: d.Name(), size: st.Size(), mtime: st.ModTime().UnixNano()}
		e.jpegs = append(e.jpegs, f)
		e.size += f.size
		e.mtime = max(e.mtime, f.mtime)
	}
	if len(e.jpegs) == 0 {
		return nil
	}
	return e
}

// fileStream is a file stream for e, opened on first use
// (Server.openStream).
func fileStream(cfg Config, e *mediaEntry) *Stream {
	return withFileSettings(cfg, &Stream{Name: e.name, FPS: cfg.FPS, file: e.path, epoch: time.Now()}) // filesettings.go
}

// loadCatalog starts rendering the test pattern and lists the media
// files, which are opened on first use (Server.openStream): start-up costs
// the same whatever the library holds.
func loadCatalog(ctx context.Context, cfg Config) (*catalog, error) {
	c := &catalog{cfg: cfg, streams: make(map[string]*Stream), media: make(map[string]mediaEntry),
		live: make(map[string]*liveStream), publish: cfg.Publish}
	if cfg.MediaDir != "" {
		files, err := findMedia(cfg.MediaDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		for i := range files {
			e := &files[i]
			if e.name == PatternName {
				cfg.Logger.Warn("file hidden by the test pattern's path", "file", e.path, "stream", e.name)
				continue
			}
			c.streams[e.name] = fileStream(cfg, e)
			c.media[e.name] = *e
		}
		for _, e := range c.media {
			c.addRecording(&e) // recordings.go
		}
	}
	p, err := mjpeg.NewPattern(patternWidth, patternHeight, cfg.PatternFPS, patternQuality, max(cfg.PatternFrames, 2))
	if err != nil {
		return nil, fmt.Errorf("test pattern: %w", err)
	}
	ps, err := newPatternStore(ctx, p, cfg.PatternFrames, cfg.MTU)
	if err != nil {
		return nil, err
	}
	st := &Stream{Name: PatternName, FPS: cfg.PatternFPS, Live: true, epoch: time.Now(), store: ps, width: patternWidth, height: patternHeight}
	c.pattern = ps
	c.streams[PatternName] = st
	return c, ctx.Err()
}

// mediaEntries is a copy of what the catalog knows of the media folder.
func (c *catalog) mediaEntries() map[string]mediaEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return maps.Clone(c.media)
}

// mediaEntry is what the catalog knows of the file stream name.
func (c *catalog) mediaEntry(name string) (mediaEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.media[name]
	return e, ok
}

// setMedia makes st the file stream of e.name (st nil: removes it) and
// returns the stream it replaces, if any.
func (c *catalog) setMedia(name string, e *mediaEntry, st *Stream) *Stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.streams[name]
	if _, isFile := c.media[name]; !isFile {
		old = nil // never the test pattern
	}
	if st == nil {
		if old != nil {
			delete(c.streams, name)
			delete(c.media, name)
		}
		return old
	}
	c.streams[name] = st
	c.media[name] = *e
	c.addRecording(e) // a first segment in a folder makes its timeline
	return old
}

// forget drops a retired stream from the opened ones; it reports whether
// the stream was there, so that its store is closed exactly once.
func (c *catalog) forget(st *Stream) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.open, st)
	if i < 0 {
		return false
	}
	c.open = slices.Delete(c.open, i, i+1)
	return true
}

// opened records a file stream that has opened its file, for closeFiles.
func (c *catalog) opened(st *Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open = append(c.open, st)
}

// closeFiles closes every opened file stream's store (Serve's end).
func (c *catalog) closeFiles() {
	c.mu.Lock()
	open := c.open
	c.open = nil
	c.mu.Unlock()
	for _, st := range open {
		st.store.close()
	}
	c.pattern.close()
}

// warnLabSizes logs, once per stream, frames the lab's client cannot
// receive whole (lab-dialect.md: it reads 20480 bytes per datagram, and a
// UDP datagram carries at most 65507 bytes).
func warnLabSizes(log *slog.Logger, name string, lengths []uint32) {
	var over20k, over64k, largest int
	for _, l := range lengths {
		n := int(l)
		largest = max(largest, n)
		if n > labRecvSize {
			over20k++
		}
		if n+12 > maxUDPPayload {
			over64k++
		}
	}
	if over20k > 0 {
		log.Warn("frames too large for the lab client's 20480-byte reads (it truncates them)",
			"stream", name, "frames", over20k, "largest_bytes", largest)
	}
	if over64k > 0 {
		log.Warn("frames too large for one UDP datagram: lab clients will not get them",
			"stream", name, "frames", over64k, "largest_bytes", largest)
	}
}

// lookup finds the stream for a request path (already percent-decoded),
// ignoring a trailing slash.
func (c *catalog) lookup(p string) (*Stream, bool) {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	// A cleaned path must equal the raw one: "/a/../b" is not "/b" here.
	if path.Clean(p) != p {
		return nil, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if ls := c.live[p]; ls != nil {
		return ls.st, true
	}
	st, ok := c.streams[p]
	return st, ok
}

// names lists the stream paths in order: files, the test pattern and the
// configured live paths (not the ones publishers made on the fly).
func (c *catalog) names() []string {
	c.mu.RLock()
	out := make([]string, 0, len(c.streams))
	for n := range c.streams {
		out = append(out, n)
	}
	for n, ls := range c.live {
		if !ls.dynamic && c.streams[n] == nil {
			out = append(out, n)
		}
	}
	c.mu.RUnlock()
	sort.Strings(out)
	return out
}

// pathConfig is the configuration of the live path that name is, or that
// name is a track of ("/cam1/stream=0"); nil for files and unknown paths.
func (c *catalog) pathConfig(name string) *PathConfig {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for range 2 {
		if ls := c.live[name]; ls != nil {
			return &ls.cfg
		}
		i := strings.LastIndexByte(name, '/')
		if i <= 0 {
			break
		}
		name = name[:i]
	}
	return nil
}

// allNames lists every path in order, those publishers made included.
func (c *catalog) allNames() []string {
	out := c.names()
	c.mu.RLock()
	for n, ls := range c.live {
		if ls.dynamic {
			out = append(out, n)
		}
	}
	c.mu.RUnlock()
	sort.Strings(out)
	return out
}

// lives lists the live paths.
func (c *catalog) lives() []*liveStream {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*liveStream, 0, len(c.live))
	for _, ls := range c.live {
		out = append(out, ls)
	}
	return out
}

// canPublish says whether a publisher may ANNOUNCE to name: 0, or the
// status and reason of the refusal.
func (c *catalog) canPublish(name string) (int, string) {
	if checkPathName(name) != nil && name != PatternName {
		return rtsp.StatusBadRequest, "not a valid path"
	}
	c.mu.RLock()
	ls := c.live[name]
	file := c.streams[name] != nil
	c.mu.RUnlock()
	switch {
	case ls != nil && ls.cfg.Kind != SourcePublisher:
		return rtsp.StatusForbidden, name + " relays " + redactURL(ls.cfg.Source)
	case ls != nil && !ls.cfg.Publish:
		return rtsp.StatusForbidden, "publishing to " + name + " is not enabled"
	case ls != nil && ls.busy(nil):
		return rtsp.StatusConflict, "someone is already publishing to " + name
	case ls != nil:
		return 0, ""
	case file:
		return rtsp.StatusForbidden, name + " is a file"
	case !c.publish:
		return rtsp.StatusForbidden, "publishing is not enabled (serve --publish, or publish: true in the config)"
	}
	return 0, ""
}

// publishPath returns the live path a publisher's SETUP goes to, making it
// if the server lets anyone publish anywhere.
func (c *catalog) publishPath(srv *Server, name string) (*liveStream, int, string) {
	if code, why := c.canPublish(name); code != 0 && code != rtsp.StatusConflict {
		return nil, code, why
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ls := c.live[name]; ls != nil {
		return ls, 0, ""
	}
	ls := newLiveStream(srv, PathConfig{Name: name, Kind: SourcePublisher, Publish: true, CloseAfter: DefaultCloseAfter}, true)
	c.live[name] = ls
	return ls, 0, ""
}

// removeLive takes a path made by a publisher out of the catalog when
// unused says it has no publisher and no session left.
func (c *catalog) removeLive(ls *liveStream, unused func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live[ls.st.Name] == ls && unused() {
		delete(c.live, ls.st.Name)
	}
}
