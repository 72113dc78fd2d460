package web_test

// Reading the test pattern's frame counter ("#000123", top left) off a
// decoded frame or a screenshot, with digit templates rendered by
// mjpeg.Pattern itself.

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"testing"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// counterDigits is how many digits the counter has ("#%06d").
const counterDigits = 6

// counterReader reads the frame counter of a width x height pattern.
type counterReader struct {
	// box is the counter's black box in frame pixels; cells are the digit
	// cells (ink only) relative to box.Min.
	box   image.Rectangle
	cells [counterDigits]image.Rectangle
	// tmpl[d] is digit d's luma, cell-sized, row-major.
	tmpl [10][]int
}

// newCounterReader lays the counter out as mjpeg/pattern.go draws it (font
// scale min(h/120, w/160), margin twice the scale, 5x7 glyphs on a 6-pixel
// advance, one font pixel of padding) and renders two frames whose
// counters show all ten digits to learn their shapes.
func newCounterReader(t *testing.T, width, height int) *counterReader {
	t.Helper()
	const glyphW, glyphH, glyphAdv = 5, 7, 6
	sc := max(1, min(height/120, width/160))
	margin := 2 * sc
	cr := &counterReader{box: image.Rect(margin, margin,
		margin+((1+counterDigits)*glyphAdv+1)*sc, margin+(glyphH+2)*sc)}
	for i := range counterDigits {
		x := (1 + (i+1)*glyphAdv) * sc // character 0 is '#'
		cr.cells[i] = image.Rect(x, sc, x+glyphW*sc, sc+glyphH*sc)
	}
	p, err := mjpeg.NewPattern(width, height, 30, 90, 0)
	if err != nil {
		t.Fatalf("pattern: %v", err)
	}
	for _, n := range []int{123456, 789000} {
		img, err := jpeg.Decode(bytes.NewReader(p.Frame(n)))
		if err != nil {
			t.Fatalf("decode pattern frame: %v", err)
		}
		box := cropImage(img, cr.box)
		s := fmt.Sprintf("%06d", n)
		for i := range counterDigits {
			d := s[i] - '0'
			if cr.tmpl[d] == nil {
				cr.tmpl[d] = cellLuma(box, cr.cells[i])
			}
		}
	}
	return cr
}

// cropImage copies r of img into an image whose origin is r.Min's.
func cropImage(img image.Image, r image.Rectangle) image.Image {
	return browserCrop(img, browserRect{X: float64(r.Min.X), Y: float64(r.Min.Y), W: float64(r.Dx()), H: float64(r.Dy())})
}

// cellLuma is the luma of r in img, row-major.
func cellLuma(img image.Image, r image.Rectangle) []int {
	b := img.Bounds()
	out := make([]int, 0, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out = append(out, browserLuma(img.At(b.Min.X+x, b.Min.Y+y)))
		}
	}
	return out
}

// read returns the counter shown by box, an image of the counter's box
// (a crop of a frame at its natural size, or a screenshot of that area).
// Each digit is the template nearest in mean absolute luma difference; a
// digit close to none (no counter there) is an error.
func (cr *counterReader) read(box image.Image) (int, error) {
	if box.Bounds().Dx() < cr.box.Dx() || box.Bounds().Dy() < cr.box.Dy() {
		return 0, fmt.Errorf("counter image %v smaller than the counter %v", box.Bounds().Size(), cr.box.Size())
	}
	n := 0
	for i, c := range cr.cells {
		got := cellLuma(box, c)
		best, bestD := -1, 1<<30
		for d, tm := range cr.tmpl {
			sum := 0
			for k := range got {
				v := got[k] - tm[k]
				if v < 0 {
					v = -v
				}
				sum += v
			}
			if sum < bestD {
				best, bestD = d, sum
			}
		}
		if mean := bestD / len(got); mean > 40 {
			return 0, fmt.Errorf("digit %d matches no template (mean difference %d)", i, mean)
		}
		n = n*10 + best
	}
	return n, nil
}

// readFrame reads the counter of a whole JPEG frame.
func (cr *counterReader) readFrame(frame []byte) (int, error) {
	img, err := jpeg.Decode(bytes.NewReader(frame))
	if err != nil {
		return 0, fmt.Errorf("decode frame: %w", err)
	}
	return cr.read(cropImage(img, cr.box))
}

// TestBrowserCounterReader checks the reader on the pattern's own frames,
// also at the server's JPEG quality.
func TestBrowserCounterReader(t *testing.T) {
	cr := newCounterReader(t, 640, 480)
	p, err := mjpeg.NewPattern(640, 480, 30, 80, 150)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 9, 10, 42, 99, 100, 149, 123456, 999999} {
		got, err := cr.readFrame(p.Frame(n))
		if err != nil || got != n {
			t.Errorf("frame %d: read %d, %v", n, got, err)
		}
	}
	blank := image.NewGray(image.Rect(0, 0, cr.box.Dx(), cr.box.Dy()))
	for i := range blank.Pix {
		blank.Pix[i] = 128
	}
	if n, err := cr.read(blank); err == nil {
		t.Errorf("grey image read as counter %d", n)
	}
}
