package mjpeg

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/jpeghdr"
)

// checkCarriable fails unless every frame of v is carriable by RFC 2435 as
// is and has v's size.
func checkCarriable(t *testing.T, v *Video) {
	t.Helper()
	for i, f := range v.Frames {
		info, err := jpeghdr.Parse(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
		if _, err := info.RFC2435(); err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
		if info.Width != v.Width || info.Height != v.Height {
			t.Fatalf("frame %d is %dx%d, video %dx%d", i+1, info.Width, info.Height, v.Width, v.Height)
		}
	}
}

func TestLoadMovie(t *testing.T) {
	path := testenv.SharedPath(t, "media/movie.Mjpeg")
	var logBuf bytes.Buffer
	var progress []int
	v, err := Load(path, LoadOptions{
		Logger:   slog.New(slog.NewTextHandler(&logBuf, nil)),
		Progress: func(done, total int) { progress = append(progress, done) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Frames) != 500 || v.Width != 384 || v.Height != 288 || v.Format != FormatLab {
		t.Fatalf("got %d frames %dx%d %v, want 500 384x288 lab", len(v.Frames), v.Width, v.Height, v.Format)
	}
	if v.Transcoded != 500 || v.Reason != jpeghdr.Reason444 || v.Chroma != "4:4:4" {
		t.Errorf("Transcoded %d Reason %q Chroma %q, want 500 %q 4:4:4", v.Transcoded, v.Reason, v.Chroma, jpeghdr.Reason444)
	}
	checkCarriable(t, v)
	if lines := strings.Count(logBuf.String(), "\n"); lines != 1 || !strings.Contains(logBuf.String(), `reason="4:4:4 chroma"`) {
		t.Errorf("want one log line naming the reason, got:\n%s", logBuf.String())
	}
	if len(progress) != 500 || progress[499] != 500 {
		t.Errorf("progress called %d times, last %v", len(progress), progress[len(progress)-1:])
	}

	// Decoded pixels stay close to the source decode.
	r, err := Open(path, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	step := 1
	if testing.Short() {
		step = 25
	}
	worst := 1000.0
	for i := 0; ; i++ {
		src, err := r.Next()
		if err != nil {
			break
		}
		if i%step != 0 {
			continue
		}
		if !bytes.Equal(v.Source[i], src) {
			t.Errorf("frame %d: Source is not the frame as read", i+1)
		}
		p := PSNR(decode(t, src), decode(t, v.Frames[i]))
		worst = min(worst, p)
		if p < 35 {
			t.Errorf("frame %d: PSNR %.2f dB < 35", i+1, p)
		}
	}
	t.Logf("worst PSNR %.2f dB; transcoded video %d bytes", worst, v.Bytes())
}

func TestLoadDirectory(t *testing.T) {
	dir := testenv.SharedPath(t, "vectors/frames_640x480_q5")
	v, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := vectorFrames(t)
	if len(v.Frames) != len(want) || v.Width != 640 || v.Height != 480 || v.Format != FormatDir || v.Transcoded != 0 || v.Reason != "" {
		t.Fatalf("got %d frames %dx%d %v transcoded %d %q", len(v.Frames), v.Width, v.Height, v.Format, v.Transcoded, v.Reason)
	}
	for i := range want {
		if !bytes.Equal(v.Frames[i], want[i]) {
			t.Errorf("frame %d changed though carriable", i+1)
		}
	}
}

// TestLoadRawFromVectors loads a raw file made from the golden frames.
func TestLoadRawFromVectors(t *testing.T) {
	want := vectorFrames(t)
	p := writeFile(t, t.TempDir(), "v.mjpeg", encode(t, FormatRaw, want...))
	v, err := Load(p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Format != FormatRaw || len(v.Frames) != len(want) || v.Transcoded != 0 {
		t.Fatalf("%v %d frames transcoded %d", v.Format, len(v.Frames), v.Transcoded)
	}
	for i := range want {
		if !bytes.Equal(v.Frames[i], want[i]) {
			t.Errorf("frame %d differs", i+1)
		}
	}
}

// TestPrepareFixtures runs every kind of frame RFC 2435 cannot carry
// through Prepare and checks the result is carriable and looks the same.
func TestPrepareFixtures(t *testing.T) {
	tests := []struct {
		file       string
		fit        bool
		reason     string // "" = kept as is
		w, h       int
		minPSNR    float64
		wantChroma string
	}{
		{"video-001.q50.420.jpeg", false, "", 150, 103, 0, "4:2:0"},
		{"video-001.q50.422.jpeg", false, "", 150, 103, 0, "4:2:2"},
		{"video-001.restart2.jpeg", false, "", 150, 103, 0, "4:2:0"},
		{"video-001.q50.444.jpeg", false, jpeghdr.Reason444, 150, 103, 30, "4:4:4"},
		{"video-001.q50.440.jpeg", false, jpeghdr.ReasonSubsampling, 150, 103, 30, "4:4:0"},
		{"video-001.q50.420.progressive.jpeg", false, jpeghdr.ReasonProgressive, 150, 103, 30, "4:2:0"},
		{"video-005.gray.q50.jpeg", false, jpeghdr.ReasonGrayscale, 150, 103, 35, "gray"},
		{"video-001.cmyk.jpeg", false, jpeghdr.ReasonComponents, 150, 103, 30, "CMYK"},
		{"ffmpeg-optimized-huffman.jpg", false, jpeghdr.ReasonOptimizedHuff, 64, 48, math.Inf(1), "4:2:0"}, // recoded: lossless
		{"video-001.q50.420.jpeg", true, "size 150x103 not a multiple of 8", 152, 104, 30, "4:2:0"},
		{"video-001.q50.444.jpeg", true, jpeghdr.Reason444, 152, 104, 30, "4:4:4"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			src := fixture(t, tt.file)
			v, err := Prepare(context.Background(), [][]byte{src, src}, FormatRaw, LoadOptions{Fit: tt.fit})
			if err != nil {
				t.Fatal(err)
			}
			checkCarriable(t, v)
			if v.Reason != tt.reason || v.Width != tt.w || v.Height != tt.h || v.Chroma != tt.wantChroma {
				t.Errorf("Reason %q %dx%d chroma %q, want %q %dx%d %q", v.Reason, v.Width, v.Height, v.Chroma, tt.reason, tt.w, tt.h, tt.wantChroma)
			}
			if tt.reason == "" {
				if v.Transcoded != 0 || v.Recoded != 0 || !bytes.Equal(v.Frames[0], src) {
					t.Errorf("carriable frame was changed (Transcoded %d)", v.Transcoded)
				}
				return
			}
			wantRecoded := 0
			if tt.reason == jpeghdr.ReasonOptimizedHuff {
				wantRecoded = 2
			}
			if v.Recoded != wantRecoded || v.Transcoded != 2-wantRecoded {
				t.Errorf("Recoded %d Transcoded %d, want %d and %d", v.Recoded, v.Transcoded, wantRecoded, 2-wantRecoded)
			}
			if p := PSNR(decode(t, src), decode(t, v.Frames[0])); p < tt.minPSNR {
				t.Errorf("PSNR %.2f < %.0f", p, tt.minPSNR)
			}
		})
	}
}

func TestPrepareSizes(t *testing.T) {
	big := testJPEG(t, 4100, 64, 1)
	_, err := Prepare(context.Background(), [][]byte{big}, FormatRaw, LoadOptions{})
	if !errors.Is(err, ErrSize) || !strings.Contains(err.Error(), "frame 1: unsupported frame size: 4100x64, RFC 2435 carries at most 2040x2040") {
		t.Errorf("too large: %v", err)
	}
	v, err := Prepare(context.Background(), [][]byte{big}, FormatRaw, LoadOptions{Fit: true})
	if err != nil {
		t.Fatal(err)
	}
	// 4100x64 scaled to 2040x32 (aspect kept), already a multiple of 8.
	if v.Width != 2040 || v.Height != 32 || v.Reason != jpeghdr.ReasonTooLarge {
		t.Errorf("fit: %dx%d %q", v.Width, v.Height, v.Reason)
	}
	checkCarriable(t, v)

	// Odd sizes are carried as they are without Fit.
	odd := testJPEG(t, 100, 60, 1)
	v, err = Prepare(context.Background(), [][]byte{odd}, FormatRaw, LoadOptions{})
	if err != nil || v.Width != 100 || v.Height != 60 || v.Transcoded != 0 {
		t.Errorf("odd size: %v %+v", err, v)
	}

	_, err = Prepare(context.Background(), [][]byte{odd, odd, testJPEG(t, 96, 64, 1)}, FormatRaw, LoadOptions{})
	if err == nil || err.Error() != "frame 3: unsupported frame size: 96x64, but frame 1 is 100x60 (mixed sizes)" {
		t.Errorf("mixed sizes: %v", err)
	}
	if _, err := Prepare(context.Background(), nil, FormatRaw, LoadOptions{}); !errors.Is(err, ErrNoFrames) {
		t.Errorf("no frames: %v", err)
	}
}

func TestPrepareErrors(t *testing.T) {
	good := testJPEG(t, 16, 16, 1)
	corrupt := bytes.Clone(good)
	corrupt[4], corrupt[5] = 0, 1
	_, err := Prepare(context.Background(), [][]byte{good, good, corrupt, good}, FormatRaw, LoadOptions{})
	if !errors.Is(err, jpeghdr.ErrMalformed) || !strings.HasPrefix(err.Error(), "frame 3: ") {
		t.Errorf("corrupt frame: %v", err)
	}
	// Go cannot decode 12-bit JPEG: the error names the frame and reason.
	twelve := bytes.Clone(good)
	i := bytes.Index(twelve, []byte{0xFF, 0xC0})
	twelve[i+4] = 12
	_, err = Prepare(context.Background(), [][]byte{good, twelve}, FormatRaw, LoadOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "frame 2: cannot transcode (12-bit): decode: ") {
		t.Errorf("12-bit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Prepare(ctx, [][]byte{grayJPEG(t, 16, 16)}, FormatRaw, LoadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

func TestLoadErrorsNameFile(t *testing.T) {
	dir := t.TempDir()
	a := testJPEG(t, 16, 16, 1)
	p := writeFile(t, dir, "t.mjpeg", encode(t, FormatLab, a, a)[:2*(5+len(a))-10])
	_, err := Load(p, LoadOptions{})
	want := p + ": frame 2 at offset " + strconv.Itoa(5+len(a)) + ": truncated: want " + strconv.Itoa(len(a)) + " bytes, have " + strconv.Itoa(len(a)-10)
	if err == nil || err.Error() != want {
		t.Errorf("err %v\nwant %s", err, want)
	}
	if _, err := Load(writeFile(t, dir, "big.mjpeg", encode(t, FormatRaw, a, a, a)), LoadOptions{MaxTotalBytes: int64(2 * len(a))}); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("total limit: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "nope"), LoadOptions{}); err == nil {
		t.Error("missing file loaded")
	}
}

// TestForEachFirstError checks the pool reports the lowest failing index
// and runs every index exactly once otherwise.
func TestForEachFirstError(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	err := forEach(context.Background(), 100, func(i int) error {
		mu.Lock()
		seen[i]++
		mu.Unlock()
		return nil
	})
	if err != nil || len(seen) != 100 {
		t.Fatalf("err %v, %d indexes", err, len(seen))
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("index %d ran %d times", i, n)
		}
	}
	errAt := func(k int) error { return errors.New("fail " + strconv.Itoa(k)) }
	err = forEach(context.Background(), 50, func(i int) error {
		if i == 7 || i == 30 {
			return errAt(i)
		}
		return nil
	})
	if err == nil || err.Error() != "fail 7" {
		t.Errorf("first error: %v", err)
	}
}

func BenchmarkLoadMovie(b *testing.B) {
	path := testenv.SharedPath(b, "media/movie.Mjpeg")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
