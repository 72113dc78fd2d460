package config

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// MaxFiles is the largest number of entries under files (the same bound
// as paths).
const MaxFiles = MaxPaths

// fileKeys are the keys known in a files entry's mapping.
var fileKeys = []string{"fps", "loop"}

// FileSettings are what the file says about one media file (files:):
// lab and raw MJPEG files carry no frame rate, so each may be given its
// own, and its own loop setting, over the top-level fps and the --no-loop
// flag.
type FileSettings struct {
	// Name is the file's path relative to the media folder, as served
	// without its leading '/': "movie.Mjpeg", "clips/a.mjpeg", or a folder
	// of JPEGs, "timelapse".
	Name string
	// FPS is the file's frame rate, in (0, MaxFPS]; 0 when not given (the
	// top-level fps applies).
	FPS float64
	// Loop says whether playback starts again at the first frame (true)
	// or ends at the last with an RTCP BYE (false); meaningful only when
	// HasLoop, else the server's default (--no-loop) applies.
	Loop    bool
	HasLoop bool
	// Line is where the entry is, for log lines.
	Line int
}

// String summarises the settings for logs.
func (s FileSettings) String() string {
	var b strings.Builder
	b.WriteString("/" + s.Name)
	if s.FPS > 0 {
		fmt.Fprintf(&b, " fps=%g", s.FPS)
	}
	if s.HasLoop {
		fmt.Fprintf(&b, " loop=%t", s.Loop)
	}
	return b.String()
}

// files decodes the files mapping: media-relative names to settings.
func (d *decoder) files(n *yaml.Node) []FileSettings {
	var out []FileSettings
	d.named(n, "files", "file", MaxFiles, checkFileName, func(k, v *yaml.Node, ctx string) {
		if fs, ok := d.fileSettings(k, v, ctx); ok {
			out = append(out, fs)
		}
	})
	return out
}

// fileSettings decodes one files entry; ctx is "files.NAME".
func (d *decoder) fileSettings(k, v *yaml.Node, ctx string) (FileSettings, bool) {
	fs := FileSettings{Name: k.Value, Line: k.Line}
	nerr := len(d.errs)
	es, ok := d.mapping(v, ctx, fileKeys)
	if !ok {
		return fs, false
	}
	if len(es) == 0 && len(d.errs) == nerr {
		d.errorf(k.Line, ctx, "sets neither fps nor loop")
		return fs, false
	}
	for _, e := range es {
		key := join(ctx, e.key)
		switch e.key {
		case "fps":
			fs.FPS, _ = d.fps(e.v, key)
		case "loop":
			fs.Loop, fs.HasLoop = d.boolean(e.v, key)
		default:
			d.errorf(e.k.Line, key, "internal error: key not handled")
		}
	}
	return fs, len(d.errs) == nerr
}

// checkFileName returns why name cannot name a media file as served, or
// "". Media files may have any printable name (spaces and non-ASCII
// letters included), unlike declared paths, but never a leading or
// trailing '/', an empty, "." or ".." segment, or a control character.
func checkFileName(name string) string {
	switch {
	case name == "":
		return "file name is empty"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("file name is longer than %d bytes", MaxNameLen)
	case strings.HasPrefix(name, "/"):
		return "file name must not start with '/' (write movie.Mjpeg for rtsp://host/movie.Mjpeg)"
	case strings.HasSuffix(name, "/"):
		return "file name must not end with '/'"
	case strings.ContainsFunc(name, isControl):
		return "file name contains a control character"
	case name == TestPatternName:
		return "file name test is the built-in test pattern's path, which hides a file"
	case strings.ContainsRune(name, '\\'):
		return "file name contains '\\' (separate folders with '/')"
	}
	return segmentProblem("file", name)
}

// filesRules checks files against the declared paths: a path hides a file
// of the same name, so its settings would never apply.
func (d *decoder) filesRules(f *File) {
	paths := make(map[string]int, len(f.Paths))
	for _, p := range f.Paths {
		paths[p.Name] = p.Line
	}
	kept := f.Files[:0]
	for _, fs := range f.Files {
		if line, ok := paths[fs.Name]; ok {
			d.errorf(fs.Line, join("files", safeKey(fs.Name)),
				"is also a path (line %d), which hides the file", line)
			continue
		}
		kept = append(kept, fs)
	}
	f.Files = kept
}
