package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// movieHead writes the first n frames of the shared 4:4:4 lab movie to dir.
func movieHead(t *testing.T, dir string, n int) (string, [][]byte) {
	t.Helper()
	r, err := mjpeg.Open(testenv.SharedPath(t, "media/movie.Mjpeg"), mjpeg.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	w := mjpeg.NewWriter(&buf, mjpeg.FormatLab)
	var frames [][]byte
	for range n {
		f, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
		if err := w.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "head.Mjpeg")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, frames
}

func readFrames(t *testing.T, path string) (mjpeg.Format, [][]byte) {
	t.Helper()
	r, err := mjpeg.Open(path, mjpeg.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var frames [][]byte
	for {
		f, err := r.Next()
		if err == io.EOF {
			return r.Format(), frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
}

func TestRunConvertCopy(t *testing.T) {
	dir := t.TempDir()
	in, frames := movieHead(t, dir, 20)
	out := filepath.Join(dir, "out.mjpeg")
	var stdout, stderr bytes.Buffer
	// Flags after the positional argument, as cli.md writes them.
	if err := runConvert(context.Background(), []string{in, "-o", out, "--format", "raw"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	f, got := readFrames(t, out)
	if f != mjpeg.FormatRaw || len(got) != 20 {
		t.Fatalf("%v, %d frames", f, len(got))
	}
	for i := range got {
		if !bytes.Equal(got[i], frames[i]) {
			t.Errorf("frame %d changed by a plain convert", i+1)
		}
	}
	want := "converted " + in + " (lab, 4:4:4) -> " + out + " (raw, 20 frames 384x288, "
	if s := stdout.String(); !strings.HasPrefix(s, want) || !strings.Contains(s, "20 frames not carriable by RFC 2435 as they are (4:4:4 chroma: 20); add --rfc2435") {
		t.Errorf("summary %q", s)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr not a terminal but got %q", stderr.String())
	}
	// Default output format is the input's: raw back to lab gives the
	// original bytes.
	back := filepath.Join(dir, "back.Mjpeg")
	if err := runConvert(context.Background(), []string{out, "-o", back, "--format=lab"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(in)
	b, _ := os.ReadFile(back)
	if !bytes.Equal(a, b) {
		t.Error("lab -> raw -> lab is not byte-identical")
	}
	noTempFiles(t, dir)
}

func TestRunConvertRFC2435(t *testing.T) {
	dir := t.TempDir()
	in, frames := movieHead(t, dir, 12)
	out := filepath.Join(dir, "out.Mjpeg")
	var stdout bytes.Buffer
	if err := runConvert(context.Background(), []string{in, "-o", out, "--rfc2435"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if s := stdout.String(); !strings.Contains(s, "(lab, 12 frames 384x288, ") || !strings.Contains(s, "re-encoded 12 frames for RFC 2435 (4:4:4 chroma) at quality 90") {
		t.Errorf("summary %q", s)
	}
	v, err := mjpeg.Load(out, mjpeg.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Format != mjpeg.FormatLab || len(v.Frames) != 12 || v.Transcoded != 0 || v.Chroma != "4:2:0" {
		t.Fatalf("output: %v %d frames transcoded %d chroma %s", v.Format, len(v.Frames), v.Transcoded, v.Chroma)
	}
	for i := range frames {
		if p := mjpeg.PSNR(decodeJPEG(t, frames[i]), decodeJPEG(t, v.Frames[i])); p < 35 {
			t.Errorf("frame %d: PSNR %.1f dB", i+1, p)
		}
	}
}

// TestRunConvertDirectory converts a directory of awkward JPEGs (odd size,
// progressive, grayscale) with --rfc2435.
func TestRunConvertDirectory(t *testing.T) {
	src := t.TempDir()
	for i, name := range []string{"video-001.q50.420.progressive.jpeg", "video-005.gray.q50.jpeg", "video-001.q50.420.jpeg"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "mjpeg", "testdata", "jpeg", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, string(rune('a'+i))+".jpg"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "dir.mjpeg")
	var stdout bytes.Buffer
	if err := runConvert(context.Background(), []string{src, "--rfc2435", "-o", out}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	v, err := mjpeg.Load(out, mjpeg.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 150x103 padded to 152x104; every frame re-encoded.
	if v.Format != mjpeg.FormatRaw || len(v.Frames) != 3 || v.Width != 152 || v.Height != 104 || v.Transcoded != 0 {
		t.Fatalf("output %v %d frames %dx%d transcoded %d", v.Format, len(v.Frames), v.Width, v.Height, v.Transcoded)
	}
	if s := stdout.String(); !strings.Contains(s, "(dir, 4:2:0) -> ") || !strings.Contains(s, "re-encoded 3 frames for RFC 2435 (progressive, grayscale, size 150x103 not a multiple of 8)") {
		t.Errorf("summary %q", s)
	}
}

func TestRunConvertAtomic(t *testing.T) {
	dir := t.TempDir()
	in, _ := movieHead(t, dir, 3)
	data, _ := os.ReadFile(in)
	bad := filepath.Join(dir, "bad.Mjpeg")
	if err := os.WriteFile(bad, data[:len(data)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.mjpeg")
	if err := os.WriteFile(out, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--rfc2435"}} {
		err := runConvert(context.Background(), append([]string{bad, "-o", out}, extra...), io.Discard, io.Discard)
		if !errors.Is(err, mjpeg.ErrTruncated) || !strings.Contains(err.Error(), "frame 3 at offset ") {
			t.Errorf("%v: err = %v, want a truncation error naming frame 3", extra, err)
		}
		if b, _ := os.ReadFile(out); string(b) != "previous" {
			t.Errorf("%v: OUT changed by a failed convert", extra)
		}
	}
	// A frame over the lab format's 99999 bytes fails the conversion to
	// lab; OUT is left alone.
	big := append([]byte{0xFF, 0xD8, 0xFF, 0xFE, 0xFF, 0xFF}, make([]byte, 0xFFFD)...)
	big = append(big, 0xFF, 0xFE, 0xFF, 0xFF)
	big = append(big, make([]byte, 0xFFFD)...)
	big = append(big, data[5+2:5+int(labLen(data))]...) // the first movie frame after its SOI
	rawIn := filepath.Join(dir, "big.mjpeg")
	if err := os.WriteFile(rawIn, big, 0o644); err != nil {
		t.Fatal(err)
	}
	err := runConvert(context.Background(), []string{rawIn, "-o", out, "--format", "lab"}, io.Discard, io.Discard)
	if !errors.Is(err, mjpeg.ErrFrameTooLarge) || !strings.Contains(err.Error(), "the lab format holds at most 99999") {
		t.Errorf("big frame to lab: %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "previous" {
		t.Error("OUT changed by a failed convert")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := runConvert(ctx, []string{in, "-o", out}, io.Discard, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "previous" {
		t.Error("OUT changed by a canceled convert")
	}
	noTempFiles(t, dir)
}

// labLen parses the length header of the first lab frame.
func labLen(b []byte) int64 {
	var n int64
	for _, c := range b[:5] {
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestRunConvertUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "missing input"},
		{[]string{"in"}, "-o FILE is required"},
		{[]string{"in", "other", "-o", "x"}, `unexpected argument "other"`},
		{[]string{"in", "-o", "x", "--format", "gif"}, `unknown format "gif"`},
		{[]string{"in", "-o", "x", "--quality", "101"}, "--quality 101"},
	}
	for _, tt := range tests {
		err := runConvert(context.Background(), tt.args, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want usage error containing %q", tt.args, err, tt.want)
		}
	}
	err := runConvert(context.Background(), []string{filepath.Join(t.TempDir(), "missing"), "-o", "x"}, io.Discard, io.Discard)
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, errUsage) {
		t.Errorf("missing input: %v", err)
	}
}

func TestProgressSilentWithoutTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "convert")
	p.update(1, 10)
	p.done()
	if buf.Len() != 0 {
		t.Errorf("progress wrote %q to a non-terminal", buf.String())
	}
	f, err := os.CreateTemp(t.TempDir(), "f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("regular file taken for a terminal")
	}
	// A terminal-like writer draws and clears the line.
	p = &progress{w: &buf, name: "convert"}
	p.update(5, 10)
	p.done()
	if got := buf.String(); got != "\rconvert: 5/10 frames (50%)\x1b[K\r\x1b[K" {
		t.Errorf("progress output %q", got)
	}
}
