//go:build cgo

package main

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/player"
)

// TestTurboDecoderMatchesGo: libjpeg-turbo's pictures land in the given
// buffer and agree with the pure-Go decoder's. The two differ in chroma
// upsampling (libjpeg-turbo interpolates, image/jpeg replicates: about 30 dB
// apart on the q5 vectors' coarse chroma, 34 on the pattern's colour edges);
// with replicated upsampling (TJFLAG_FASTUPSAMPLE) they must agree to 40 dB,
// which pins channel order, stride and size.
func TestTurboDecoderMatchesGo(t *testing.T) {
	d, err := newTurboDecoder()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(testenv.SharedPath(t, "vectors"), "frames_640x480_q5*", "*.jpg"))
	if len(files) == 0 {
		t.Fatal("no vector frames")
	}
	pattern, err := mjpeg.PatternVideo(640, 480, 30, 3, 80)
	if err != nil {
		t.Fatal(err)
	}
	type frame struct {
		name    string
		b       []byte
		minPSNR float64
	}
	var frames []frame
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, frame{filepath.Base(f), b, 28})
	}
	for i, b := range pattern.Frames {
		frames = append(frames, frame{"pattern " + string(rune('0'+i)), b, 32})
	}
	for _, fr := range frames {
		f, b := fr.name, fr.b
		var handed *image.RGBA
		buffer := func(w, h int) *image.RGBA {
			handed = image.NewRGBA(image.Rect(0, 0, w, h))
			return handed
		}
		got, err := d.decode(b, buffer)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got != handed {
			t.Fatalf("%s: picture not taken from the buffer", f)
		}
		want, err := player.DecodeJPEG(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p := mjpeg.PSNR(got, want); p < fr.minPSNR {
			t.Errorf("%s: libjpeg-turbo vs image/jpeg PSNR %.1f dB < %.0f", f, p, fr.minPSNR)
		} else {
			t.Logf("%s: %.1f dB", f, p)
		}
	}
	replicate, err := newTurboDecoder()
	if err != nil {
		t.Fatal(err)
	}
	replicate.flags = tjFastUpsample
	for _, fr := range frames {
		got, err := replicate.decode(fr.b, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := player.DecodeJPEG(fr.b, nil)
		if p := mjpeg.PSNR(got, want); p < 40 {
			t.Errorf("%s: with replicated chroma, libjpeg-turbo vs image/jpeg PSNR %.1f dB < 40", fr.name, p)
		}
	}
	if _, err := d.decode([]byte{0xff, 0xd8, 0xff}, nil); err == nil {
		t.Error("truncated JPEG decoded without error")
	}
}

// BenchmarkDecode compares the two decoders on a 640x480 test-pattern frame.
func BenchmarkDecode(b *testing.B) {
	v, err := mjpeg.PatternVideo(640, 480, 30, 1, 80)
	if err != nil {
		b.Fatal(err)
	}
	frame := v.Frames[0]
	buf := image.NewRGBA(image.Rect(0, 0, 640, 480))
	buffer := func(w, h int) *image.RGBA { return buf }
	td, err := newTurboDecoder()
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []struct {
		name string
		fn   player.Decoder
	}{{"libjpeg-turbo", td.decode}, {"image-jpeg", player.DecodeJPEG}} {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.fn(frame, buffer); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
