package mjpeg

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

func TestFitSize(t *testing.T) {
	tests := []struct{ w, h, ww, wh int }{
		{640, 480, 640, 480},
		{2040, 2040, 2040, 2040},
		{4080, 2040, 2040, 1020},
		{4000, 3000, 2040, 1530},
		{3000, 4000, 1530, 2040},
		{10000, 1, 2040, 1},
		{2041, 10, 2040, 10},
	}
	for _, tt := range tests {
		if w, h := fitSize(tt.w, tt.h); w != tt.ww || h != tt.wh {
			t.Errorf("fitSize(%d, %d) = %d, %d; want %d, %d", tt.w, tt.h, w, h, tt.ww, tt.wh)
		}
	}
}

func TestPadTo8(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := range 2 {
		for x := range 3 {
			m.SetRGBA(x, y, color.RGBA{uint8(10*x + y), 0, 0, 255})
		}
	}
	p := padTo8(m)
	if p.Rect != image.Rect(0, 0, 8, 8) {
		t.Fatalf("padded to %v", p.Rect)
	}
	for y := range 8 {
		for x := range 8 {
			want := m.RGBAAt(min(x, 2), min(y, 1))
			if got := p.RGBAAt(x, y); got != want {
				t.Fatalf("(%d,%d) = %v, want %v (edge replication)", x, y, got, want)
			}
		}
	}
	if padTo8(p) != p {
		t.Error("padTo8 copied an image that needs no padding")
	}
}

func TestDownscaleBox(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for x := range 4 {
		v := uint8(0)
		if x%2 == 1 {
			v = 200
		}
		m.SetRGBA(x, 0, color.RGBA{v, v, v, 255})
		m.SetRGBA(x, 1, color.RGBA{v, v, v, 255})
	}
	d := downscale(m, 2, 1)
	for x := range 2 {
		if c := d.RGBAAt(x, 0); c != (color.RGBA{100, 100, 100, 255}) {
			t.Errorf("pixel %d = %v, want the mean 100", x, c)
		}
	}
}

func TestTranscodeGray(t *testing.T) {
	src := grayJPEG(t, 40, 24)
	out, err := Transcode(src, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	info, err := jpeghdr.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if typ, err := info.RFC2435(); err != nil || typ != 1 {
		t.Fatalf("type %d, %v", typ, err)
	}
	if p := PSNR(decode(t, src), decode(t, out)); p < 35 {
		t.Errorf("PSNR %.2f", p)
	}
	if _, err := Transcode([]byte("junk"), 90, false); err == nil {
		t.Error("junk transcoded")
	}
}

func TestPSNR(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 4, 4))
	b := image.NewRGBA(image.Rect(0, 0, 8, 8)) // larger: common area compared
	if p := PSNR(a, b); !math.IsInf(p, 1) {
		t.Errorf("identical: %v, want +Inf", p)
	}
	for i := range b.Pix {
		b.Pix[i] = 10 // every R, G, B differs by 10: MSE 100
	}
	want := 10 * math.Log10(255*255/100.0)
	if p := PSNR(a, b); math.Abs(p-want) > 1e-9 {
		t.Errorf("PSNR = %v, want %v", p, want)
	}
	// Gray 0 equals RGBA black.
	if p := PSNR(image.NewGray(image.Rect(0, 0, 4, 4)), a); !math.IsInf(p, 1) {
		t.Errorf("gray vs black RGBA = %v, want +Inf", p)
	}
	if p := PSNR(a, image.NewRGBA(image.Rectangle{})); p != 0 {
		t.Errorf("empty: %v", p)
	}
}

func BenchmarkTranscode444(b *testing.B) {
	src := fixture(b, "video-001.q50.444.jpeg")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Transcode(src, 90, false); err != nil {
			b.Fatal(err)
		}
	}
}
