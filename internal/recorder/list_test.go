package recorder

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestList(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC)
	for _, n := range []string{SegmentName(t0.Add(time.Minute)), SegmentName(t0), partName(SegmentName(t0.Add(2 * time.Minute))), "notes.txt", ".x.part"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte{1}, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	segs, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 3 || !segs[0].Start.Equal(t0) || segs[1].Open || !segs[2].Open || !segs[2].Start.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("List: %+v", segs)
	}
}
