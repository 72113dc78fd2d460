package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// noTempFiles fails if writeAtomic left a temporary file in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(m) > 0 {
		t.Errorf("temporary files left behind: %v", m)
	}
}

func TestRunGen(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		format mjpeg.Format
		frames int
		w, h   int
	}{
		{"defaults", nil, mjpeg.FormatRaw, 150, 640, 480},
		{"lab small", []string{"--format", "lab", "--size", "160x120", "--frames", "7", "--fps", "25", "--quality", "60"}, mjpeg.FormatLab, 7, 160, 120},
		{"odd size", []string{"--size=100x50", "--frames=3"}, mjpeg.FormatRaw, 3, 100, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.frames > 10 {
				t.Skip("renders 150 frames")
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "out.mjpeg")
			var stdout, stderr bytes.Buffer
			if err := runGen(context.Background(), append([]string{"-o", out}, tt.args...), &stdout, &stderr); err != nil {
				t.Fatalf("runGen: %v (stderr %s)", err, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "wrote "+out+": ") || strings.Count(stdout.String(), "\n") != 1 {
				t.Errorf("summary %q", stdout.String())
			}
			v, err := mjpeg.Load(out, mjpeg.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v.Format != tt.format || len(v.Frames) != tt.frames || v.Width != tt.w || v.Height != tt.h || v.Transcoded != 0 {
				t.Errorf("got %v %d frames %dx%d transcoded %d", v.Format, len(v.Frames), v.Width, v.Height, v.Transcoded)
			}
			if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o644 {
				t.Errorf("output mode: %v %v", st.Mode(), err)
			}
			noTempFiles(t, dir)
		})
	}
}

func TestRunGenUsage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no output", nil, "-o FILE is required"},
		{"bad size", []string{"-o", out, "--size", "640by480"}, `--size: "640by480" is not WIDTHxHEIGHT`},
		{"too large", []string{"-o", out, "--size", "4096x2160"}, "unsupported frame size: 4096x2160"},
		{"bad format", []string{"-o", out, "--format", "avi"}, `--format: unknown format "avi"`},
		{"no frames", []string{"-o", out, "--frames", "0"}, "--frames 0"},
		{"bad quality", []string{"-o", out, "--quality", "0"}, "bad JPEG quality 0"},
		{"bad fps", []string{"-o", out, "--fps", "0"}, "bad frame rate 0"},
		{"extra argument", []string{"-o", out, "extra"}, `unexpected argument "extra"`},
		{"unknown flag", []string{"--nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runGen(context.Background(), tt.args, &stdout, &stderr)
			if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want usage error containing %q", err, tt.want)
			}
			if _, serr := os.Stat(out); serr == nil {
				t.Error("output written despite usage error")
			}
		})
	}
}

func TestRunGenFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "p.mjpeg")
	if err := runGen(context.Background(), []string{"-o", filepath.Join(dir, "missing", "p.mjpeg"), "--frames", "2", "--size", "64x64"}, &bytes.Buffer{}, &bytes.Buffer{}); !errors.Is(err, os.ErrNotExist) || errors.Is(err, errUsage) {
		t.Errorf("missing directory: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := runGen(ctx, []string{"-o", out, "--frames", "3", "--size", "64x64"}, &bytes.Buffer{}, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	noTempFiles(t, dir)
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		w, h int
		ok   bool
	}{
		{"640x480", 640, 480, true},
		{"1920X1080", 1920, 1080, true},
		{"320×240", 320, 240, true},
		{"640", 0, 0, false},
		{"0x480", 0, 0, false},
		{"-1x5", 0, 0, false},
		{"axb", 0, 0, false},
	}
	for _, tt := range tests {
		w, h, err := parseSize(tt.in)
		if (err == nil) != tt.ok || w != tt.w || h != tt.h {
			t.Errorf("parseSize(%q) = %d, %d, %v", tt.in, w, h, err)
		}
	}
}
