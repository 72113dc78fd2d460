package mjpeg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// readAll drains r, returning frames and their offsets.
func readAll(r *Reader) ([][]byte, []int64, error) {
	var frames [][]byte
	var offs []int64
	for {
		b, err := r.Next()
		if err != nil {
			return frames, offs, err
		}
		frames = append(frames, b)
		offs = append(offs, r.Offset())
	}
}

func TestReaderRoundTrip(t *testing.T) {
	frames := vectorFrames(t)
	frames = append(frames, testJPEG(t, 16, 16, 1), testJPEG(t, 33, 17, 2), fixture(t, "video-001.restart2.jpeg"))
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
	}
	for _, f := range []Format{FormatLab, FormatRaw} {
		file := encode(t, f, frames...)
		for name, wrap := range readers {
			t.Run(f.String()+"/"+name, func(t *testing.T) {
				r, err := NewReader(wrap(bytes.NewReader(file)), ReaderOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if r.Format() != f {
					t.Fatalf("format %v, want %v", r.Format(), f)
				}
				got, offs, err := readAll(r)
				if err != io.EOF {
					t.Fatalf("err = %v, want io.EOF", err)
				}
				if len(got) != len(frames) || r.Frames() != len(frames) {
					t.Fatalf("%d frames (Frames() %d), want %d", len(got), r.Frames(), len(frames))
				}
				for i := range frames {
					if !bytes.Equal(got[i], frames[i]) {
						t.Errorf("frame %d differs", i+1)
					}
					if !bytes.Equal(file[offs[i]:offs[i]+int64(len(frames[i]))], frames[i]) {
						t.Errorf("frame %d: Offset %d does not point at it", i+1, offs[i])
					}
				}
				if _, err := r.Next(); err != io.EOF {
					t.Errorf("second EOF: %v", err)
				}
				_, spans, err := indexFile(bytes.NewReader(file), int64(len(file)), ReaderOptions{})
				if err != nil {
					t.Fatalf("indexFile: %v", err)
				}
				if len(spans) != len(offs) {
					t.Fatalf("indexFile: %d spans, want %d", len(spans), len(offs))
				}
				for i, s := range spans {
					if s.Offset != offs[i] || s.Length != int64(len(frames[i])) {
						t.Errorf("span %d = %+v, want {%d %d}", i, s, offs[i], len(frames[i]))
					}
				}
			})
		}
	}
}

// TestReaderNextOwnsFrames checks that frames returned by Next survive
// later reads (they must not alias the read buffer).
func TestReaderNextOwnsFrames(t *testing.T) {
	a, b := testJPEG(t, 16, 16, 1), testJPEG(t, 16, 16, 9)
	r, err := NewReader(bytes.NewReader(encode(t, FormatRaw, a, b)), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fa, _ := r.Next()
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fa, a) {
		t.Fatal("first frame changed after reading the second")
	}
}

func TestReaderErrors(t *testing.T) {
	a, b := testJPEG(t, 16, 16, 1), testJPEG(t, 24, 16, 2)
	la, lb := len(a), len(b)
	lab := encode(t, FormatLab, a, b)
	raw := encode(t, FormatRaw, a, b)
	badSeg := bytes.Clone(b)
	badSeg[4], badSeg[5] = 0x00, 0x01 // APP0 length 1 (< 2)
	tests := []struct {
		name  string
		file  []byte
		opt   ReaderOptions
		want  string // exact error text
		is    error
		nGood int // frames returned before the error
	}{
		{"lab truncated frame", lab[:len(lab)-300], ReaderOptions{}, fmt.Sprintf("frame 2 at offset %d: truncated: want %d bytes, have %d", 5+la, lb, lb-300), ErrTruncated, 1},
		{"lab truncated header", lab[:5+la+3], ReaderOptions{}, fmt.Sprintf("frame 2 at offset %d: truncated: want a 5-byte length header, have 3 bytes", 5+la), ErrTruncated, 1},
		{"lab header only", lab[:5+la+5], ReaderOptions{}, fmt.Sprintf("frame 2 at offset %d: truncated: want %d bytes, have 0", 5+la, lb), ErrTruncated, 1},
		{"lab bad header", append(lab[:5+la:5+la], "12a45\xff\xd8"...), ReaderOptions{}, fmt.Sprintf(`frame 2 at offset %d: bad lab length header: "12a45" is not 5 decimal digits`, 5+la), ErrBadLength, 1},
		{"lab zero length", append(lab[:5+la:5+la], "00000"...), ReaderOptions{}, fmt.Sprintf("frame 2 at offset %d: bad lab length header: length 0", 5+la), ErrBadLength, 1},
		{"lab not jpeg", append(lab[:5+la:5+la], "00004abcd"...), ReaderOptions{}, fmt.Sprintf("frame 2 at offset %d: not a JPEG: 4-byte frame starts with 61 62, not SOI (FF D8)", 5+la), ErrNotJPEG, 1},
		{"lab trailing newline", append(bytes.Clone(lab), '\n'), ReaderOptions{}, fmt.Sprintf("frame 3 at offset %d: truncated: want a 5-byte length header, have 1 bytes", len(lab)), ErrTruncated, 2},
		{"lab too large", lab, ReaderOptions{MaxFrameBytes: la - 1}, fmt.Sprintf("frame 1 at offset 0: frame too large: %d bytes, limit %d", la, la-1), ErrFrameTooLarge, 0},
		{"raw truncated frame", raw[:len(raw)-300], ReaderOptions{}, fmt.Sprintf("frame 2 at offset %d: truncated: the file ends after %d bytes of this frame, before its EOI marker", la, lb-300), ErrTruncated, 1},
		{"raw truncated SOI", raw[:la+1], ReaderOptions{}, fmt.Sprintf("frame 2 at offset %d: not a JPEG: found ff where a frame should start (SOI FF D8)", la), ErrNotJPEG, 1},
		{"raw garbage between", append(append(bytes.Clone(a), "\n\x00"...), b...), ReaderOptions{}, fmt.Sprintf("frame 2 at offset %d: not a JPEG: found 0a 00 ff d8 ff db 00 84 where a frame should start (SOI FF D8)", la), ErrNotJPEG, 1},
		{"raw malformed", append(bytes.Clone(a), badSeg...), ReaderOptions{}, "", jpeghdr.ErrMalformed, 1},
		{"raw too large", raw, ReaderOptions{MaxFrameBytes: 100}, fmt.Sprintf("frame 1 at offset 0: frame too large: %d bytes, limit 100", la), ErrFrameTooLarge, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := readAll(r)
			if len(got) != tt.nGood {
				t.Errorf("%d good frames, want %d", len(got), tt.nGood)
			}
			if err == nil || err == io.EOF {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("error\n  %q\nwant\n  %q", err, tt.want)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Frame != tt.nGood+1 {
				t.Errorf("error %v is not a FrameError for frame %d", err, tt.nGood+1)
			}
			if _, err2 := r.Next(); err2 != err {
				t.Errorf("error not sticky: %v", err2)
			}
			if strings.HasPrefix(tt.name, "lab") && tt.opt.MaxFrameBytes == 0 {
				_, _, ierr := indexFile(bytes.NewReader(tt.file), int64(len(tt.file)), tt.opt)
				if ierr == nil || (tt.want != "" && ierr.Error() != tt.want) {
					t.Errorf("indexFile error %v, want %q", ierr, tt.want)
				}
			}
		})
	}
}

