package mjpeg

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// testJPEG encodes a w x h gradient (varied by seed) with image/jpeg:
// baseline 4:2:0, standard Huffman tables.
func testJPEG(tb testing.TB, w, h, seed int) []byte {
	tb.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, color.RGBA{uint8(x*7 + seed), uint8(y*5 + 3*seed), uint8((x + y) * seed), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 75}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// grayJPEG encodes a w x h grayscale JPEG (one component).
func grayJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 13)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 75}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// vectorFrames returns the shared 640x480 golden JPEG frames.
func vectorFrames(tb testing.TB) [][]byte {
	tb.Helper()
	dir := testenv.SharedPath(tb, "vectors/frames_640x480_q5")
	names, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no vector frames in %s: %v", dir, err)
	}
	var frames [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			tb.Fatal(err)
		}
		frames = append(frames, b)
	}
	return frames
}

// fixture reads a file from testdata/jpeg.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "jpeg", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// encode writes frames in format f.
func encode(tb testing.TB, f Format, frames ...[]byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, f)
	for _, fr := range frames {
		if err := w.WriteFrame(fr); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

// decode decodes a JPEG or fails the test.
func decode(tb testing.TB, b []byte) image.Image {
	tb.Helper()
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("decode: %v", err)
	}
	return m
}

// writeFile writes b to dir/name and returns the path.
func writeFile(tb testing.TB, dir, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}
