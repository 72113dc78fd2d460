package server

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strings"
	"sync"
)

// MaxFileFPS is the highest FileSettings.FPS (the bound of Config.FPS on
// the command line and in config files).
const MaxFileFPS = 1000

// MaxFileSettings bounds Config.Files (the config file's limit on its
// files: entries).
const MaxFileSettings = 10000

// maxUnmatchedWarnings is how many names matching no media file SetFiles
// logs one by one before summing up the rest in one line.
const maxUnmatchedWarnings = 20

// FileSettings are one media file's own frame rate and loop setting, over
// Config.FPS and Config.NoLoop: lab and raw MJPEG files carry no frame
// rate, and a library mixes clips that should loop with ones that should
// end (with an RTCP BYE, RFC 3550 6.6).
type FileSettings struct {
	// Name is the file's stream path: "/movie.Mjpeg", "/clips/a.mjpeg",
	// or a folder of JPEGs, "/timelapse".
	Name string
	// FPS is the file's frame rate, in (0, MaxFileFPS], over the rate
	// the file declares, if any; 0 means the declared rate, else
	// Config.FPS.
	FPS float64
	// Loop: true starts again at the first frame at the end, false ends
	// playback there with an RTCP BYE; nil means !Config.NoLoop. A Loop of
	// true overrides Config.NoLoop for this file.
	Loop *bool
}

// fileTable holds the current FileSettings by stream name. withDefaults
// makes one per server and every copy of the server's Config points to
// it, so that SetFiles (a SIGHUP reload) reaches the catalog and the media
// watcher, which make file streams from their copies.
type fileTable struct {
	mu     sync.RWMutex
	byName map[string]FileSettings
}

// newFileTable indexes files by name (the last of a repeated name wins;
// SetFiles refuses repeats).
func newFileTable(files []FileSettings) *fileTable {
	t := &fileTable{}
	t.set(files)
	return t
}

// set replaces the table's settings with files.
func (t *fileTable) set(files []FileSettings) {
	m := make(map[string]FileSettings, len(files))
	for _, f := range files {
		m[f.Name] = f
	}
	t.mu.Lock()
	t.byName = m
	t.mu.Unlock()
}

// get returns the settings of the stream name, if any.
func (t *fileTable) get(name string) (FileSettings, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	f, ok := t.byName[name]
	return f, ok
}

// fileSettingsOf returns the settings cfg gives the file stream name:
// from the server's table (current after SetFiles), or from cfg.Files for
// a Config withDefaults has not seen.
func fileSettingsOf(cfg Config, name string) (FileSettings, bool) {
	if cfg.files != nil {
		return cfg.files.get(name)
	}
	for _, f := range cfg.Files {
		if f.Name == name {
			return f, true
		}
	}
	return FileSettings{}, false
}

// withFileSettings gives st, a file stream being made, its frame rate and
// loop setting: its file's FileSettings, else cfg.FPS and cfg.NoLoop. It
// returns st. A value out of range (SetFiles refuses them) is ignored.
func withFileSettings(cfg Config, st *Stream) *Stream {
	st.noLoop = cfg.NoLoop
	f, ok := fileSettingsOf(cfg, st.Name)
	if !ok {
		return st
	}
	if f.FPS > 0 && f.FPS <= MaxFileFPS {
		// Configured: the rate the file itself declares does not
		// replace it when the file is opened.
		st.FPS, st.fpsFixed = f.FPS, true
	}
	if f.Loop != nil {
		st.noLoop = !*f.Loop
	}
	return st
}

// validateFiles checks per-file settings: names as the catalog serves
// them (a leading '/', clean, no trailing '/'), each once, frame rates in
// range, at most MaxFileSettings of them.
func validateFiles(files []FileSettings) error {
	if len(files) > MaxFileSettings {
		return fmt.Errorf("file settings: %d files, more than %d", len(files), MaxFileSettings)
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		switch {
		case len(f.Name) < 2 || f.Name[0] != '/' || path.Clean(f.Name) != f.Name:
			return fmt.Errorf("file settings: name %q is not a stream path like /movie.Mjpeg", f.Name)
		case strings.ContainsFunc(f.Name, func(r rune) bool { return r < ' ' || r == 0x7f }):
			return fmt.Errorf("file settings: name %q contains a control character", f.Name)
		case seen[f.Name]:
			return fmt.Errorf("file settings: %s given twice", f.Name)
		case f.FPS < 0 || f.FPS > MaxFileFPS || math.IsNaN(f.FPS):
			return fmt.Errorf("file settings: %s: fps %v out of range (0, %d]", f.Name, f.FPS, MaxFileFPS)
		}
		seen[f.Name] = true
	}
	return nil
}

// SetFiles installs per-file settings (Config.Files; a SIGHUP reload of
// the config file's files:). They apply to file streams made from then
// on: at start, and those the media watcher makes for files added or
// changed later; a stream already made keeps the settings it was made
// with (its sessions' timing stays consistent). Names that match no media
// file are logged as warnings, not refused: files come and go.
func (s *Server) SetFiles(files []FileSettings) error {
	if err := validateFiles(files); err != nil {
		return err
	}
	s.cfg.files.set(files)
	s.warnUnmatchedFiles(files)
	return nil
}

// warnUnmatchedFiles logs the names of files that match no media file.
func (s *Server) warnUnmatchedFiles(files []FileSettings) {
	media := s.cat.mediaEntries()
	var missing []string
	for _, f := range files {
		if _, ok := media[f.Name]; !ok {
			missing = append(missing, f.Name)
		}
	}
	sort.Strings(missing)
	for i, name := range missing {
		if i == maxUnmatchedWarnings {
			s.log.Warn("file settings: more names match no media file", "count", len(missing)-i)
			break
		}
		s.log.Warn("file settings: no media file of this name (yet)", "stream", name, "media", s.cfg.MediaDir)
	}
}
