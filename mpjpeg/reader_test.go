package mpjpeg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReader(t *testing.T) {
	a, b, c := testJPEG(t, 16, 16, 10), testJPEG(t, 16, 16, 120), testJPEG(t, 24, 8, 240)
	cl := func(d []byte) string { return "Content-Length: " + strconv.Itoa(len(d)) }
	const jt = "Content-Type: image/jpeg"
	const mixed = "multipart/x-mixed-replace;boundary="
	text := []byte("hello, not a jpeg")
	tests := []struct {
		name    string
		ct      string
		body    []byte
		opt     Options
		want    [][]byte
		skipped uint64
		err     error // after the frames; io.EOF for a clean end
	}{
		{"ffmpeg octet-stream", "application/octet-stream", cat(ffmpegPart(a), ffmpegPart(b), ffmpegPart(c)), Options{}, [][]byte{a, b, c}, 0, io.EOF},
		{"ffmpeg no trailing CRLF", "", cat(ffmpegPart(a), bytes.TrimSuffix(ffmpegPart(b), []byte("\r\n"))), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"declared, close delimiter", mixed + "xyz", cat(part("xyz", "\r\n", []string{jt, cl(a)}, a), []byte("--xyz--\r\nepilogue")), Options{}, [][]byte{a}, 0, io.EOF},
		{"declared with dashes", mixed + "--myboundary", cat(part("myboundary", "\r\n", []string{jt, cl(a)}, a), part("myboundary", "\r\n", []string{jt, cl(b)}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"quoted boundary", mixed + `"a:b c"`, cat(part("a:b c", "\r\n", []string{jt, cl(a)}, a)), Options{}, [][]byte{a}, 0, io.EOF},
		{"sloppy content type", "multipart/x-mixed-replace; boundary=frame;;", cat(part("frame", "\r\n", []string{jt}, a), part("frame", "\r\n", []string{jt}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"wrong declared boundary", mixed + "foo", cat(part("bar", "\r\n", []string{jt, cl(a)}, a), part("bar", "\r\n", []string{jt, cl(b)}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"preamble", mixed + "b", cat([]byte("This is a preamble.\r\n\r\n"), part("b", "\r\n", []string{jt, cl(a)}, a)), Options{}, [][]byte{a}, 0, io.EOF},
		{"no boundary anywhere", "image/jpeg", []byte("HTTP junk\r\nmore junk\r\n"), Options{}, nil, 0, ErrNoBoundary},
		{"empty body", "multipart/x-mixed-replace", nil, Options{}, nil, 0, ErrNoBoundary},
		{"raw jpeg, no multipart", "", bytes.Repeat(a, 40), Options{}, nil, 0, ErrNoBoundary},
		{"no content-length", mixed + "b", cat(part("b", "\r\n", []string{jt}, a), part("b", "\r\n", []string{jt}, b), []byte("--b\r\n")), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"no content-length, no final delimiter", "", cat(part("b", "\r\n", []string{jt}, a), part("b", "\r\n", []string{jt}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"LF line ends", "", cat(part("b", "\n", []string{jt, cl(a)}, a), part("b", "\n", []string{jt}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"extra CRLFs", "", cat([]byte("\r\n\r\n"), part("b", "\r\n", []string{jt}, cat([]byte("\r\n\r\n"), a, []byte("\r\n\r\n"))), []byte("\r\n"), part("b", "\r\n", []string{jt, cl(b)}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"no part headers", "", cat(part("b", "\r\n", nil, a)[:len("--b\r\n")], a, []byte("\r\n"), part("b", "\r\n", []string{jt}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"headers before first delimiter", mixed + "b", cat([]byte(jt+"\r\n"+cl(a)+"\r\n\r\n"), a, []byte("\r\n"), part("b", "\r\n", []string{jt, cl(b)}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"NUL padding after EOI", "", cat(part("b", "\r\n", []string{jt, "Content-Length: " + strconv.Itoa(len(a)+3)}, cat(a, []byte{0, 0, 0})), part("b", "\r\n", []string{jt}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"bad content-length value", "", cat(part("b", "\r\n", []string{jt, "Content-Length: 12x"}, a), part("b", "\r\n", []string{jt}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"content-length too short", "", cat(part("b", "\r\n", []string{jt, "Content-Length: " + strconv.Itoa(len(a)-20)}, a), part("b", "\r\n", []string{jt, cl(b)}, b)), Options{}, [][]byte{a, b}, 0, io.EOF},
		{"non-JPEG parts skipped", "", cat(part("b", "\r\n", []string{"Content-Type: text/plain", cl(text)}, text), part("b", "\r\n", []string{jt, cl(a)}, a), part("b", "\r\n", []string{"Content-Type: text/plain"}, text), part("b", "\r\n", []string{jt}, b)), Options{}, [][]byte{a, b}, 2, io.EOF},
		{"empty parts skipped", "", cat(part("b", "\r\n", []string{jt}, nil), part("b", "\r\n", []string{"Content-Length: 0"}, nil), part("b", "\r\n", []string{jt}, a)), Options{}, [][]byte{a}, 2, io.EOF},
		{"junk between parts", "", cat(ffmpegPart(a), []byte("garbage line\r\nmore\r\n"), ffmpegPart(b)), Options{}, [][]byte{a, b}, 1, io.EOF},
		{"truncated JPEG then next part (no CL)", "", cat(part("b", "\r\n", []string{jt}, a[:len(a)/2]), part("b", "\r\n", []string{jt}, b)), Options{}, [][]byte{b}, 1, io.EOF},
		{"truncated JPEG then next part (CL of whole)", "", cat(part("b", "\r\n", []string{jt, cl(a)}, a[:len(a)/2]), part("b", "\r\n", []string{jt, cl(b)}, b), part("b", "\r\n", []string{jt, cl(c)}, c)), Options{}, [][]byte{c}, 1, io.EOF},
		{"truncated at end (CL)", "", cat(ffmpegPart(a), ffmpegPart(b)[:100]), Options{}, [][]byte{a}, 0, ErrTruncated},
		{"truncated at end (no CL)", "", cat(part("b", "\r\n", []string{jt}, a), part("b", "\r\n", []string{jt}, b)[:100]), Options{}, [][]byte{a}, 0, ErrTruncated},
		{"truncated in headers", "", cat(ffmpegPart(a), []byte("--ffmpeg\r\nContent-type: ima")), Options{}, [][]byte{a}, 0, ErrTruncated},
		{"delimiter then end", "", cat(part("b", "\r\n", []string{jt}, a), []byte("--b\r\n")), Options{}, [][]byte{a}, 0, io.EOF},
		{"content-length 2 GiB", "", cat(ffmpegPart(a), []byte("--ffmpeg\r\nContent-Length: 2147483648\r\n\r\n\xff\xd8")), Options{}, [][]byte{a}, 0, ErrPartTooLarge},
		{"content-length huge", "", []byte("--b\r\nContent-Length: 99999999999999999999999999\r\n\r\n"), Options{}, nil, 0, ErrPartTooLarge},
		{"part over MaxPartBytes", "", cat(part("b", "\r\n", []string{jt}, a), part("b", "\r\n", []string{jt}, cat(a, a, a))), Options{MaxPartBytes: 2 * len(a)}, [][]byte{a}, 0, ErrPartTooLarge},
		{"headers over MaxHeaderBytes", "", part("b", "\r\n", []string{jt, "X-Pad: " + strings.Repeat("p", 2000)}, a), Options{MaxHeaderBytes: 1024}, nil, 0, ErrHeaderTooLarge},
		{"preamble over MaxHeaderBytes", mixed + "b", cat(bytes.Repeat([]byte("preamble\r\n"), 200), part("b", "\r\n", nil, a)), Options{MaxHeaderBytes: 1024}, nil, 0, ErrNoBoundary},
		{"line over read buffer", "", cat([]byte("--b\r\nX-Pad: "), bytes.Repeat([]byte("p"), readBufferSize+10)), Options{MaxHeaderBytes: 1 << 20}, nil, 0, ErrHeaderTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(tc.body), tc.ct, tc.opt)
			frames, err := readAll(t, r, 100)
			if !isErr(err, tc.err) {
				t.Fatalf("err = %v, want %v (after %d frames)", err, tc.err, len(frames))
			}
			if len(frames) != len(tc.want) {
				t.Fatalf("got %d frames, want %d (err %v)", len(frames), len(tc.want), err)
			}
			for i := range frames {
				if !bytes.Equal(frames[i], tc.want[i]) {
					t.Errorf("frame %d: %d bytes differ from the %d sent", i, len(frames[i]), len(tc.want[i]))
				}
			}
			if r.Skipped() != tc.skipped {
				t.Errorf("Skipped() = %d, want %d", r.Skipped(), tc.skipped)
			}
			if _, again := r.Next(); again != err {
				t.Errorf("error not sticky: %v then %v", err, again)
			}
		})
	}
}

func TestReaderTruncatedWrapsUnexpectedEOF(t *testing.T) {
	a := testJPEG(t, 8, 8, 1)
	_, err := NewReader(bytes.NewReader(ffmpegPart(a)[:60]), "", Options{}).Next()
	if !errors.Is(err, ErrTruncated) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want ErrTruncated and io.ErrUnexpectedEOF", err)
	}
}

// TestReaderNeverEndingPart feeds parts that never end, JPEG-looking or not:
// the reader gives up at MaxPartBytes instead of buffering on.
func TestReaderNeverEndingPart(t *testing.T) {
	for _, head := range []string{"\xff\xd8\xff\xe0", "text, text, "} {
		body := io.MultiReader(strings.NewReader("--b\r\nContent-Type: x\r\n\r\n"+head), endless([]byte("0123456789abcdef"), 64<<20))
		_, err := NewReader(body, "", Options{MaxPartBytes: 1 << 20}).Next()
		if !errors.Is(err, ErrPartTooLarge) {
			t.Errorf("head %q: err = %v, want ErrPartTooLarge", head, err)
		}
	}
}

// TestReaderHugeClaimAllocatesLittle: a Content-Length just under the limit
// that is never sent costs memory only for the bytes that came.
func TestReaderHugeClaimAllocatesLittle(t *testing.T) {
	body := "--b\r\nContent-Length: 1000000000\r\n\r\n\xff\xd8\xff\xe0 short"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := NewReader(strings.NewReader(body), "", Options{MaxPartBytes: 1 << 30}).Next()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Fatalf("allocated %d bytes for a 1 GB claim of 20 bytes", got)
	}
}

// TestReaderDeliversWithoutWaiting: a part with Content-Length is returned
// as soon as its last byte arrives, not when the next part begins.
func TestReaderDeliversWithoutWaiting(t *testing.T) {
	a := testJPEG(t, 16, 16, 3)
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write(ffmpegPart(a)[:len(ffmpegPart(a))-2]) }() // without the trailing CRLF
	got := make(chan error, 1)
	r := NewReader(pr, "", Options{})
	go func() {
		f, err := r.Next()
		if err == nil && !bytes.Equal(f, a) {
			err = fmt.Errorf("frame differs")
		}
		got <- err
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		pw.CloseWithError(errors.New("test timeout"))
		<-got
		t.Fatal("Next waited for more than the part")
	}
}

func TestReaderBoundary(t *testing.T) {
	r := NewReader(bytes.NewReader(ffmpegPart(testJPEG(t, 8, 8, 0))), "multipart/x-mixed-replace;boundary=wrong", Options{})
	if r.Boundary() != "" {
		t.Fatalf("Boundary before reading = %q", r.Boundary())
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if r.Boundary() != "--ffmpeg" {
		t.Fatalf("Boundary = %q, want --ffmpeg", r.Boundary())
	}
}

func TestDeclaredBoundary(t *testing.T) {
	for _, tc := range []struct{ ct, want string }{
		{"multipart/x-mixed-replace;boundary=ffmpeg", "ffmpeg"},
		{`multipart/x-mixed-replace; boundary="my frame"`, "my frame"},
		{"multipart/x-mixed-replace;boundary=--b", "--b"},
		{"multipart/x-mixed-replace; boundary=a;;", "a"},
		{"Multipart/X-Mixed-Replace; BOUNDARY='q'; x", "q"},
		{"application/octet-stream", ""},
		{"\x87BoundArY=", ""}, // fuzz find: ToLower changed byte offsets
		{"x/y;\xffboundary=\xfe\xfd", "\xfe\xfd"},
		{"", ""},
	} {
		if got := declaredBoundary(tc.ct); got != tc.want {
			t.Errorf("declaredBoundary(%q) = %q, want %q", tc.ct, got, tc.want)
		}
	}
}

func BenchmarkReader(b *testing.B) {
	a := testJPEG(b, 320, 240, 7)
	for _, bc := range []struct {
		name string
		part []byte
	}{
		{"content-length", ffmpegPart(a)},
		{"boundary-only", part("b", "\r\n", []string{"Content-Type: image/jpeg"}, a)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := bytes.Repeat(bc.part, 100)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				r := NewReader(bytes.NewReader(body), "", Options{})
				if frames, err := readAll(b, r, 1000); err != io.EOF || len(frames) != 100 {
					b.Fatal(err, len(frames))
				}
			}
		})
	}
}
