package clienttest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// Sources holds source JPEGs and their decoded pixels, to check that a
// received frame is pixel-identical to one of them (receivers rebuild JPEG
// headers, so bytes cannot be compared; interop.md).
type Sources struct {
	JPEGs [][]byte
	Names []string
	imgs  []*image.YCbCr
}

// LoadSources reads and decodes the JPEG files matching glob (sorted).
func LoadSources(tb testing.TB, glob string) *Sources {
	tb.Helper()
	paths, err := filepath.Glob(glob)
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no source JPEGs match %s (%v)", glob, err)
	}
	s := &Sources{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		img, err := decodeYCbCr(b)
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		s.JPEGs = append(s.JPEGs, b)
		s.Names = append(s.Names, filepath.Base(p))
		s.imgs = append(s.imgs, img)
	}
	return s
}

// Concat returns the sources as one raw MJPEG stream (concatenated JPEGs).
func (s *Sources) Concat() []byte { return bytes.Join(s.JPEGs, nil) }

// Match returns the index of the source whose decoded pixels equal the
// frame's, or an error saying why none does.
func (s *Sources) Match(frame []byte) (int, error) {
	img, err := decodeYCbCr(frame)
	if err != nil {
		return -1, fmt.Errorf("frame does not decode: %w", err)
	}
	for i, src := range s.imgs {
		if samePixels(img, src) {
			return i, nil
		}
	}
	return -1, fmt.Errorf("frame (%dx%d, %d bytes) equals no source frame", img.Rect.Dx(), img.Rect.Dy(), len(frame))
}

func decodeYCbCr(b []byte) (*image.YCbCr, error) {
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	y, ok := img.(*image.YCbCr)
	if !ok {
		return nil, fmt.Errorf("decoded to %T, not YCbCr", img)
	}
	return y, nil
}

func samePixels(a, b *image.YCbCr) bool {
	if a.Rect != b.Rect || a.SubsampleRatio != b.SubsampleRatio {
		return false
	}
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		ra := a.Y[a.YOffset(a.Rect.Min.X, y):][:a.Rect.Dx()]
		rb := b.Y[b.YOffset(b.Rect.Min.X, y):][:b.Rect.Dx()]
		if !bytes.Equal(ra, rb) {
			return false
		}
	}
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			ia, ib := a.COffset(x, y), b.COffset(x, y)
			if a.Cb[ia] != b.Cb[ib] || a.Cr[ia] != b.Cr[ib] {
				return false
			}
		}
	}
	return true
}

// ReadFrames reads every frame of a recorded file (raw MJPEG or lab format,
// detected from the content).
func ReadFrames(tb testing.TB, path string) [][]byte {
	tb.Helper()
	r, err := mjpeg.Open(path, mjpeg.ReaderOptions{})
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer r.Close()
	var frames [][]byte
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			tb.Fatalf("%s: frame %d: %v", path, len(frames)+1, err)
		}
		frames = append(frames, f)
	}
}

// Decodes reports an error if the JPEG does not decode.
func Decodes(frame []byte) error {
	_, err := jpeg.Decode(bytes.NewReader(frame))
	return err
}
