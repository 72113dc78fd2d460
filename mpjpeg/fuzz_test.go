package mpjpeg

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzReader feeds arbitrary bodies and Content-Types to Reader. It must not
// panic, must end (each call consumes input), must return only complete
// JPEGs within MaxPartBytes, and must fail only with the package's errors.
// Each frame must also survive a Writer/Reader round trip unchanged. The
// seed corpus in testdata/fuzz/FuzzReader holds streams of the shapes cameras
// send (ffmpeg, declared/quoted/wrong boundary, no Content-Length, LF line
// ends, junk, truncation, a 2 GiB claim).
func FuzzReader(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xd9\r\n--b--"), "multipart/x-mixed-replace;boundary=b")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		opt := Options{MaxPartBytes: 64 << 10, MaxHeaderBytes: 1 << 10}
		r := NewReader(bytes.NewReader(body), contentType, opt)
		var frames [][]byte
		var err error
		for range len(body) + 2 {
			var fr []byte
			if fr, err = r.Next(); err != nil {
				break
			}
			if len(fr) < 4 || fr[0] != 0xFF || fr[1] != 0xD8 || fr[len(fr)-2] != 0xFF || fr[len(fr)-1] != 0xD9 {
				t.Fatalf("frame % x... is not SOI..EOI", fr[:min(len(fr), 8)])
			}
			if len(fr) > opt.MaxPartBytes {
				t.Fatalf("frame of %d bytes over the %d limit", len(fr), opt.MaxPartBytes)
			}
			frames = append(frames, fr)
		}
		if err == nil {
			t.Fatalf("%d frames from %d bytes and no end", len(frames), len(body))
		}
		known := []error{io.EOF, ErrNoBoundary, ErrPartTooLarge, ErrHeaderTooLarge, ErrTruncated}
		if !matchesAny(err, known) {
			t.Fatalf("unexpected error %v", err)
		}
		if len(frames) == 0 {
			return
		}
		var buf bytes.Buffer
		w := NewWriter(&buf, "")
		for _, fr := range frames {
			if err := w.WriteFrame(fr, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		back, err := readAll(t, NewReader(&buf, w.ContentType(), opt), len(frames)+1)
		if err != io.EOF || len(back) != len(frames) {
			t.Fatalf("round trip: %d of %d frames, %v", len(back), len(frames), err)
		}
		for i := range back {
			if !bytes.Equal(back[i], frames[i]) {
				t.Fatalf("round trip: frame %d differs", i)
			}
		}
	})
}

func matchesAny(err error, targets []error) bool {
	for _, e := range targets {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