func TestNewReaderErrors(t *testing.T) {
	if _, err := NewReader(bytes.NewReader(nil), ReaderOptions{}); !errors.Is(err, ErrNoFrames) {
		t.Errorf("empty: %v, want ErrNoFrames", err)
	}
	if _, err := NewReader(strings.NewReader("GIF89a...."), ReaderOptions{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("gif: %v, want ErrUnknownFormat", err)
	}
	// A frame whose entropy data never ends stops at MaxFrameBytes.
	endless := io.MultiReader(bytes.NewReader(testJPEG(t, 16, 16, 1)[:600]), zeros{})
	r, err := NewReader(endless, ReaderOptions{MaxFrameBytes: 200000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err == nil || err.Error() != "frame 1 at offset 0: frame too large: no EOI marker within 200000 bytes (limit)" {
		t.Errorf("endless frame: %v", err)
	}
	r, err = NewReader(io.MultiReader(bytes.NewReader(testJPEG(t, 16, 16, 1)[:100]), iotest.ErrReader(iotest.ErrTimeout)), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("read error: %v, want it wrapped", err)
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	frames := [][]byte{testJPEG(t, 16, 16, 1), testJPEG(t, 16, 16, 2), testJPEG(t, 16, 16, 3)}
	writeFile(t, dir, "b.JPEG", frames[1])
	writeFile(t, dir, "a.jpg", frames[0])
	writeFile(t, dir, "c.jpeg", append(bytes.Clone(frames[2]), "trailing junk"...))
	writeFile(t, dir, "notes.txt", []byte("not a frame"))
	writeFile(t, dir, ".hidden.jpg", []byte("skipped"))
	if err := os.Mkdir(filepath.Join(dir, "sub.jpg"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Format() != FormatDir {
		t.Errorf("format %v", r.Format())
	}
	got, _, err := readAll(r)
	if err != io.EOF || len(got) != 3 {
		t.Fatalf("%d frames, err %v; want 3, EOF", len(got), err)
	}
	for i := range frames {
		if !bytes.Equal(got[i], frames[i]) {
			t.Errorf("frame %d differs (name order, trailing bytes dropped)", i+1)
		}
	}

	writeFile(t, dir, "d.jpg", frames[0][:200])
	r, _ = Open(dir, ReaderOptions{})
	_, _, err = readAll(r)
	if want := "frame 4 (d.jpg): truncated: 200 bytes without an EOI marker"; err == nil || err.Error() != want {
		t.Errorf("truncated file: %v, want %q", err, want)
	}

	empty := t.TempDir()
	if _, err := Open(empty, ReaderOptions{}); !errors.Is(err, ErrNoFrames) {
		t.Errorf("empty dir: %v, want ErrNoFrames", err)
	}
	if _, err := Open(filepath.Join(empty, "missing"), ReaderOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := writeFile(t, empty, "x.mjpeg", []byte("hello"))
	if _, err := Open(bad, ReaderOptions{}); err == nil || !strings.HasPrefix(err.Error(), bad+": unknown frame file format") {
		t.Errorf("bad file: %v", err)
	}
}

func BenchmarkReaderRaw(b *testing.B) {
	frames := vectorFrames(b)
	file := encode(b, FormatRaw, frames...)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(file), ReaderOptions{})
		for {
			if _, err := r.next(); err != nil {
				break
			}
		}
	}
}
