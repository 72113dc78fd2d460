package mjpeg

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// DefaultQuality is the JPEG quality used when transcoding frames RFC 2435
// cannot carry; high enough that a 4:4:4 source keeps >= 35 dB PSNR.
const DefaultQuality = 90

// MaxDimension is the largest width or height RFC 2435 can carry: the
// payload header holds width/8 and height/8 in one byte each (§3.1.5,
// §3.1.6), and 255*8 = 2040.
const MaxDimension = jpeghdr.MaxRFC2435Dimension

// Transcode decodes a JPEG and re-encodes it as baseline 8-bit YCbCr 4:2:0
// with the standard Huffman tables (ISO 10918-1 Annex K.3) at the given
// quality (1..100; 0 means DefaultQuality) — the only layout every RFC 2435
// receiver rebuilds correctly. Grayscale and CMYK images are converted to
// colour first (Go's encoder would write them as 1 or 3 components it cannot
// carry otherwise). With fit, an image wider or taller than [MaxDimension] is
// scaled down to fit (aspect ratio kept) and a size that is not a multiple
// of 8 is padded by repeating the last column and row, so that the file
// holds exactly what an RFC 2435 receiver will display (it shows whole 8x8
// blocks). Without fit the size is kept.
func Transcode(src []byte, quality int, fit bool) ([]byte, error) {
	if quality <= 0 {
		quality = DefaultQuality
	}
	quality = min(quality, 100)
	img, err := jpeg.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if fit {
		img = fitImage(img)
	}
	switch m := img.(type) {
	case *image.YCbCr, *image.RGBA:
		// Encoded directly by image/jpeg's fast paths.
	case *image.Gray:
		img = grayToYCbCr(m)
	default:
		img = toRGBA(img)
	}
	var buf bytes.Buffer
	buf.Grow(len(src))
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), nil
}

// grayToYCbCr wraps a grayscale image as 4:2:0 YCbCr with neutral chroma,
// losslessly.
func grayToYCbCr(g *image.Gray) *image.YCbCr {
	b := g.Bounds()
	y := image.NewYCbCr(image.Rect(0, 0, b.Dx(), b.Dy()), image.YCbCrSubsampleRatio420)
	for row := 0; row < b.Dy(); row++ {
		o := g.PixOffset(b.Min.X, b.Min.Y+row)
		copy(y.Y[row*y.YStride:], g.Pix[o:o+b.Dx()])
	}
	for i := range y.Cb {
		y.Cb[i] = 128
		y.Cr[i] = 128
	}
	return y
}

// toRGBA converts any image to RGBA with its origin at (0, 0).
func toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

// needsFit reports whether fit would change an image of this size.
func needsFit(w, h int) bool {
	return w > MaxDimension || h > MaxDimension || w%8 != 0 || h%8 != 0
}

// fitSize returns the size an image is scaled to so that both sides are at
// most MaxDimension, keeping the aspect ratio.
func fitSize(w, h int) (int, int) {
	if w <= MaxDimension && h <= MaxDimension {
		return w, h
	}
	if w >= h {
		return MaxDimension, max(1, (h*MaxDimension+w/2)/w)
	}
	return max(1, (w*MaxDimension+h/2)/h), MaxDimension
}

// fitImage scales img down to at most MaxDimension per side and pads it to
// a multiple of 8 by edge replication; it returns img unchanged when no
// change is needed.
func fitImage(img image.Image) image.Image {
	b := img.Bounds()
	if !needsFit(b.Dx(), b.Dy()) {
		return img
	}
	m := toRGBA(img)
	if w, h := fitSize(b.Dx(), b.Dy()); w != b.Dx() || h != b.Dy() {
		m = downscale(m, w, h)
	}
	return padTo8(m)
}

// downscale resizes m to w x h (not larger than m) with a box filter: each
// destination pixel is the mean of the source pixels it covers.
func downscale(m *image.RGBA, w, h int) *image.RGBA {
	sw, sh := m.Rect.Dx(), m.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := range w {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			var s [4]int
			for sy := y0; sy < y1; sy++ {
				row := m.Pix[sy*m.Stride+4*x0 : sy*m.Stride+4*x1]
				for i := 0; i < len(row); i += 4 {
					s[0] += int(row[i])
					s[1] += int(row[i+1])
					s[2] += int(row[i+2])
					s[3] += int(row[i+3])
				}
			}
			n := (y1 - y0) * (x1 - x0)
			d := dst.Pix[y*dst.Stride+4*x:]
			for c := range 4 {
				d[c] = uint8((s[c] + n/2) / n)
			}
		}
	}
	return dst
}

// padTo8 grows m to the next multiple of 8 in each direction, repeating the
// last column and row (what a JPEG encoder puts in partial blocks anyway).
func padTo8(m *image.RGBA) *image.RGBA {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	pw, ph := (w+7)&^7, (h+7)&^7
	if pw == w && ph == h {
		return m
	}
	dst := image.NewRGBA(image.Rect(0, 0, pw, ph))
	for y := range ph {
		srow := m.Pix[min(y, h-1)*m.Stride:]
		drow := dst.Pix[y*dst.Stride:]
		copy(drow, srow[:4*w])
		last := srow[4*(w-1) : 4*w]
		for x := w; x < pw; x++ {
			copy(drow[4*x:], last)
		}
	}
	return dst
}
