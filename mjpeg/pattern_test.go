package mjpeg

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

func TestPatternFrames(t *testing.T) {
	p, err := NewPattern(640, 480, 30, 80, 0)
	if err != nil {
		t.Fatal(err)
	}
	f0, f1 := p.Frame(0), p.Frame(1)
	info, err := jpeghdr.Parse(f0)
	if err != nil {
		t.Fatal(err)
	}
	if typ, err := info.RFC2435(); err != nil || typ != 1 || info.Width != 640 || info.Height != 480 {
		t.Fatalf("pattern frame: type %d err %v %dx%d; want type 1 (4:2:0) 640x480", typ, err, info.Width, info.Height)
	}
	if !bytes.Equal(f0, p.Frame(0)) {
		t.Error("Frame(0) is not deterministic")
	}
	// Consecutive frames differ visibly: the frame counter (top left) and
	// the moving parts.
	a, b := decode(t, f0).(*image.YCbCr), decode(t, f1).(*image.YCbCr)
	diff := func(a, b *image.YCbCr, r image.Rectangle) float64 {
		var s, n int
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				d := int(a.Y[a.YOffset(x, y)]) - int(b.Y[b.YOffset(x, y)])
				s += max(d, -d)
				n++
			}
		}
		return float64(s) / float64(n)
	}
	if d := diff(a, b, image.Rect(0, 0, 640, 480)); d < 0.5 {
		t.Errorf("whole frame mean |dY| = %.2f, want visible motion", d)
	}
	if d := diff(a, b, image.Rect(0, 0, 200, 40)); d < 5 {
		t.Errorf("frame counter region mean |dY| = %.2f, want a visible change", d)
	}
	// A far frame moves the box a lot.
	c := decode(t, p.Frame(40)).(*image.YCbCr)
	if d := diff(a, c, image.Rect(0, 40, 640, 280)); d < 5 {
		t.Errorf("bars region frame 0 vs 40: mean |dY| = %.2f, want the box to have moved", d)
	}
}

func TestPatternVideo(t *testing.T) {
	v, err := PatternVideo(320, 240, 25, 10, 75)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Frames) != 10 || v.Width != 320 || v.Height != 240 || v.Format != FormatPattern || v.Chroma != "4:2:0" {
		t.Fatalf("%d frames %dx%d %v %q", len(v.Frames), v.Width, v.Height, v.Format, v.Chroma)
	}
	checkCarriable(t, v)
	p, _ := NewPattern(320, 240, 25, 75, 10)
	for i, f := range v.Frames {
		if !bytes.Equal(f, p.Frame(i)) {
			t.Errorf("frame %d differs from a sequential render", i)
		}
	}
	// Odd sizes work too (RFC 2435 carries them rounded up).
	if v, err := PatternVideo(100, 50, 30, 2, 50); err != nil || v.Width != 100 {
		t.Errorf("100x50: %v", err)
	}
}

func TestPatternErrors(t *testing.T) {
	tests := []struct {
		w, h    int
		fps     float64
		q, per  int
		wantErr bool
	}{
		{640, 480, 30, 80, 0, false},
		{16, 16, 1, 1, 2, false},
		{2040, 2040, 30, 100, 0, false},
		{15, 480, 30, 80, 0, true},
		{2041, 480, 30, 80, 0, true},
		{640, 480, 0, 80, 0, true},
		{640, 480, -1, 80, 0, true},
		{640, 480, 30, 0, 0, true},
		{640, 480, 30, 101, 0, true},
		{640, 480, 30, 80, -1, true},
	}
	for _, tt := range tests {
		_, err := NewPattern(tt.w, tt.h, tt.fps, tt.q, tt.per)
		if (err != nil) != tt.wantErr {
			t.Errorf("NewPattern(%d, %d, %v, %d, %d) err = %v, wantErr %v", tt.w, tt.h, tt.fps, tt.q, tt.per, err, tt.wantErr)
		}
	}
	if _, err := PatternVideo(640, 480, 30, 0, 80); !errors.Is(err, ErrNoFrames) {
		t.Errorf("0 frames: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, _ := NewPattern(64, 64, 30, 80, 0)
	if _, err := p.Render(ctx, 0, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled render: %v", err)
	}
}

func BenchmarkPatternFrame640x480(b *testing.B) {
	p, _ := NewPattern(640, 480, 30, 80, 150)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		p.Frame(n)
		n++
	}
}

func BenchmarkPatternVideo150(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PatternVideo(640, 480, 30, 150, 80); err != nil {
			b.Fatal(err)
		}
	}
}
