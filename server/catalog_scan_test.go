package server

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mediaTree makes a media folder with a.mjpeg, locked/b.mjpeg and
// sub/c.mjpeg (empty files: only their names matter to findMedia).
func mediaTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"a.mjpeg", "locked/b.mjpeg", "sub/c.mjpeg"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// lockedWalk is filepath.WalkDir as it behaves for a folder named locked
// that cannot be listed: fn sees the folder, then the read error (the
// second call WalkDir makes), and nothing inside it.
func lockedWalk(root string, fn fs.WalkDirFunc) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "locked" {
			if err := fn(p, d, nil); err != nil {
				return err
			}
			if err := fn(p, d, &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}); err != nil {
				return err
			}
			return fs.SkipDir
		}
		return fn(p, d, err)
	})
}

// TestFindMediaSkipsUnreadableFolder: one folder that cannot be read is
// skipped with one warning and the rest is served (issue 13: it stopped
// serve from starting with "scan media folder ...: permission denied").
func TestFindMediaSkipsUnreadableFolder(t *testing.T) {
	dir := mediaTree(t)
	var logs bytes.Buffer
	m := mediaFinder{walk: lockedWalk, log: slog.New(slog.NewTextHandler(&logs, nil))}
	got, err := m.find(dir)
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	var names []string
	for _, f := range got {
		names = append(names, f.name)
	}
	if want := "/a.mjpeg /sub/c.mjpeg"; strings.Join(names, " ") != want {
		t.Errorf("streams %q, want %q", strings.Join(names, " "), want)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "locked") {
		t.Errorf("want one warning naming the folder, got %d:\n%s", n, logs.String())
	}
}

// TestFindMediaUnreadableRoot: the media folder itself unreadable is
// still an error (there is nothing to serve from it).
func TestFindMediaUnreadableRoot(t *testing.T) {
	dir := mediaTree(t)
	m := mediaFinder{
		walk: func(root string, fn fs.WalkDirFunc) error {
			return fn(root, nil, &fs.PathError{Op: "lstat", Path: root, Err: syscall.EACCES})
		},
		log: testLogger(),
	}
	if _, err := m.find(dir); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("find: %v, want permission denied", err)
	}
}

// TestNewSkipsChmodFolder is the same through New with a real chmod 000
// folder; as root permission checks are bypassed, so it skips there
// (TestFindMediaSkipsUnreadableFolder injects the error instead).
func TestNewSkipsChmodFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: chmod 000 does not stop root from reading; see TestFindMediaSkipsUnreadableFolder")
	}
	dir := mediaTree(t)
	locked := filepath.Join(dir, "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(locked, 0o755) })
	got, err := findMedia(dir, testLogger())
	if err != nil {
		t.Fatalf("findMedia: %v", err)
	}
	if len(got) != 2 {
		t.Errorf("got %v, want a.mjpeg and sub/c.mjpeg", got)
	}
}

// labFile is frames in the lab's layout: a 5-digit length, then the JPEG.
func labFile(t *testing.T, frames [][]byte) []byte {
	t.Helper()
	var b []byte
	for _, f := range frames {
		b = append(b, fmt.Sprintf("%05d", len(f))...)
		b = append(b, f...)
	}
	return b
}

// splitJPEGs cuts testMJPEG's output into its frames (each ends at EOI;
// the encoder writes no FF D9 elsewhere).
func splitJPEGs(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.Index(b, []byte{0xFF, 0xD9})
		if i < 0 {
			break
		}
		out = append(out, b[:i+2])
		b = b[i+2:]
	}
	return out
}

// TestBadMediaFiles: each kind of bad file is logged once, never crashes
// or hangs the server, plays what whole frames it has (or is 404), and
// leaves the other streams alone. The 2 GiB frame claim is a sparse file:
// indexing it must not allocate anywhere near its size.
func TestBadMediaFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := testMJPEG(t, 4)
	frames := splitJPEGs(good)
	if len(frames) != 4 {
		t.Fatalf("split %d frames, want 4", len(frames))
	}
	write("good.mjpeg", good)
	// Cut in the middle of the 4th frame.
	write("truncated.mjpeg", good[:len(good)-len(frames[3])/2])
	write("empty.mjpeg", nil)
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(i*7919 + i>>8) // not a JPEG, not a lab header
	}
	write("random.mjpeg", random)
	// The second frame's length digit is one too high in the first
	// place (10,000 bytes more than the file holds).
	lab := labFile(t, frames[:3])
	second := 5 + len(frames[0])
	lab[second]++
	write("badlength.mjpeg", lab)
	// One whole frame, then a frame whose entropy-coded data runs on
	// without an EOI to the end of a sparse 2 GiB file.
	sos := bytes.Index(frames[1], []byte{0xFF, 0xDA})
	if sos < 0 {
		t.Fatal("no SOS marker")
	}
	sosEnd := sos + 2 + int(frames[1][sos+2])<<8 + int(frames[1][sos+3])
	huge := append(append([]byte(nil), frames[0]...), frames[1][:sosEnd]...)
	write("huge.mjpeg", huge)
	if err := os.Truncate(filepath.Join(dir, "huge.mjpeg"), 2<<30); err != nil {
		t.Fatal(err)
	}

	var logs logBuffer
	_, addr := startServer(t, Config{MediaDir: dir, Logger: logs.logger()})
	r := playStream(t, addr, "/good.mjpeg", false)
	r.waitPackets(t, "RTP of /good.mjpeg", 0, 5*time.Second)

	for _, tc := range []struct {
		file string
		code int
		// rng is the SDP's range: the whole frames before the bad part.
		rng string
	}{
		{"truncated.mjpeg", 200, "a=range:npt=0-0.150"},
		{"empty.mjpeg", 404, ""},
		{"random.mjpeg", 404, ""},
		{"badlength.mjpeg", 200, "a=range:npt=0-0.050"},
		{"huge.mjpeg", 200, "a=range:npt=0-0.050"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range 2 { // logged once, however often asked
				code, sdp := describeStatus(t, addr, "/"+tc.file)
				if code != tc.code || !strings.Contains(sdp, tc.rng) {
					t.Fatalf("DESCRIBE: %d, want %d with %q; SDP:\n%s", code, tc.code, tc.rng, sdp)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			// Indexing reads at most one frame's limit (16 MiB) into a
			// buffer that doubles as it grows, and keeps nothing of it:
			// bounded by the limit, not by the file's size.
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 128<<20 {
				t.Errorf("DESCRIBE allocated %d MiB", grown>>20)
			}
			if kept := int64(after.HeapAlloc) - int64(before.HeapAlloc); kept > 8<<20 {
				t.Errorf("the heap grew by %d MiB", kept>>20)
			}
			if n := len(logs.lines("level=WARN", tc.file)); n != 1 {
				t.Errorf("%d warnings naming the file, want 1:\n%s", n, logs.String())
			}
		})
	}
	n := r.packets.Load()
	r.waitPackets(t, "/good.mjpeg playing on", n, 5*time.Second)
}
