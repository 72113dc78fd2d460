package server

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
