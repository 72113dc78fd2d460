package mjpeg

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/jpeghdr"
)

// labFrame returns the first frame of the lab's 4:4:4 movie.
func labFrame(tb testing.TB) []byte {
	tb.Helper()
	r, err := Open(testenv.SharedPath(tb, "media/movie.Mjpeg"), ReaderOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	b, err := r.Next()
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.Clone(b)
}

func TestMakeCarriable(t *testing.T) {
	tests := []struct {
		name    string
		frame   func(testing.TB) []byte
		want    Conversion
		minPSNR float64 // +Inf: the same pixels
		w, h    int
	}{
		{"carriable 4:2:0", func(tb testing.TB) []byte { return fixture(tb, "video-001.q50.420.jpeg") }, Unchanged, math.Inf(1), 150, 103},
		{"carriable 4:2:2 DRI", func(tb testing.TB) []byte { return fixture(tb, "video-001.restart2.jpeg") }, Unchanged, math.Inf(1), 150, 103},
		{"carriable, trailing bytes", func(tb testing.TB) []byte { return append(fixture(tb, "video-001.q50.422.jpeg"), 0, 0) }, Unchanged, math.Inf(1), 150, 103},
		{"optimized Huffman", func(tb testing.TB) []byte { return fixture(tb, "ffmpeg-optimized-huffman.jpg") }, Recoded, math.Inf(1), 64, 48},
		{"4:4:4 lab movie", labFrame, Transcoded, 30, 384, 288},
		{"4:4:4 odd size", func(tb testing.TB) []byte { return fixture(tb, "video-001.q50.444.jpeg") }, Transcoded, 30, 152, 104},
		{"progressive", func(tb testing.TB) []byte { return fixture(tb, "video-001.q50.420.progressive.jpeg") }, Transcoded, 30, 152, 104},
		{"grayscale", func(tb testing.TB) []byte { return fixture(tb, "video-005.gray.q50.jpeg") }, Transcoded, 35, 152, 104},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.frame(t)
			out, conv, err := MakeCarriable(src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if conv != tt.want {
				t.Errorf("conversion %v, want %v", conv, tt.want)
			}
			info, err := jpeghdr.Parse(out)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := info.RFC2435(); err != nil {
				t.Errorf("result not carriable: %v", err)
			}
			if info.Width != tt.w || info.Height != tt.h {
				t.Errorf("result %dx%d, want %dx%d", info.Width, info.Height, tt.w, tt.h)
			}
			if conv == Unchanged && (len(out) != info.Length || &out[0] != &src[0]) {
				t.Error("unchanged frame was copied or not cut at EOI")
			}
			if p := PSNR(decode(t, src), decode(t, out)); p < tt.minPSNR {
				t.Errorf("PSNR %.2f dB, want >= %.0f", p, tt.minPSNR)
			}
		})
	}
}

func TestMakeCarriableErrors(t *testing.T) {
	good := fixture(t, "video-001.q50.444.jpeg")
	info, err := jpeghdr.Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	// 4:4:4 with garbage entropy-coded data: not re-codable, and the
	// decoder behind Transcode fails.
	garbage := append(bytes.Clone(good[:info.ScanStart]), bytes.Repeat([]byte{0xFF, 0x00}, 32)...)
	garbage = append(garbage, 0xFF, 0xD9)
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"not JPEG", []byte("not a jpeg"), jpeghdr.ErrNotJPEG},
		{"truncated", good[:100], nil},
		{"undecodable", garbage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := MakeCarriable(tt.frame, 0)
			if err == nil || out != nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("got %d bytes, error %v; want error %v", len(out), err, tt.want)
			}
		})
	}
}

func TestConversionString(t *testing.T) {
	for c, want := range map[Conversion]string{Unchanged: "unchanged", Recoded: "recoded", Transcoded: "transcoded", 7: "Conversion(7)"} {
		if got := c.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(c), got, want)
		}
	}
}

// TestLoadLogsRecodedAndTranscoded: one log line per file, counting the
// frames of each kind of conversion.
func TestLoadLogsRecodedAndTranscoded(t *testing.T) {
	opt := fixture(t, "ffmpeg-optimized-huffman.jpg")
	path := writeFile(t, t.TempDir(), "opt.mjpeg", encode(t, FormatRaw, opt, opt, opt))
	var logBuf bytes.Buffer
	v, err := Load(path, LoadOptions{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if v.Recoded != 3 || v.Transcoded != 0 || v.Reason != jpeghdr.ReasonOptimizedHuff {
		t.Errorf("Recoded %d Transcoded %d Reason %q", v.Recoded, v.Transcoded, v.Reason)
	}
	checkCarriable(t, v)
	log := logBuf.String()
	if strings.Count(log, "\n") != 1 || !strings.Contains(log, "recoded=3 transcoded=0 of=3") {
		t.Errorf("want one line counting 3 recoded frames, got:\n%s", log)
	}
}
