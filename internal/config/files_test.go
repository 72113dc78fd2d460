package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestParseFiles: the files mapping, its values and names.
func TestParseFiles(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []FileSettings
	}{
		{"none", "fps: 20\n", nil},
		{"empty", "files:\n", nil},
		{"empty mapping", "files: {}\n", nil},
		{"fps and loop", "files:\n  movie.Mjpeg:\n    fps: 10\n    loop: false\n",
			[]FileSettings{{Name: "movie.Mjpeg", FPS: 10, HasLoop: true, Line: 2}}},
		{"fps only", "files:\n  clips/a.mjpeg:\n    fps: 12.5\n",
			[]FileSettings{{Name: "clips/a.mjpeg", FPS: 12.5, Line: 2}}},
		{"loop only", "files:\n  timelapse:\n    loop: true\n",
			[]FileSettings{{Name: "timelapse", Loop: true, HasLoop: true, Line: 2}}},
		{"fps bounds", "files:\n  a.mjpg:\n    fps: 1000\n  b.mjpg:\n    fps: 0.001\n",
			[]FileSettings{{Name: "a.mjpg", FPS: 1000, Line: 2}, {Name: "b.mjpg", FPS: 0.001, Line: 4}}},
		{"spaces and non-ASCII", "files:\n  \"my clips/été 1.MJPEG\":\n    fps: 5\n",
			[]FileSettings{{Name: "my clips/été 1.MJPEG", FPS: 5, Line: 2}}},
		{"flow style", "files: {x.mjpeg: {fps: 3, loop: true}}\n",
			[]FileSettings{{Name: "x.mjpeg", FPS: 3, Loop: true, HasLoop: true, Line: 1}}},
		{"a path of another name", "paths:\n  cam1:\nfiles:\n  cam1.mjpeg:\n    fps: 1\n",
			[]FileSettings{{Name: "cam1.mjpeg", FPS: 1, Line: 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("x.yaml", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Files, tc.want) {
				t.Errorf("files %+v, want %+v", f.Files, tc.want)
			}
		})
	}
}

// TestParseFilesErrors: every problem names the file, the line and the
// dotted key.
func TestParseFilesErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"files: [a.mjpeg]", `x.yaml:1: files: must be a mapping of file names to settings, not a list`},
		{"files: 3", `x.yaml:1: files: must be a mapping of file names to settings, not an integer`},
		{"files:\n  a.mjpeg:\n    fps: 0", `x.yaml:3: files.a.mjpeg.fps: "0" is out of range (0, 1000]`},
		{"files:\n  a.mjpeg:\n    fps: 1001", `x.yaml:3: files.a.mjpeg.fps: "1001" is out of range (0, 1000]`},
		{"files:\n  a.mjpeg:\n    fps: -5", `x.yaml:3: files.a.mjpeg.fps: "-5" is out of range`},
		{"files:\n  a.mjpeg:\n    fps: .nan", `x.yaml:3: files.a.mjpeg.fps: ".nan" is out of range`},
		{"files:\n  a.mjpeg:\n    fps: \"20\"", `x.yaml:3: files.a.mjpeg.fps: must be a number, not a string`},
		{"files:\n  a.mjpeg:\n    loop: yes", `x.yaml:3: files.a.mjpeg.loop: must be true or false, not a string`},
		{"files:\n  a.mjpeg:\n    loop: 1", `x.yaml:3: files.a.mjpeg.loop: must be true or false, not an integer`},
		{"files:\n  a.mjpeg:\n    fsp: 10", `x.yaml:3: files.a.mjpeg.fsp: unknown key`},
		{"files:\n  a.mjpeg:\n    fps: 10\n    fps: 11", `x.yaml:4: files.a.mjpeg.fps: duplicate key (first at line 3)`},
		{"files:\n  a.mjpeg:\n    fps: 10\n  a.mjpeg:\n    fps: 11", `x.yaml:4: files.a.mjpeg: duplicate file (first at line 2)`},
		{"files:\n  a.mjpeg:", `x.yaml:2: files.a.mjpeg: sets neither fps nor loop`},
		{"files:\n  a.mjpeg: {}", `x.yaml:2: files.a.mjpeg: sets neither fps nor loop`},
		{"files:\n  a.mjpeg: 10", `x.yaml:2: files.a.mjpeg: must be a mapping of keys to values, not an integer`},
		{"files:\n  /a.mjpeg:\n    fps: 1", `x.yaml:2: files./a.mjpeg: file name must not start with '/'`},
		{"files:\n  clips/:\n    fps: 1", `x.yaml:2: files.clips/: file name must not end with '/'`},
		{"files:\n  a//b.mjpeg:\n    fps: 1", `x.yaml:2: files.a//b.mjpeg: file name has an empty segment`},
		{"files:\n  ../b.mjpeg:\n    fps: 1", `x.yaml:2: files.../b.mjpeg: file name has a ".." segment`},
		{"files:\n  a/./b.mjpeg:\n    fps: 1", `x.yaml:2: files.a/./b.mjpeg: file name has a "." segment`},
		{"files:\n  'a\\b.mjpeg':\n    fps: 1", `x.yaml:2: files."a\\b.mjpeg": file name contains '\'`},
		{"files:\n  \"a\\tb\":\n    fps: 1", `x.yaml:2: files."a\tb": file name contains a control character`},
		{"files:\n  \"\":\n    fps: 1", `x.yaml:2: files."": file name is empty`},
		{"files:\n  ~:\n    fps: 1", `x.yaml:2: files: a file name must be a scalar, not empty`},
		{"files:\n  [a]:\n    fps: 1", `x.yaml:2: files: a file name must be a scalar, not a list`},
		{"files:\n  test:\n    fps: 1", `x.yaml:2: files.test: file name test is the built-in test pattern's path`},
		{"files:\n  ? " + strings.Repeat("a", MaxNameLen+1) + "\n  : {fps: 1}", `"...: file name is longer than 1024 bytes`},
		{"paths:\n  cam1:\nfiles:\n  cam1:\n    fps: 1", `x.yaml:4: files.cam1: is also a path (line 2), which hides the file`},
	} {
		_, err := Parse("x.yaml", []byte(tc.in+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestParseFilesLimit: at most MaxFiles entries.
func TestParseFilesLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("files:\n")
	for i := range MaxFiles + 1 {
		fmt.Fprintf(&b, "  f%d.mjpeg: {fps: 1}\n", i)
	}
	if _, err := Parse("x.yaml", []byte(b.String())); err == nil || !strings.Contains(err.Error(), "x.yaml:2: files: more than 10000 files") {
		t.Errorf("error %v", err)
	}
}

// TestFileSettingsString pins the log summary.
func TestFileSettingsString(t *testing.T) {
	f, err := Parse("c.yaml", []byte("files:\n  a.mjpeg: {fps: 2.5, loop: false}\n  b: {loop: true}\n  c.mjpg: {fps: 30}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/a.mjpeg fps=2.5 loop=false", "/b loop=true", "/c.mjpg fps=30"}
	for i, fs := range f.Files {
		if s := fs.String(); s != want[i] {
			t.Errorf("got %q, want %q", s, want[i])
		}
	}
	if s := f.String(); !strings.HasSuffix(s, " paths=0 files=3") {
		t.Errorf("File.String() = %q", s)
	}
}
