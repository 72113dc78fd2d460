package mpjpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// TestPullFFmpeg pulls from ffmpeg acting as an HTTP MJPEG camera
// (`-f mpjpeg -listen 1`), once with its default application/octet-stream
// reply and once with a proper multipart Content-Type.
func TestPullFFmpeg(t *testing.T) {
	ffmpeg := testenv.LookPeer(t, "ffmpeg")
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"octet-stream", nil},
		{"content_type", []string{"-content_type", "multipart/x-mixed-replace;boundary=ffmpeg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frames, took := pullFromFFmpeg(t, ffmpeg, tc.extra, 30)
			if len(frames) < 20 {
				t.Fatalf("got %d frames, want >= 20", len(frames))
			}
			for i, f := range frames {
				img, err := jpeg.Decode(bytes.NewReader(f))
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
					t.Fatalf("frame %d is %v, want 640x480", i, b)
				}
			}
			t.Logf("%d frames of 640x480 in %v", len(frames), took)
		})
	}
}

// pullFromFFmpeg starts ffmpeg as a one-client MJPEG camera on a free
// loopback port and pulls want frames from it. It retries the connection
// until ffmpeg listens (with a deadline), and restarts ffmpeg on another
// port if it could not bind.
func pullFromFFmpeg(t *testing.T, ffmpeg string, extra []string, want int) ([][]byte, time.Duration) {
	t.Helper()
	for attempt := 1; attempt <= 3; attempt++ {
		port := freePort(t)
		url := "http://127.0.0.1:" + strconv.Itoa(port) + "/cam"
		args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-re",
			"-f", "lavfi", "-i", "testsrc=size=640x480:rate=25", "-t", "30",
			"-c:v", "mjpeg", "-q:v", "5"}
		args = append(append(args, extra...), "-f", "mpjpeg", "-listen", "1", url)
		cmd := exec.Command(ffmpeg, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start ffmpeg: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() { _ = cmd.Process.Kill(); <-exited }

		frames, took, err := pullUntil(url, want, exited)
		stop()
		if err == nil {
			return frames, took
		}
		if errors.Is(err, errFFmpegExited) {
			t.Logf("attempt %d: ffmpeg exited before listening: %s", attempt, stderr.String())
			continue
		}
		t.Fatalf("pull from ffmpeg: %v (ffmpeg: %s)", err, stderr.String())
	}
	t.Fatal("ffmpeg never listened")
	return nil, 0
}

var errFFmpegExited = errors.New("ffmpeg exited")

// pullUntil connects to url, retrying refused connections for up to 10 s,
// and collects want frames.
func pullUntil(url string, want int, exited <-chan struct{}) ([][]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	deadline := time.Now().Add(10 * time.Second)
	retry := time.NewTimer(0)
	defer retry.Stop()
	for time.Now().Before(deadline) {
		var frames [][]byte
		var first time.Time
		err := Pull(ctx, url, PullConfig{ConnectTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second}, func(f []byte) {
			if first.IsZero() {
				first = time.Now()
			}
			if frames = append(frames, f); len(frames) == want {
				cancel()
			}
		})
		if len(frames) == want {
			return frames, time.Since(first), nil
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return frames, 0, fmt.Errorf("after %d frames: %w", len(frames), err)
		}
		retry.Reset(50 * time.Millisecond)
		select {
		case <-exited:
			return nil, 0, errFFmpegExited
		case <-retry.C:
		}
	}
	return nil, 0, fmt.Errorf("nothing listening on %s within 10 s", url)
}

// freePort returns a loopback TCP port the kernel just handed out.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
