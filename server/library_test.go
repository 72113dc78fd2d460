package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestStartReadsNoFile: New with a library of 10,000 files and a 4 GiB
// (sparse) file lists them and opens none: every stream is there at once,
// none indexed, and the file only gets looked at when asked for.
func TestStartReadsNoFile(t *testing.T) {
	media := t.TempDir()
	for d := range 100 {
		dir := filepath.Join(media, fmt.Sprintf("d%02d", d))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f := range 100 {
			// Not even a JPEG: reading any of them at start would fail.
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.mjpeg", f)), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	big, err := os.Create(filepath.Join(media, "big.mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(4 << 30); err != nil {
		t.Skipf("cannot make a sparse 4 GiB file here: %v", err)
	}
	big.Close()
	start := time.Now()
	srv, err := New(context.Background(), Config{MediaDir: media, CacheDir: t.TempDir(), Logger: testLogger(), PatternFrames: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("New with 10,001 files took %v", time.Since(start)) // measured, not asserted (README: scripts/library-bench.sh)
	defer srv.cat.closeFiles()
	if n := len(srv.Streams()); n != 10_002 {
		t.Fatalf("%d streams, want 10,002", n)
	}
	if len(srv.cat.open) != 0 {
		t.Fatalf("%d files opened at start", len(srv.cat.open))
	}
	st, _ := srv.cat.lookup("/big.mjpeg")
	if st.frames() != nil {
		t.Fatal("the 4 GiB file was read at start")
	}
	// Asked for, the zeros are no frames: not a stream (404), logged once.
	if err := srv.openStream(st); err == nil {
		t.Fatal("a file of zeros opened")
	}
}
