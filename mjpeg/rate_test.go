package mjpeg

import (
	"bytes"
	"image/jpeg"
	"testing"
)

func TestRateRoundTrip(t *testing.T) {
	f := testJPEG(t, 32, 16, 1)
	if _, ok := RateOf(f); ok {
		t.Fatal("a plain frame declares a rate")
	}
	for _, fps := range []float64{30, 29.97, 0.5} {
		g := WithRate(f, fps)
		if got, ok := RateOf(g); !ok || got != fps {
			t.Fatalf("RateOf(WithRate(%v)) = %v %v", fps, got, ok)
		}
		// Still the same picture, still carriable as it was.
		if _, err := jpeg.Decode(bytes.NewReader(g)); err != nil {
			t.Fatalf("frame with a rate comment does not decode: %v", err)
		}
		if _, _, err := MakeCarriable(g, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := WithRate([]byte("not a jpeg"), 30); string(got) != "not a jpeg" {
		t.Fatal("a non-JPEG changed")
	}
}

func FuzzRateOf(f *testing.F) {
	f.Add(WithRate([]byte{0xFF, 0xD8, 0xFF, 0xD9}, 30))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xFE, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if fps, ok := RateOf(b); ok && !(fps > 0 && fps <= 1000) {
			t.Fatalf("rate %v", fps)
		}
	})
}
