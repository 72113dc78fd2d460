package mjpeg

import (
	"image"
	"image/color"
	"math"
)

// PSNR returns the peak signal-to-noise ratio, in dB, between two decoded
// images over their common top-left area (a receiver of RFC 2435 may show
// a frame rounded up to whole 8x8 blocks), computed on 8-bit R, G and B
// together (peak 255). Identical images give +Inf; images with no common
// area give 0. Tests use it to compare decoded frames, never JPEG bytes:
// 35 dB and above is visually indistinguishable for this project's
// purposes, garbage chroma or a shifted picture falls well below 20 dB.
func PSNR(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	w, h := min(ab.Dx(), bb.Dx()), min(ab.Dy(), bb.Dy())
	if w <= 0 || h <= 0 {
		return 0
	}
	ra, rb := rgbaOf(a), rgbaOf(b)
	var sum float64
	for y := range h {
		pa := ra.Pix[y*ra.Stride : y*ra.Stride+4*w]
		pb := rb.Pix[y*rb.Stride : y*rb.Stride+4*w]
		var s int64
		for i := 0; i < len(pa); i += 4 {
			for c := range 3 {
				d := int64(pa[i+c]) - int64(pb[i+c])
				s += d * d
			}
		}
		sum += float64(s)
	}
	mse := sum / float64(3*w*h)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// rgbaOf converts an image to RGBA at origin (0, 0); image/draw has fast
// paths for the YCbCr and Gray images image/jpeg decodes to.
func rgbaOf(m image.Image) *image.RGBA {
	if r, ok := m.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	if g, ok := m.(*image.Gray); ok {
		b := g.Bounds()
		r := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := range b.Dy() {
			for x := range b.Dx() {
				v := g.GrayAt(b.Min.X+x, b.Min.Y+y).Y
				r.SetRGBA(x, y, color.RGBA{v, v, v, 255})
			}
		}
		return r
	}
	return toRGBA(m)
}
