package client_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
)

// testLogger logs to the test at debug level when -v is given.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// sources returns the 640x480 4:2:0 vector frames.
func sources(t testing.TB) *clienttest.Sources {
	return clienttest.LoadSources(t, testenv.SharedPath(t, "vectors/frames_640x480_q5/*.jpg"))
}

// startServer runs our own server with a media folder holding v.mjpeg (the
// vector frames, raw MJPEG) and returns its host:port. Files play at fps.
func startServer(t testing.TB, src *clienttest.Sources, cfg server.Config) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "v.mjpeg"), src.Concat(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.MediaDir = dir
	if cfg.FPS == 0 {
		cfg.FPS = 60
	}
	if cfg.PatternFrames == 0 {
		cfg.PatternFrames = 4
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return servertest.Start(t, cfg).Addr().String()
}

// collect reads n frames (or until Done or the timeout).
func collect(t testing.TB, s *client.Session, n int, timeout time.Duration) []client.Frame {
	t.Helper()
	var out []client.Frame
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case f := <-s.Frames():
			out = append(out, f)
		case <-s.Done():
			for {
				select {
				case f := <-s.Frames():
					out = append(out, f)
					continue
				default:
				}
				return out
			}
		case <-deadline:
			t.Fatalf("got %d of %d frames in %v (stats %+v)", len(out), n, timeout, s.Stats())
		}
	}
	return out
}

// matchAll checks that every frame is pixel-identical to a source frame.
func matchAll(t testing.TB, src *clienttest.Sources, frames []client.Frame) {
	t.Helper()
	for i, f := range frames {
		if _, err := src.Match(f.JPEG); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
}

func dial(t testing.TB, url string, cfg client.Config) *client.Session {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := client.Dial(ctx, url, cfg)
	if err != nil {
		t.Fatalf("Dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}
