package mjpeg

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// fuzzSeeds are inputs shared by both reader fuzz targets (besides the
// committed corpus in testdata/fuzz).
func fuzzSeeds(f *testing.F, format Format) {
	a, b := testJPEG(f, 16, 16, 1), testJPEG(f, 8, 24, 2)
	whole := encode(f, format, a, b)
	f.Add(whole)
	f.Add(whole[:len(whole)-7])
	f.Add(encode(f, format, fixture(f, "video-001.restart2.jpeg")))
	f.Add(encode(f, format, fixture(f, "video-001.q50.420.progressive.jpeg")))
	f.Add([]byte("00004\xff\xd8\xff\xd9"))
	f.Add([]byte("\xff\xd8\xff\xd9\xff\xd8\xff\xd9"))
	f.Add([]byte("00000\xff\xd8"))
	f.Add([]byte("\xff\xd8\xff\xda\x00\x02\xff\x00\xff\xd0\xff\xd9"))
	f.Add([]byte{})
}

// checkReader reads data with the reader made by mk and checks the
// invariants every frame source must keep on any input; it returns the
// frames and the final error for differential checks.
func checkReader(t *testing.T, data []byte, format Format, mk func(io.Reader) (*Reader, error)) ([][]byte, error) {
	r, err := mk(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var frames [][]byte
	end := int64(0)
	for {
		fr, err := r.Next()
		if err == io.EOF {
			if end != int64(len(data)) {
				t.Fatalf("clean EOF after %d of %d bytes", end, len(data))
			}
			return frames, nil
		}
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Frame != len(frames)+1 || fe.Offset != end {
				t.Fatalf("error %v is not a FrameError for frame %d at %d", err, len(frames)+1, end)
			}
			return frames, err
		}
		if len(fr) < 2 || fr[0] != 0xFF || fr[1] != 0xD8 {
			t.Fatalf("frame %d does not start with SOI: % x", len(frames)+1, fr[:min(2, len(fr))])
		}
		off := r.Offset()
		if format == FormatLab {
			if len(fr) > LabMaxFrame || off != end+labHeaderLen {
				t.Fatalf("lab frame %d: %d bytes at %d (prev end %d)", len(frames)+1, len(fr), off, end)
			}
		} else {
			if off != end {
				t.Fatalf("raw frame %d at %d, prev end %d", len(frames)+1, off, end)
			}
			if n, err := jpeghdr.FrameLength(fr); err != nil || n != len(fr) {
				t.Fatalf("raw frame %d: FrameLength %d, %v; len %d", len(frames)+1, n, err, len(fr))
			}
		}
		if !bytes.Equal(data[off:off+int64(len(fr))], fr) {
			t.Fatalf("frame %d does not match the input at its offset", len(frames)+1)
		}
		end = off + int64(len(fr))
		frames = append(frames, fr)
	}
}

// fuzzReader runs the shared checks for one format.
func fuzzReader(t *testing.T, data []byte, format Format) {
	opt := ReaderOptions{MaxFrameBytes: 1 << 20}
	detected := func(r io.Reader) (*Reader, error) { return NewReader(r, opt) }
	forced := func(r io.Reader) (*Reader, error) {
		return &Reader{src: r, format: format, max: opt.MaxFrameBytes, buf: make([]byte, 64)}, nil
	}
	frames, err := checkReader(t, data, format, forced)
	// Tiny reads and a tiny initial buffer must give the same result.
	oneByte := func(r io.Reader) (*Reader, error) { return forced(iotest.OneByteReader(r)) }
	frames2, err2 := checkReader(t, data, format, oneByte)
	if len(frames) != len(frames2) || (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
		t.Fatalf("whole reads: %d frames, %v; one-byte reads: %d frames, %v", len(frames), err, len(frames2), err2)
	}
	if err == nil && len(frames) > 0 {
		// A clean read round-trips through the Writer byte for byte.
		if got := encode(t, format, frames...); !bytes.Equal(got, data) {
			t.Fatalf("round trip differs")
		}
	}
	// indexFile agrees with the reader.
	if f, derr := Detect(data[:min(len(data), DetectLen)]); derr == nil && f == format {
		_, spans, ierr := indexFile(bytes.NewReader(data), int64(len(data)), opt)
		if (ierr == nil) != (err == nil) || len(spans) != len(frames) {
			t.Fatalf("indexFile: %d spans, %v; reader: %d frames, %v", len(spans), ierr, len(frames), err)
		}
		if format == FormatLab && ierr != nil && ierr.Error() != err.Error() {
			t.Fatalf("indexFile error %q, reader error %q", ierr, err)
		}
		if _, err := checkReader(t, data, format, detected); (err == nil) != (ierr == nil) {
			t.Fatalf("detected reader: %v, indexFile %v", err, ierr)
		}
	}
}

func FuzzLabReader(f *testing.F) {
	fuzzSeeds(f, FormatLab)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzReader(t, data, FormatLab) })
}

func FuzzRawReader(f *testing.F) {
	fuzzSeeds(f, FormatRaw)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzReader(t, data, FormatRaw) })
}
