package recorder

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// newTestWriter makes a Writer on a fresh folder with 1 s segments.
func newTestWriter(t *testing.T, opt Options) (*Writer, string) {
	t.Helper()
	if opt.Dir == "" {
		opt.Dir = filepath.Join(t.TempDir(), "cam1")
	}
	if opt.Segment == 0 {
		opt.Segment = time.Second
	}
	w, err := NewWriter(opt)
	if err != nil {
		t.Fatal(err)
	}
	return w, opt.Dir
}

// write writes frames at the given offsets from t0.
func write(t *testing.T, w *Writer, fs [][]byte, at ...time.Duration) {
	t.Helper()
	for i, d := range at {
		if err := w.WriteFrame(fs[i%len(fs)], t0.Add(d)); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
}

// TestRollOver: segments end at the first frame Segment after their start
// or after a gap, are named by their first frame, hold exactly their
// frames, and carry their last frame's time; the open one is only a hidden
// temporary file.
func TestRollOver(t *testing.T) {
	fs := frames(t, 8)
	ms := time.Millisecond
	w, dir := newTestWriter(t, Options{Gap: 2 * time.Second})
	write(t, w, fs, 0, 400*ms, 999*ms, 1000*ms, 1500*ms)
	if got := dirNames(t, dir); !slices.Equal(got, []string{
		".2026-12-04T17-30-01.250Z.mjpeg.part", "2026-12-04T17-30-00.250Z.mjpeg",
	}) {
		t.Fatalf("after the first roll-over: %q", got)
	}
	// A gap of more than 2 s starts a new segment before 1 s is up.
	write(t, w, fs[5:], 5000*ms, 5100*ms)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		fs   [][]byte
		last time.Duration
	}{
		{"2026-12-04T17-30-00.250Z.mjpeg", fs[0:3], 999 * ms},
		{"2026-12-04T17-30-01.250Z.mjpeg", fs[3:5], 1500 * ms},
		{"2026-12-04T17-30-05.250Z.mjpeg", fs[5:7], 5100 * ms},
	}
	if got := dirNames(t, dir); len(got) != len(want) {
		t.Fatalf("files %q, want %d segments", got, len(want))
	}
	for _, s := range want {
		p := filepath.Join(dir, s.name)
		sameFrames(t, s.name, loadFrames(t, p), s.fs)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !st.ModTime().Equal(t0.Add(s.last)) {
			t.Errorf("%s: mtime %v, want its last frame's %v", s.name, st.ModTime().UTC(), t0.Add(s.last))
		}
	}
	st := w.Stats()
	if st.Frames != 7 || st.Segments != 3 || st.Dropped != 0 || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestSameMillisecond: two segments starting in the same millisecond get
// distinct names.
func TestSameMillisecond(t *testing.T) {
	fs := frames(t, 2)
	w, dir := newTestWriter(t, Options{})
	write(t, w, fs, 0)
	if err := w.CloseSegment(); err != nil {
		t.Fatal(err)
	}
	write(t, w, fs, 0)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"2026-12-04T17-30-00.250Z.mjpeg", "2026-12-04T17-30-00.251Z.mjpeg"}) {
		t.Fatalf("files %q", got)
	}
}

// TestInvalidFrames: what is not one whole JPEG is dropped and counted;
// bytes after EOI are not written.
func TestInvalidFrames(t *testing.T) {
	fs := frames(t, 1)
	w, dir := newTestWriter(t, Options{MaxFrameBytes: len(fs[0]) + 10})
	// The frame with a 100-byte comment (COM) after SOI is over the limit.
	com := append([]byte{0xFF, 0xD8, 0xFF, 0xFE, 0, 102}, make([]byte, 100)...)
	big := append(com, fs[0][2:]...)
	for _, bad := range [][]byte{nil, {0xFF, 0xD8}, fs[0][:len(fs[0])-5], []byte("not a jpeg at all"), big} {
		if err := w.WriteFrame(bad, t0); !errors.Is(err, ErrInvalidFrame) {
			t.Errorf("%d bytes: err %v, want ErrInvalidFrame", len(bad), err)
		}
	}
	trailing := append(append([]byte(nil), fs[0]...), 0, 0, 0)
	write(t, w, [][]byte{trailing}, 0)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := loadFrames(t, filepath.Join(dir, SegmentName(t0)))
	sameFrames(t, "segment", got, fs)
	if st := w.Stats(); st.Dropped != 5 || st.Frames != 1 {
		t.Errorf("stats %+v, want 5 dropped, 1 written", st)
	}
}

