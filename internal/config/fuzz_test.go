package config

import (
	"math"
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that what it accepts holds its
// invariants, and that errors never show a password.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(examplePath); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"listen: ':8554'\nfps: 20\npublish: true\npaths:\n  cam1:\n    source: rtsp://u:p@h/s\n",
		"paths:\n  a/b:\n    source: http://h/x.jpg\n    snapshot_interval: 1s\n    on_demand: false\n",
		"paths:\n  a:\n    publish_user: u\n    publish_pass_file: f\n    read_user: r\n    read_pass_env: E\n",
		"a: &x [1, *x]\n", "files:\n  a/b.mjpeg: {fps: 12.5, loop: false}\n  t: {loop: true}\n", "---\n...\n---\n", "paths: {a: {source: publisher}, b: ~}\n",
	} {
		f.Add([]byte(s))
	}
	loader := Loader{
		LookupEnv: func(string) (string, bool) { return "pw-env", true },
		ReadFile:  func(string) ([]byte, error) { return []byte("pw-file\n"), nil },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := loader.Parse("f.yaml", data)
		if err != nil {
			for _, pw := range []string{"pw-env", "pw-file"} {
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("error shows a password: %v", err)
				}
			}
			return
		}
		names := make(map[string]bool, len(file.Paths))
		for _, p := range file.Paths {
			if msg := checkName(p.Name); msg != "" || names[p.Name] {
				t.Fatalf("accepted bad or repeated name %q: %s", p.Name, msg)
			}
			names[p.Name] = true
			if !p.Equal(p) || (p.SourceKind == KindPublisher) != (p.Source == PublisherSource) {
				t.Fatalf("inconsistent path %v", p)
			}
			if p.SourceKind.Pulled() && p.OnDemand != (p.CloseAfter > 0) {
				t.Fatalf("on_demand without close_after: %v", p)
			}
			if (p.SourceKind == KindRTSP) != (p.SourceTransport != "") ||
				(p.SourceKind == KindHTTPSnapshot) != (p.SnapshotInterval > 0) {
				t.Fatalf("kind settings disagree: %v", p)
			}
		}
		if len(file.Paths) > MaxPaths {
			t.Fatalf("%d paths", len(file.Paths))
		}
		files := make(map[string]bool, len(file.Files))
		for _, fs := range file.Files {
			if msg := checkFileName(fs.Name); msg != "" || files[fs.Name] || names[fs.Name] {
				t.Fatalf("accepted bad, repeated or hidden file name %q: %s", fs.Name, msg)
			}
			files[fs.Name] = true
			if fs.FPS < 0 || fs.FPS > MaxFPS || math.IsNaN(fs.FPS) || fs.FPS == 0 && !fs.HasLoop {
				t.Fatalf("bad file settings %v", fs)
			}
		}
		if len(file.Files) > MaxFiles {
			t.Fatalf("%d files", len(file.Files))
		}
	})
}
