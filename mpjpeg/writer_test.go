package mpjpeg

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestWriterRoundTrip(t *testing.T) {
	frames := [][]byte{testJPEG(t, 16, 16, 1), testJPEG(t, 32, 8, 2), testJPEG(t, 8, 8, 3)}
	for _, boundary := range []string{"", "frame", "a b:c", "--dashes"} {
		var buf bytes.Buffer
		w := NewWriter(&buf, boundary)
		ts := time.Unix(1700000000, 123456000)
		for i, f := range frames {
			if err := w.WriteFrame(f, ts.Add(time.Duration(i)*40*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
		if !strings.Contains(buf.String(), "X-Timestamp: 1700000000.163456\r\n") {
			t.Errorf("boundary %q: no X-Timestamp of the second frame in %q", boundary, buf.String()[:200])
		}
		r := NewReader(&buf, w.ContentType(), Options{})
		got, err := readAll(t, r, 10)
		if err != io.EOF || len(got) != len(frames) {
			t.Fatalf("boundary %q: %d frames, err %v", boundary, len(got), err)
		}
		for i := range got {
			if !bytes.Equal(got[i], frames[i]) {
				t.Errorf("boundary %q: frame %d differs", boundary, i)
			}
		}
		if r.Skipped() != 0 || r.Boundary() != "--"+w.Boundary() {
			t.Errorf("boundary %q: skipped %d, reader boundary %q", boundary, r.Skipped(), r.Boundary())
		}
	}
}

// TestWriterLayout pins the bytes of two parts: the delimiter follows each
// frame at once so a browser shows it without waiting for the next.
func TestWriterLayout(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, "b")
	if w.ContentType() != "multipart/x-mixed-replace; boundary=b" {
		t.Fatalf("ContentType = %q", w.ContentType())
	}
	_ = w.WriteFrame([]byte("\xff\xd8A\xff\xd9"), time.Time{})
	_ = w.WriteFrame([]byte("\xff\xd8B\xff\xd9"), time.UnixMicro(5))
	want := "--b\r\nContent-Type: image/jpeg\r\nContent-Length: 5\r\n\r\n\xff\xd8A\xff\xd9\r\n--b\r\n" +
		"Content-Type: image/jpeg\r\nContent-Length: 5\r\nX-Timestamp: 0.000005\r\n\r\n\xff\xd8B\xff\xd9\r\n--b\r\n"
	if buf.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestWriterBadBoundary(t *testing.T) {
	for _, b := range []string{"a\r\nb", strings.Repeat("x", 71), "trailing ", "semi;colon", "é"} {
		if err := NewWriter(io.Discard, b).WriteFrame([]byte{0xFF, 0xD8, 0xFF, 0xD9}, time.Now()); !errors.Is(err, ErrBadBoundary) {
			t.Errorf("boundary %q: err = %v, want ErrBadBoundary", b, err)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriterError(t *testing.T) {
	if err := NewWriter(failWriter{}, "").WriteFrame([]byte{1}, time.Now()); err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("err = %v", err)
	}
}

func TestWriterAllocs(t *testing.T) {
	w := NewWriter(io.Discard, "")
	f := testJPEG(t, 16, 16, 9)
	ts := time.Now()
	if n := testing.AllocsPerRun(100, func() { _ = w.WriteFrame(f, ts) }); n != 0 {
		t.Fatalf("WriteFrame allocates %v times per frame", n)
	}
}

func BenchmarkWriter(b *testing.B) {
	w := NewWriter(io.Discard, "")
	f := testJPEG(b, 64, 64, 9)
	ts := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		_ = w.WriteFrame(f, ts)
	}
}

// TestWriterAdvanceHeaders: with advance headers, each frame is followed at
// once by the delimiter and the next part's complete header block, and
// the Reader reads the frames back (parts without Content-Length).
func TestWriterAdvanceHeaders(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, "b")
	w.SetAdvanceHeaders()
	frames := [][]byte{{0xFF, 0xD8, 1, 0xFF, 0xD9}, {0xFF, 0xD8, 2, 2, 0xFF, 0xD9}}
	for _, f := range frames {
		if err := w.WriteFrame(f, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	want := "--b\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\x01\xff\xd9" +
		"\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\x02\x02\xff\xd9" +
		"\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n"
	if got := buf.String(); got != want {
		t.Fatalf("body\n%q\nwant\n%q", got, want)
	}
	r := NewReader(bytes.NewReader(buf.Bytes()), w.ContentType(), Options{})
	for i, f := range frames {
		got, err := r.Next()
		if err != nil || !bytes.Equal(got, f) {
			t.Fatalf("frame %d: % x, %v; want % x", i, got, err, f)
		}
	}
}
