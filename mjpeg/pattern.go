package mjpeg

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"sync"
)

// Pattern renders a moving, recognisable test video: SMPTE-style 75% colour
// bars over a grey scale, a bouncing box, a scanning line, the frame number,
// a clock (time = frame/fps) and the size and rate, drawn with a tiny
// built-in bitmap font. Frames are baseline 4:2:0 JPEG with the standard
// Huffman tables (image/jpeg), so RFC 2435 carries them unchanged. A Pattern
// is safe for concurrent use.
type Pattern struct {
	width, height int
	fps           float64
	quality       int
	period        int // frames per motion cycle
	bg            *image.YCbCr
	pool          sync.Pool // *image.YCbCr scratch frames
}

// NewPattern returns a width x height pattern at fps frames per second
// encoded at quality (1..100). The motion repeats every period frames (0
// means 5 seconds' worth), so a loop of exactly period frames plays
// seamlessly. Sizes must be 16..2040 (RFC 2435's limit, §3.1.5).
func NewPattern(width, height int, fps float64, quality, period int) (*Pattern, error) {
	switch {
	case width < 16 || height < 16 || width > MaxDimension || height > MaxDimension:
		return nil, fmt.Errorf("%w: %dx%d, want 16x16..%dx%d", ErrSize, width, height, MaxDimension, MaxDimension)
	case !(fps > 0) || math.IsInf(fps, 0) || fps > 1000:
		return nil, fmt.Errorf("bad frame rate %v, want 0 < fps <= 1000", fps)
	case quality < 1 || quality > 100:
		return nil, fmt.Errorf("bad JPEG quality %d, want 1..100", quality)
	case period < 0:
		return nil, fmt.Errorf("bad motion period %d", period)
	}
	if period == 0 {
		period = max(2, int(math.Round(5*fps)))
	}
	p := &Pattern{width: width, height: height, fps: fps, quality: quality, period: period}
	p.bg = p.background()
	return p, nil
}

// Size returns the pattern's width and height.
func (p *Pattern) Size() (int, int) { return p.width, p.height }

// Pattern colours (8-bit RGB, 75% bars as in SMPTE EG 1).
var (
	barColors = []color.RGBA{
		{191, 191, 191, 255}, {191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255},
		{191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255},
	}
	castColors = []color.RGBA{
		{0, 0, 191, 255}, {19, 19, 19, 255}, {191, 0, 191, 255}, {19, 19, 19, 255},
		{0, 191, 191, 255}, {19, 19, 19, 255}, {191, 191, 191, 255},
	}
	white = ycc(color.RGBA{255, 255, 255, 255})
	black = ycc(color.RGBA{0, 0, 0, 255})
	red   = ycc(color.RGBA{255, 0, 0, 255})
)

func ycc(c color.RGBA) color.YCbCr {
	y, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
	return color.YCbCr{Y: y, Cb: cb, Cr: cr}
}

// layout returns the bottom of the bars and of the castellations.
func (p *Pattern) layout() (barsEnd, castEnd int) {
	return mcu(p.height*7/12, p.height), mcu(p.height*8/12, p.height)
}

// mcu rounds a static edge to the nearest 16-pixel MCU boundary (at most
// limit): an edge between blocks costs no AC coefficients, one inside a
// block costs many, and static edges are most of the picture's edges. It
// keeps a 640x480 frame at quality 80 well under the lab client's
// 20480-byte datagrams.
func mcu(v, limit int) int { return min((v+8)&^15, limit) }

// scale is the font magnification.
func (p *Pattern) scale() int { return max(1, min(p.height/120, p.width/160)) }

// background renders the static part.
func (p *Pattern) background() *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, p.width, p.height), image.YCbCrSubsampleRatio420)
	barsEnd, castEnd := p.layout()
	n := len(barColors)
	for i := range n {
		x0, x1 := mcu(i*p.width/n, p.width), mcu((i+1)*p.width/n, p.width)
		fillRect(m, image.Rect(x0, 0, x1, barsEnd), ycc(barColors[i]))
		fillRect(m, image.Rect(x0, barsEnd, x1, castEnd), ycc(castColors[i]))
	}
	// Grey scale in 11 flat steps, black to white, left to right.
	const steps = 11
	for i := range steps {
		v := uint8(i * 255 / (steps - 1))
		x0, x1 := mcu(i*p.width/steps, p.width), mcu((i+1)*p.width/steps, p.width)
		fillRect(m, image.Rect(x0, castEnd, x1, p.height), color.YCbCr{Y: v, Cb: 128, Cr: 128})
	}
	return m
}

// triangle maps a phase in [0,1) to a triangle wave 0..1..0.
func triangle(ph float64) float64 {
	ph -= math.Floor(ph)
	if ph < 0.5 {
		return 2 * ph
	}
	return 2 - 2*ph
}

// Frame renders frame n (n >= 0; the clock shows n/fps) as a JPEG.
func (p *Pattern) Frame(n int) []byte {
	n = max(n, 0)
	m, _ := p.pool.Get().(*image.YCbCr)
	if m == nil {
		m = image.NewYCbCr(p.bg.Rect, image.YCbCrSubsampleRatio420)
	}
	defer p.pool.Put(m)
	copy(m.Y, p.bg.Y)
	copy(m.Cb, p.bg.Cb)
	copy(m.Cr, p.bg.Cr)
	p.draw(m, n)
	var buf bytes.Buffer
	buf.Grow(p.width * p.height / 4)
	// Encoding an in-memory image into a bytes.Buffer cannot fail.
	_ = jpeg.Encode(&buf, m, &jpeg.Options{Quality: p.quality})
	return buf.Bytes()
}

