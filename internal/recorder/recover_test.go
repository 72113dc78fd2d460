package recorder

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestValidLength: the longest prefix of whole frames, whatever follows.
func TestValidLength(t *testing.T) {
	fs := frames(t, 3)
	whole := bytes.Join(fs, nil)
	two := int64(len(fs[0]) + len(fs[1]))
	for _, tc := range []struct {
		name   string
		data   []byte
		length int64
		frames int
	}{
		{"empty", nil, 0, 0},
		{"whole", whole, int64(len(whole)), 3},
		{"torn tail", whole[:len(whole)-7], two, 2},
		{"torn in the header", whole[:two+20], two, 2},
		{"only SOI", whole[:two+2], two, 2},
		{"garbage tail", append(bytes.Join(fs[:2], nil), "garbage"...), two, 2},
		{"zero tail", append(bytes.Join(fs[:2], nil), make([]byte, 4096)...), two, 2},
		{"torn first", fs[0][:100], 0, 0},
		{"one byte", []byte{0xFF}, 0, 0},
		{"not JPEG", []byte("hello, world"), 0, 0},
		{"lab format", append([]byte("00005"), 0xFF, 0xD8, 0xFF, 0xD9, 0), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, k, err := ValidLength(bytes.NewReader(tc.data), 1<<20)
			if err != nil || n != tc.length || k != tc.frames {
				t.Fatalf("ValidLength = %d, %d, %v; want %d, %d", n, k, err, tc.length, tc.frames)
			}
		})
	}
	if _, _, err := ValidLength(iotestErr{}, 1<<20); err == nil {
		t.Fatal("a read error is not reported")
	}
}

// iotestErr fails every read.
type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, os.ErrPermission }

// TestRecoverParts: leftover temporary files of a killed run are cut at
// their last complete frame and completed with their time kept; one
// without a complete frame is removed; other files are left alone.
func TestRecoverParts(t *testing.T) {
	fs := frames(t, 4)
	dir := t.TempDir()
	torn := append(bytes.Join(fs[:3], nil), fs[3][:len(fs[3])/2]...)
	n1, n2, n3 := SegmentName(t0), SegmentName(t0.Add(time.Minute)), SegmentName(t0.Add(2*time.Minute))
	files := map[string][]byte{
		partName(n1):      torn,
		partName(n2):      bytes.Join(fs[:2], nil),
		partName(n3):      fs[0][:50],
		".other.part":     []byte("not ours"),
		"notes.txt":       []byte("not ours"),
		n1 + ".unrelated": []byte("not ours"),
	}
	mtime := t0.Add(30 * time.Second)
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	w, err := NewWriter(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".other.part", n1, n1 + ".unrelated", n2, "notes.txt"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after recovery: %q, want %q", got, want)
	}
	sameFrames(t, n1, loadFrames(t, filepath.Join(dir, n1)), fs[:3])
	sameFrames(t, n2, loadFrames(t, filepath.Join(dir, n2)), fs[:2])
	st, err := os.Stat(filepath.Join(dir, n1))
	if err != nil {
		t.Fatal(err)
	}
	if !st.ModTime().Equal(mtime) {
		t.Errorf("recovered mtime %v, want %v (the last write's)", st.ModTime(), mtime)
	}
	if s := w.Stats(); s.Recovered != 2 {
		t.Errorf("stats %+v, want 2 recovered", s)
	}
}
