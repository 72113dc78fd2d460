package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
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

// catalog maps request paths to streams. Files and the test pattern are
// found once at start-up and never change (streams needs no lock); live
// paths (relays and publish targets) come and go with the configuration
// and with publishers (live, under mu), and hide a file of the same name.
// Only files found under the media folder (symlinks resolved and confined
// to it) are entries: a request path is looked up, never opened, which
// makes traversal impossible by construction.
type catalog struct {
	streams map[string]*Stream

	mu   sync.RWMutex
	live map[string]*liveStream
	// publish is Config.Publish: any other path may be published to.
	publish bool
	// open are the file streams opened so far (closed at Serve's end).
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

// findMedia lists the frame files under dir as (stream name, file path),
// skipping anything whose real location is outside dir. A subfolder it
// cannot read is skipped with one warning, as an unreadable file is; only
// an unreadable media folder itself is an error.
func findMedia(dir string, log *slog.Logger) ([][2]string, error) {
	return mediaFinder{walk: filepath.WalkDir, log: log}.find(dir)
}

// mediaFinder walks a media folder. walk is filepath.WalkDir; tests
// replace it to inject a read error (as root, chmod 000 does not make a
// folder unreadable).
type mediaFinder struct {
	walk func(root string, fn fs.WalkDirFunc) error
	log  *slog.Logger
}

func (m mediaFinder) find(dir string) ([][2]string, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("media folder: %w", err)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("media folder: %w", err)
	}
	var out [][2]string
	err = m.walk(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			// WalkDir reports a folder it cannot list once, after
			// entering it: skip that folder, keep the rest.
			m.log.Warn("media: skipping what cannot be read", "path", p, "err", err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !mediaExt(d.Name()) {
			return nil
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil // dangling symlink: not a stream
		}
		if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil // leaves the media folder
		}
		if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		out = append(out, [2]string{"/" + filepath.ToSlash(rel), real})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan media folder %s: %w", dir, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out, nil
}

// loadCatalog starts rendering the test pattern and lists the media
// files, which are opened on first use (Server.openStream): start-up costs
// the same whatever the library holds.
func loadCatalog(ctx context.Context, cfg Config) (*catalog, error) {
	c := &catalog{streams: make(map[string]*Stream), live: make(map[string]*liveStream), publish: cfg.Publish}
	if cfg.MediaDir != "" {
		files, err := findMedia(cfg.MediaDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			name, file := f[0], f[1]
			if name == PatternName {
				cfg.Logger.Warn("file hidden by the test pattern's path", "file", file, "stream", name)
				continue
			}
			c.streams[name] = &Stream{Name: name, FPS: cfg.FPS, file: file, epoch: time.Now()}
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
	ls := c.live[p]
	c.mu.RUnlock()
	if ls != nil {
		return ls.st, true
	}
	st, ok := c.streams[p]
	return st, ok
}

// names lists the stream paths in order: files, the test pattern and the
// configured live paths (not the ones publishers made on the fly).
func (c *catalog) names() []string {
	out := make([]string, 0, len(c.streams))
	for n := range c.streams {
		out = append(out, n)
	}
	c.mu.RLock()
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
	case c.streams[name] != nil:
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
