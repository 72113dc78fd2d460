package jpeghdr

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"strconv"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// encodeGo returns a JPEG written by Go's image/jpeg: baseline, 4:2:0 for
// colour images, Annex K.3 Huffman tables, two quantization tables.
func encodeGo(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gradient returns a w x h RGBA test pattern.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) * 3), 255})
		}
	}
	return img
}

// grayImage returns a w x h grayscale test pattern.
func grayImage(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	return img
}

// segmentAt returns the offset of the first marker segment with code m before
// the first scan data (test inputs are well-formed headers), or -1.
func segmentAt(t testing.TB, b []byte, m byte) int {
	t.Helper()
	i := 2
	for i+4 <= len(b) && b[i] == 0xFF {
		if b[i+1] == m {
			return i
		}
		if b[i+1] == MarkerSOS {
			return -1
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return -1
}

// splice returns b with b[off:off+del] replaced by ins.
func splice(b []byte, off, del int, ins ...byte) []byte {
	out := append([]byte(nil), b[:off]...)
	out = append(out, ins...)
	return append(out, b[off+del:]...)
}

// readVector reads a file of the shared vectors folder.
func readVector(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.SharedPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// labFrames splits a lab-format file (5 ASCII digits length + JPEG).
func labFrames(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("trailing %d bytes", len(b))
		}
		n, err := strconv.Atoi(string(b[:5]))
		if err != nil || 5+n > len(b) {
			t.Fatalf("bad lab length %q", b[:5])
		}
		out = append(out, b[5:5+n])
		b = b[5+n:]
	}
	return out
}
