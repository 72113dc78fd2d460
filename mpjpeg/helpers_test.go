package mpjpeg

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"strconv"
	"testing"
)

// testJPEG encodes a small w x h JPEG whose colour depends on seed, so that
// frames are distinguishable.
func testJPEG(tb testing.TB, w, h int, seed byte) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: seed, G: byte(x * 8), B: byte(y * 8), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// part builds one multipart part: "--"+boundary line, the given header
// lines, a blank line, data. eol is the line end to use.
func part(boundary, eol string, headers []string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("--" + boundary + eol)
	for _, h := range headers {
		b.WriteString(h + eol)
	}
	b.WriteString(eol)
	b.Write(data)
	b.WriteString(eol)
	return b.Bytes()
}

// ffmpegPart is a part as `ffmpeg -f mpjpeg` writes it.
func ffmpegPart(data []byte) []byte {
	return part("ffmpeg", "\r\n", []string{"Content-type: image/jpeg", "Content-length: " + strconv.Itoa(len(data))}, data)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// readAll drains r (bounded by max frames) and returns the frames and the
// error that ended it.
func readAll(tb testing.TB, r *Reader, max int) ([][]byte, error) {
	tb.Helper()
	var frames [][]byte
	for range max {
		f, err := r.Next()
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
	}
	tb.Fatalf("more than %d frames", max)
	return nil, nil
}

// endless is a reader that repeats a pattern, up to n bytes in all.
func endless(pattern []byte, n int64) io.Reader {
	return io.LimitReader(&repeater{p: pattern}, n)
}

type repeater struct {
	p   []byte
	off int
}

func (r *repeater) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		c := copy(b[n:], r.p[r.off:])
		n += c
		r.off = (r.off + c) % len(r.p)
	}
	return n, nil
}

// isErr reports whether err matches want (nil means no error).
func isErr(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}