// fullDisk is a segment file on a disk that fills up: writes fail with
// ENOSPC (after a partial write) once limit bytes are written, until the
// test frees space.
type fullDisk struct {
	*os.File
	d *diskSpace
}

type diskSpace struct {
	free    int64
	creates int
}

func (f *fullDisk) Write(p []byte) (int, error) {
	if int64(len(p)) > f.d.free {
		n, _ := f.File.Write(p[:f.d.free])
		f.d.free = 0
		return n, syscall.ENOSPC
	}
	f.d.free -= int64(len(p))
	return f.File.Write(p)
}

// TestDiskFull: a write error is logged once, ends the segment whole at
// its last complete frame, drops (counts) frames until the next segment
// boundary, and writing resumes there once there is room.
func TestDiskFull(t *testing.T) {
	fs := frames(t, 10)
	disk := &diskSpace{free: int64(len(fs[0]) + len(fs[1]) + len(fs[2])/2)}
	logs := &logLines{}
	ms := time.Millisecond
	w, dir := newTestWriter(t, Options{
		Logger: slog.New(logs),
		create: func(name string) (segmentFile, error) {
			disk.creates++
			if disk.free == 0 {
				return nil, syscall.ENOSPC
			}
			f, err := createFile(name)
			if err != nil {
				return nil, err
			}
			return &fullDisk{File: f.(*os.File), d: disk}, nil
		},
	})
	// Frames 0, 1 fit; 2 is torn by ENOSPC; 3 and 4 come before the
	// boundary (t0+1s) and are dropped without a retry.
	write(t, w, fs[:2], 0, 100*ms)
	if err := w.WriteFrame(fs[2], t0.Add(200*ms)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("frame 2: %v, want ENOSPC", err)
	}
	write(t, w, fs[3:], 300*ms, 900*ms)
	if disk.creates != 1 {
		t.Fatalf("%d creates before the boundary, want 1", disk.creates)
	}
	// At the boundary the disk is still full: one retry, still dropped.
	if err := w.WriteFrame(fs[5], t0.Add(1000*ms)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("retry at the boundary: %v, want ENOSPC", err)
	}
	write(t, w, fs[6:], 1500*ms)
	if disk.creates != 2 {
		t.Fatalf("%d creates, want 2 (one retry per boundary)", disk.creates)
	}
	// Room again: the next boundary (t0+2s) writes.
	disk.free = 1 << 20
	write(t, w, fs[7:], 2000*ms, 2100*ms)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"2026-12-04T17-30-00.250Z.mjpeg", "2026-12-04T17-30-02.250Z.mjpeg"}) {
		t.Fatalf("files %q", got)
	}
	sameFrames(t, "segment before the failure", loadFrames(t, filepath.Join(dir, "2026-12-04T17-30-00.250Z.mjpeg")), fs[:2])
	sameFrames(t, "segment after", loadFrames(t, filepath.Join(dir, "2026-12-04T17-30-02.250Z.mjpeg")), fs[7:9])
	if n := logs.count("WARN recording failed"); n != 1 {
		t.Errorf("%d failure lines logged, want 1: %q", n, logs.lines)
	}
	if n := logs.count("INFO recording resumed"); n != 1 {
		t.Errorf("%d resume lines logged, want 1: %q", n, logs.lines)
	}
	if st := w.Stats(); st.Frames != 4 || st.Dropped != 5 || st.Segments != 2 {
		t.Errorf("stats %+v, want 4 written, 5 dropped, 2 segments", st)
	}
}

// TestUnwritableFolder: a folder that cannot be made is no error at
// start; frames are dropped and the failure is logged once.
func TestUnwritableFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &logLines{}
	w, _ := newTestWriter(t, Options{Dir: filepath.Join(file, "cam"), Logger: slog.New(logs)})
	fs := frames(t, 1)
	for i := range 5 {
		_ = w.WriteFrame(fs[0], t0.Add(time.Duration(i)*time.Second))
	}
	if n := logs.count("WARN recording failed"); n != 1 {
		t.Errorf("%d failure lines, want 1: %q", n, logs.lines)
	}
	if st := w.Stats(); st.Frames != 0 || st.Dropped != 5 {
		t.Errorf("stats %+v", st)
	}
	if _, err := NewWriter(Options{}); !errors.Is(err, errNoDir) {
		t.Errorf("no folder: %v", err)
	}
	if _, err := NewWriter(Options{Dir: "x", Segment: time.Millisecond}); err == nil {
		t.Errorf("1 ms segments accepted")
	}
}
