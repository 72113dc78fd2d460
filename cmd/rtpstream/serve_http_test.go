package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/web"
)

// startServe runs serve in-process with args until the test ends (or
// stop is called) and returns its stdout and stderr; stop cancels it
// (unless cancel is false: then it waits for serve to end by itself) and
// returns serve's error.
func startServe(t *testing.T, args ...string) (stdout, stderr *testenv.Buffer, stop func(cancel bool) error) {
	t.Helper()
	stdout, stderr = &testenv.Buffer{}, &testenv.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, args, stdout, stderr, serveHooks{patternFrames: 8}) }()
	var (
		stopped bool
		result  error
	)
	stop = func(doCancel bool) error {
		if stopped {
			return result
		}
		stopped = true
		if doCancel {
			cancel()
		}
		select {
		case result = <-done:
		case <-time.After(10 * time.Second):
			result = errors.New("serve did not return")
		}
		cancel()
		return result
	}
	t.Cleanup(func() {
		if stopped {
			return // the test judged serve's result
		}
		if err := stop(true); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return stdout, stderr, stop
}

// httpLine waits for serve's "http http://HOST:PORT/" line and returns
// the URL.
func httpLine(t *testing.T, stdout, stderr *testenv.Buffer) string {
	t.Helper()
	line, ok := stdout.WaitLine(10*time.Second, "http http://")
	if !ok {
		t.Fatalf("no http line:\n%s\n%s", stdout.String(), stderr.String())
	}
	text := stdout.String()
	if strings.LastIndex(text, "stream rtsp://") > strings.Index(text, "http http://") {
		t.Errorf("http line before a stream line:\n%s", text)
	}
	return strings.TrimPrefix(line, "http ")
}

// TestServeHTTP: --http 127.0.0.1:0 serves the API with the streams and
// their URLs, snapshots, and the metrics, after the stream lines.
func TestServeHTTP(t *testing.T) {
	stdout, stderr, stop := startServe(t, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0")
	base := httpLine(t, stdout, stderr)
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/") {
		t.Fatalf("http line %q", base)
	}
	resp, err := http.Get(base + "api/status")
	if err != nil {
		t.Fatal(err)
	}
	var st web.Status
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/status: %d %v", resp.StatusCode, err)
	}
	stream, _ := stdout.WaitLine(0, "stream ", "/test")
	found := false
	for _, s := range st.Streams {
		if s.Path == "/test" {
			found = true
			if "stream "+s.RTSPURL != stream || s.MJPEGURL != base+"test/stream.mjpeg" {
				t.Errorf("/test URLs %q %q; stream line %q", s.RTSPURL, s.MJPEGURL, stream)
			}
		}
	}
	if !found {
		t.Errorf("/test not in /api/status: %+v", st.Streams)
	}
	for _, p := range []string{"test/snapshot.jpg", "metrics", ""} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /%s: %d", p, resp.StatusCode)
		}
	}
	if err := stop(true); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := http.Get(base + "metrics"); err == nil {
		t.Errorf("HTTP listener still up after serve returned")
	}
}

// TestServeHTTPAddress: the default port falls back to a free one when
// taken, an explicit address that cannot bind is an error, off disables
// the listener, and the credentials flags go together.
func TestServeHTTPAddress(t *testing.T) {
	// Hold the default port (or find it held by someone else: the same).
	if ln, err := net.Listen("tcp", "127.0.0.1:"+defaultHTTPPort); err == nil {
		t.Cleanup(func() { ln.Close() })
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })

	t.Run("default port taken", func(t *testing.T) {
		stdout, stderr, _ := startServe(t, "--listen", "127.0.0.1:0")
		base := httpLine(t, stdout, stderr)
		if strings.HasSuffix(base, ":"+defaultHTTPPort+"/") || !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Errorf("http line %q: want a free port of 127.0.0.1", base)
		}
		if !strings.Contains(stderr.String(), "default HTTP port taken") {
			t.Errorf("no warning:\n%s", stderr.String())
		}
		resp, err := http.Get(base + "api/status")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/api/status on the fallback port: %d", resp.StatusCode)
		}
	})

	for _, c := range []struct {
		name    string
		args    []string
		wantErr string // "" when serve runs
	}{
		{"explicit address taken", []string{"--http", busy.Addr().String()}, "--http " + busy.Addr().String()},
		{"user without password", []string{"--http", "127.0.0.1:0", "--http-user", "ops"}, "--http-user and --http-pass"},
		{"off", []string{"--http", "off"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, stop := startServe(t, append([]string{"--listen", "127.0.0.1:0"}, c.args...)...)
			if c.wantErr != "" {
				err := stop(false)
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("serve %q: %v, want an error with %q", c.args, err, c.wantErr)
				}
				return
			}
			if _, ok := stdout.WaitLine(10*time.Second, "stream ", "/test"); !ok {
				t.Fatalf("no stream line:\n%s\n%s", stdout.String(), stderr.String())
			}
			if err := stop(true); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(stdout.String(), "http http") {
				t.Errorf("--http off printed an http line:\n%s", stdout.String())
			}
		})
	}
}
