package recorder

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// t0 is the tests' clock origin.
var t0 = time.Date(2026, 12, 4, 17, 30, 0, 250e6, time.UTC)

// frames returns n distinct small baseline JPEGs.
func frames(t testing.TB, n int) [][]byte {
	t.Helper()
	out := make([][]byte, n)
	for i := range n {
		img := image.NewYCbCr(image.Rect(0, 0, 32, 16), image.YCbCrSubsampleRatio420)
		for k := range img.Y {
			img.Y[k] = uint8(k*3 + i*17)
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	return out
}

// dirNames lists the folder's file names, sorted.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// loadFrames reads a segment back with mjpeg.Load.
func loadFrames(t testing.TB, path string) [][]byte {
	t.Helper()
	v, err := mjpeg.Load(path, mjpeg.LoadOptions{})
	if err != nil {
		t.Fatalf("mjpeg.Load %s: %v", filepath.Base(path), err)
	}
	return v.Source
}

// sameFrames compares frames read back with those written.
func sameFrames(t testing.TB, what string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s: frame %d differs", what, i)
		}
	}
}

// logLines is a slog handler counting the lines logged at Warn and above
// whose message contains a word.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }
func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r.Level.String()+" "+r.Message)
	return nil
}
func (l *logLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLines) WithGroup(string) slog.Handler      { return l }

func (l *logLines) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}
