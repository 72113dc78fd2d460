package config

import (
	"os"
	"path/filepath"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// examplePath is the documented example, relative to this package.
const examplePath = "../../docs/rtpstream.example.yaml"

// fakeLoader resolves every *_pass_env and *_pass_file to a fixed password,
// so files and variables named in examples need not exist.
var fakeLoader = Loader{
	LookupEnv: func(string) (string, bool) { return "from-env", true },
	ReadFile:  func(string) ([]byte, error) { return []byte("from-file\nignored\n"), nil },
}

// TestExampleValid loads the example: it must be valid.
func TestExampleValid(t *testing.T) {
	f, err := fakeLoader.Load(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Paths) == 0 || len(f.Files) == 0 || !f.HasListen || f.PublishCreds == nil || f.ReadCreds == nil {
		t.Fatalf("example parsed to %v", f)
	}
	kinds := map[Kind]bool{}
	for _, p := range f.Paths {
		kinds[p.SourceKind] = true
	}
	for _, k := range []Kind{KindPublisher, KindRTSP, KindHTTPStream, KindHTTPSnapshot} {
		if !kinds[k] {
			t.Errorf("example has no %v path", k)
		}
	}
}

// TestExampleComplete checks that every key the parser knows appears in the
// example at its level, with a comment (above or on its line) at least once,
// so the example cannot go stale.
func TestExampleComplete(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	top := doc.Content[0]
	seen := map[string]bool{}      // "top.KEY" or "path.KEY"
	commented := map[string]bool{} // same keys, when documented
	note := func(level string, k *yaml.Node) {
		seen[level+k.Value] = true
		if k.HeadComment != "" || k.LineComment != "" {
			commented[level+k.Value] = true
		}
	}
	// level is where the entries of a top-level mapping of names keep
	// their keys.
	level := map[string]string{"paths": "path.", "files": "file."}
	for i := 0; i+1 < len(top.Content); i += 2 {
		note("top.", top.Content[i])
		lv := level[top.Content[i].Value]
		if lv == "" {
			continue
		}
		entries := top.Content[i+1]
		for j := 0; j+1 < len(entries.Content); j += 2 {
			p := entries.Content[j+1]
			for k := 0; k+1 < len(p.Content); k += 2 {
				note(lv, p.Content[k])
			}
		}
	}
	// A top-level file can give only one of the three password keys of a
	// prefix; the same key under a path, with the same meaning, counts.
	for _, prefix := range []string{"publish", "read"} {
		for _, k := range credKeys(prefix) {
			if seen["path."+k] && commented["path."+k] {
				seen["top."+k] = true
				commented["top."+k] = true
			}
		}
	}
	check := func(level string, keys []string) {
		for _, k := range keys {
			switch {
			case !seen[level+k]:
				t.Errorf("%s: key %s%s is not in the example", filepath.Base(examplePath), level, k)
			case !commented[level+k]:
				t.Errorf("%s: key %s%s has no comment", filepath.Base(examplePath), level, k)
			}
		}
	}
	check("top.", topKeys)
	check("path.", pathKeys)
	check("file.", fileKeys)
}