// draw paints the moving parts of frame n.
func (p *Pattern) draw(m *image.YCbCr, n int) {
	w, h := p.width, p.height
	barsEnd, castEnd := p.layout()
	ph := float64(n%p.period) / float64(p.period)
	sc := p.scale()

	// Bouncing box over the bars: white frame, coloured core whose hue
	// cycles, black centre dot.
	s := max(8, h/6) &^ 1
	bx := int(triangle(ph) * float64(w-s))
	by := int(triangle(2*ph+0.25) * float64(max(0, barsEnd-s)))
	fillRect(m, image.Rect(bx, by, bx+s, by+s), white)
	b := max(2, s/10)
	fillRect(m, image.Rect(bx+b, by+b, bx+s-b, by+s-b), ycc(hue(ph)))
	c := max(2, s/5)
	fillRect(m, image.Rect(bx+s/2-c/2, by+s/2-c/2, bx+s/2+c/2, by+s/2+c/2), black)

	// Scanning red line over the grey scale.
	lx := (n % p.period) * w / p.period
	fillRect(m, image.Rect(lx, castEnd, lx+max(2, w/160), h), red)

	// Texts: frame number top left, size and rate top right, clock bottom
	// left.
	margin := 2 * sc
	drawText(m, margin, margin, sc, fmt.Sprintf("#%06d", n))
	info := fmt.Sprintf("%dx%d %sfps", w, h, trimFloat(p.fps))
	drawText(m, w-margin-textWidth(info, sc), margin, sc, info)
	t := float64(n) / p.fps
	ms := int64(math.Round(t * 1000))
	clock := fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
	drawText(m, margin, h-margin-(glyphH+2)*sc, sc, clock)
}

func trimFloat(f float64) string { return fmt.Sprintf("%g", math.Round(f*100)/100) }

// hue returns a saturated colour for a phase in [0,1).
func hue(ph float64) color.RGBA {
	h := ph * 6
	x := uint8(255 * (1 - math.Abs(math.Mod(h, 2)-1)))
	switch int(h) % 6 {
	case 0:
		return color.RGBA{255, x, 0, 255}
	case 1:
		return color.RGBA{x, 255, 0, 255}
	case 2:
		return color.RGBA{0, 255, x, 255}
	case 3:
		return color.RGBA{0, x, 255, 255}
	case 4:
		return color.RGBA{x, 0, 255, 255}
	}
	return color.RGBA{255, 0, x, 255}
}

// textWidth is the pixel width drawText uses for s.
func textWidth(s string, sc int) int { return (len(s)*glyphAdv + 1) * sc }

// drawText draws s in white on a black box whose top-left corner is (x, y),
// each font pixel sc x sc.
func drawText(m *image.YCbCr, x, y, sc int, s string) {
	fillRect(m, image.Rect(x, y, x+textWidth(s, sc), y+(glyphH+2)*sc), black)
	for i, r := range s {
		g, ok := glyphs[r]
		if !ok {
			continue
		}
		gx := x + (1+i*glyphAdv)*sc
		for row, bits := range g {
			for col := range glyphW {
				if bits[col] == '#' {
					px, py := gx+col*sc, y+(1+row)*sc
					fillRect(m, image.Rect(px, py, px+sc, py+sc), white)
				}
			}
		}
	}
}

// fillRect paints r (clipped) on a 4:2:0 image. Chroma samples partly
// covered by r are painted too.
func fillRect(m *image.YCbCr, r image.Rectangle, c color.YCbCr) {
	r = r.Intersect(m.Rect)
	if r.Empty() {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := m.Y[y*m.YStride+r.Min.X : y*m.YStride+r.Max.X]
		for i := range row {
			row[i] = c.Y
		}
	}
	cx0, cx1 := r.Min.X/2, (r.Max.X+1)/2
	for cy := r.Min.Y / 2; cy < (r.Max.Y+1)/2; cy++ {
		o := cy * m.CStride
		for cx := cx0; cx < cx1; cx++ {
			m.Cb[o+cx] = c.Cb
			m.Cr[o+cx] = c.Cr
		}
	}
}

// Render renders frames start..start+count-1 concurrently on a bounded
// worker pool (runtime.GOMAXPROCS goroutines), returned in order.
func (p *Pattern) Render(ctx context.Context, start, count int) ([][]byte, error) {
	out := make([][]byte, max(count, 0))
	err := forEach(ctx, len(out), func(i int) error {
		out[i] = p.Frame(start + i)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PatternVideo renders a seamless loop of frames pattern frames (the
// motion period equals the loop) into a Video, concurrently. The server's
// built-in /test stream is PatternVideo(640, 480, 30, 150, q).
func PatternVideo(width, height int, fps float64, frames, quality int) (*Video, error) {
	if frames < 1 {
		return nil, fmt.Errorf("%w: pattern of %d frames", ErrNoFrames, frames)
	}
	p, err := NewPattern(width, height, fps, quality, max(frames, 2))
	if err != nil {
		return nil, err
	}
	f, err := p.Render(context.Background(), 0, frames)
	if err != nil {
		return nil, err
	}
	return &Video{Frames: f, Source: f, Width: width, Height: height, Format: FormatPattern, Chroma: "4:2:0"}, nil
}
