package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
)

func decodeJPEG(t *testing.T, b []byte) image.Image {
	t.Helper()
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestProbeFile(t *testing.T) {
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"movie", testenv.SharedPath(t, "media/movie.Mjpeg"), []string{
			"file:       movie.Mjpeg\n",
			"format:     lab\n",
			"frames:     500\n",
			"resolution: 384x288\n",
			"chroma:     4:4:4\n",
			"frame size: min 4970 avg 8534 max 13967 bytes",
			"rfc2435:    no, 500 of 500 frames not carriable: 4:4:4 chroma",
		}},
		{"vectors dir", testenv.SharedPath(t, "vectors/frames_640x480_q5_dri"), []string{
			"format:     dir\n",
			"frames:     4\n",
			"resolution: 640x480\n",
			"chroma:     4:2:0\n",
			"rfc2435:    yes, every frame unchanged (type 65, 4:2:0 with restart markers)\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := probeFile(context.Background(), tt.path, &out); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), "lab client:") {
				t.Errorf("no frame is over 20480 bytes, yet:\n%s", out.String())
			}
		})
	}
}

func TestProbeFileMixed(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"video-001.q50.420.jpeg", "video-005.gray.q50.jpeg", "video-001.q50.444.jpeg", "video-001.q50.444.jpeg"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "mjpeg", "testdata", "jpeg", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".jpg"), b, 0o644)
	}
	big, err := os.ReadFile(testenv.SharedPath(t, "vectors/frames_640x480_q5/00001.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "e.jpg"), big, 0o644)
	var out bytes.Buffer
	if err := probeFile(context.Background(), dir, &out); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"frames:     5\n",
		"resolution: 150x103 in 4 frames; 2 sizes in all: 150x103 (4), 640x480 (1)\n",
		"chroma:     4:2:0 (2 frames), 4:4:4 (2 frames), gray (1 frames)\n",
		"rfc2435:    no, 3 of 5 frames not carriable: 4:4:4 chroma (2 frames), grayscale (1 frames)",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}

func TestProbeFileErrors(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(testenv.SharedPath(t, "media/movie.Mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "t.Mjpeg")
	os.WriteFile(trunc, data[:100000], 0o644)
	err = probeFile(context.Background(), trunc, &bytes.Buffer{})
	if want := trunc + ": frame 19 at offset 99829: truncated: want 6599 bytes, have 166"; err == nil || err.Error() != want {
		t.Errorf("truncated: %v\nwant %s", err, want)
	}
	gif := filepath.Join(dir, "x.mjpeg")
	os.WriteFile(gif, []byte("GIF89a-------"), 0o644)
	if err := probeFile(context.Background(), gif, &bytes.Buffer{}); !errors.Is(err, mjpeg.ErrUnknownFormat) || !strings.Contains(err.Error(), "a GIF image") {
		t.Errorf("gif: %v", err)
	}
	// The lab client's 20480-byte receive buffer is flagged.
	big := filepath.Join(dir, "big.mjpeg")
	if err := runGen(context.Background(), []string{"-o", big, "--size", "640x480", "--quality", "98", "--frames", "2"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := probeFile(context.Background(), big, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "lab client: 2 frames larger than 20480 bytes arrive truncated") {
		t.Errorf("no lab warning:\n%s", out.String())
	}
}
