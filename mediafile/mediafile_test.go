package mediafile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// frame encodes a w x h baseline 4:2:0 JPEG whose colour depends on seed.
func frame(t testing.TB, w, h, seed int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(seed * 40), uint8(x + seed), uint8(y), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawFile writes frames as raw concatenated JPEG and returns its path.
func rawFile(t testing.TB, frames ...[]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "clip.mjpeg")
	if err := os.WriteFile(p, bytes.Join(frames, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitFrame waits (deadline 30 s) until frame i is converted.
func waitFrame(t *testing.T, mf *File, i int) []byte {
	t.Helper()
	var b []byte
	var err error
	testenv.WaitFor(t, 30*time.Second, fmt.Sprintf("frame %d converted", i), func() bool {
		b, _, err = mf.Frame(i)
		return !errors.Is(err, ErrNotReady)
	})
	if err != nil {
		t.Fatalf("frame %d: %v", i, err)
	}
	return b
}

func TestBuildAndReadRaw(t *testing.T) {
	fs := [][]byte{frame(t, 64, 48, 1), frame(t, 64, 48, 2), frame(t, 64, 48, 3)}
	p := rawFile(t, fs...)
	mf, err := Open(context.Background(), p, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	ix := mf.Index()
	if ix.Len() != 3 || ix.Width != 64 || ix.Height != 48 || ix.Format != mjpeg.FormatRaw || ix.Tail != "" {
		t.Fatalf("index %+v", ix)
	}
	for i, want := range fs {
		j, src, err := mf.Frame(i)
		if err != nil || !bytes.Equal(j, want) || !bytes.Equal(src, want) {
			t.Fatalf("frame %d: err %v, equal %v", i, err, bytes.Equal(j, want))
		}
	}
}

// TestIndexCached: the second Open reads the index from the cache folder;
// a changed file gets a new one.
func TestIndexCached(t *testing.T) {
	cache := t.TempDir()
	p := rawFile(t, frame(t, 32, 32, 1), frame(t, 32, 32, 2))
	mf, err := Open(context.Background(), p, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	mf.Close()
	idx, _ := filepath.Glob(filepath.Join(cache, "*.idx"))
	if len(idx) != 1 {
		t.Fatalf("cache holds %v, want one index", idx)
	}
	// Corrupt the media file's content without changing size or mtime:
	// the cached index is used, so Open does not notice (proves the
	// cache is read).
	fi, _ := os.Stat(p)
	if err := os.WriteFile(p, make([]byte, fi.Size()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	mf, err = Open(context.Background(), p, Options{CacheDir: cache})
	if err != nil {
		t.Fatalf("Open with a cached index: %v", err)
	}
	if mf.Len() != 2 {
		t.Fatalf("cached index has %d frames", mf.Len())
	}
	mf.Close()
	// A new mtime: the index is rebuilt, and the zeros are no frames.
	later := fi.ModTime().Add(time.Second)
	os.Chtimes(p, later, later)
	if _, err := Open(context.Background(), p, Options{CacheDir: cache}); err == nil {
		t.Fatal("a changed file kept its old index")
	}
}

// TestTruncatedTail: a file cut mid-frame plays its whole frames.
func TestTruncatedTail(t *testing.T) {
	a, b := frame(t, 32, 32, 1), frame(t, 32, 32, 2)
	p := rawFile(t, a, b[:len(b)/2])
	mf, err := Open(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	if mf.Len() != 1 || mf.Index().Tail == "" {
		t.Fatalf("len %d tail %q", mf.Len(), mf.Index().Tail)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty.mjpeg":  nil,
		"random.mjpeg": bytes.Repeat([]byte{0x12, 0x34, 0x56, 0x78, 0x9a}, 1000),
		"lab.mjpeg":    append([]byte("0x123"), frame(t, 16, 16, 1)...), // wrong length digit
		"huge.mjpeg":   append([]byte("99999"), 0xFF, 0xD8, 0xFF),       // claims more than it has
	}
	for name, b := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		if mf, err := Open(context.Background(), p, Options{}); err == nil {
			mf.Close()
			t.Errorf("%s: opened", name)
		}
	}
}

// TestConvertsMovie: the lab's 4:4:4 movie is converted by the background
// goroutine, frames come out carriable and a second Open reuses them.
func TestConvertsMovie(t *testing.T) {
	movie := testenv.SharedPath(t, "media/movie.Mjpeg")
	cache := t.TempDir()
	mf, err := Open(context.Background(), movie, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if mf.Len() != 500 || mf.Index().NeedsConversion() != 500 || mf.Index().Format != mjpeg.FormatLab {
		t.Fatalf("len %d convert %d", mf.Len(), mf.Index().NeedsConversion())
	}
	for _, i := range []int{0, 1, 250, 499} {
		b := waitFrame(t, mf, i)
		info, err := jpeghdr.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := info.RFC2435(); err != nil {
			t.Fatalf("frame %d not carriable: %v", i, err)
		}
	}
	waitFrame(t, mf, 498)
	testenv.WaitFor(t, 60*time.Second, "all 500 frames converted", func() bool { return mf.conv.doneCount() == 500 })
	mf.Close()
	mf, err = Open(context.Background(), movie, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	if n := mf.conv.doneCount(); n != 500 {
		t.Fatalf("second open found %d converted frames, want 500", n)
	}
}

func TestIndexRoundTrip(t *testing.T) {
	ix := &Index{Format: mjpeg.FormatDir, Size: 4096, ModTime: 7, Width: 640, Height: 480,
		Offsets: []int64{0, 0}, Lengths: []uint32{100, 200}, Flags: []uint8{0, FlagConvert}, Names: []string{"a.jpg", "b.jpg"}, Tail: "x"}
	b, _ := ix.MarshalBinary()
	var got Index
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, _ := got.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Fatal("round trip differs")
	}
	b[len(b)-5] ^= 1
	if err := got.UnmarshalBinary(b); !errors.Is(err, ErrBadIndex) {
		t.Fatalf("corrupt index: %v", err)
	}
}

func TestFolderOfJPEGs(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []string{"002.jpg", "001.jpg", "003.jpeg"} {
		os.WriteFile(filepath.Join(dir, n), frame(t, 32, 32, i), 0o644)
	}
	mf, err := Open(context.Background(), dir, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	if mf.Len() != 3 || mf.Index().Names[0] != "001.jpg" {
		t.Fatalf("names %v", mf.Index().Names)
	}
	b, _, err := mf.Frame(0)
	if err != nil || !bytes.Equal(b, frame(t, 32, 32, 1)) {
		t.Fatalf("frame 0: %v", err)
	}
}

// BenchmarkConvertMovieFrame is the converter's cost per frame of the
// lab's 4:4:4 movie on one core (what bounds how far ahead of playback it
// runs: frames/s = 1e9 / ns/op per core).
func BenchmarkConvertMovieFrame(b *testing.B) {
	r, err := mjpeg.Open(testenv.SharedPath(b, "media/movie.Mjpeg"), mjpeg.ReaderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var frames [][]byte
	for range 50 {
		f, err := r.Next()
		if err != nil {
			b.Fatal(err)
		}
		frames = append(frames, f)
	}
	i := 0
	for b.Loop() {
		if _, _, err := mjpeg.MakeCarriable(frames[i%len(frames)], 0); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// TestFolderRewriteReindexes: a JPEG rewritten in place (the folder's own
// mtime unchanged) gets the folder a new index, not the cached one.
func TestFolderRewriteReindexes(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	a := filepath.Join(dir, "001.jpg")
	os.WriteFile(a, frame(t, 32, 32, 1), 0o644)
	os.WriteFile(filepath.Join(dir, "002.jpg"), frame(t, 32, 32, 2), 0o644)
	mf, err := Open(context.Background(), dir, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	mf.Close()
	dfi, _ := os.Stat(dir)
	big := frame(t, 64, 64, 3)
	os.WriteFile(a, big, 0o644)
	later := time.Now().Add(time.Second)
	os.Chtimes(a, later, later)
	os.Chtimes(dir, dfi.ModTime(), dfi.ModTime())
	mf, err = Open(context.Background(), dir, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	if b, _, err := mf.Frame(0); err != nil || !bytes.Equal(b, big) {
		t.Fatalf("frame 0 after the rewrite: %v (%d bytes, want %d)", err, len(b), len(big))
	}
}
