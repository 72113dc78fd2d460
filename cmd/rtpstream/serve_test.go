package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
)

// Reload semantics these tests pin (cli.md leaves them open): a reload that
// adds a path prints its `stream rtsp://...` line on stdout, like the
// paths configured at start, so that whoever reads the lines learns the
// new URL; paths already announced are not printed again, and a removed
// path prints nothing. A bad file changes nothing and logs why at Error.

// serveConfig is a --config file with two relays of upstream and a
// publish path; extra adds paths (YAML lines under paths:).
func serveConfig(upstream, extra string) string {
	return fmt.Sprintf(`listen: "127.0.0.1:0"
paths:
  cam1:
    source: %[1]s
    source_transport: tcp
  cam2:
    source: %[1]s
  studio:
    publish: true
%[2]s`, upstream, extra)
}

// cam3 is the path a reload adds.
func cam3(upstream string) string {
	return fmt.Sprintf("  cam3:\n    source: %s\n    source_transport: tcp\n", upstream)
}

// streamURL returns the URL of a `stream` line ending in /name.
func streamURL(line string) string { return strings.TrimPrefix(strings.TrimSpace(line), "stream ") }

// checkContinuous fails unless the reader's stream had no lost packet, no
// incomplete frame and no RTP timestamp step over two frame periods (no
// frame missing: the "no gap over two periods" of the acceptance, in media
// time) and, in the second after each reload, no arrival gap over
// stallLimit (no stall: a path restarted by the reload stops for hundreds
// of milliseconds at least). Arrival gaps are not held to two periods: on
// a loaded 2-core machine the scheduler alone makes gaps of 70-80 ms with
// or without a reload.
func checkContinuous(t *testing.T, r *clienttest.Reader, period time.Duration, reloads ...time.Time) {
	t.Helper()
	if err := r.Session.Err(); err != nil {
		t.Errorf("reader's session ended: %v", err)
	}
	st := r.Session.Stats()
	if st.PacketsLost != 0 || st.FramesIncomplete != 0 {
		t.Errorf("reader lost %d packets, %d incomplete frames", st.PacketsLost, st.FramesIncomplete)
	}
	arrivals, ts := r.Arrivals()
	var maxTS uint32
	var maxArrival, maxNearReload time.Duration
	for i := 1; i < len(ts); i++ {
		maxTS = max(maxTS, ts[i]-ts[i-1])
		g := arrivals[i].Sub(arrivals[i-1])
		maxArrival = max(maxArrival, g)
		for _, rl := range reloads {
			if end := arrivals[i]; !end.Before(rl) && end.Sub(rl) <= time.Second {
				maxNearReload = max(maxNearReload, g)
			}
		}
	}
	t.Logf("%d frames, %d packets; largest step %d ticks, largest arrival gap %v (%v in the second after a reload)",
		len(ts), st.PacketsReceived, maxTS, maxArrival.Round(time.Millisecond), maxNearReload.Round(time.Millisecond))
	if limit := uint32(2 * period.Seconds() * 90000); maxTS > limit {
		t.Errorf("RTP timestamp step %d > two frame periods (%d): frames missing", maxTS, limit)
	}
	if maxNearReload > stallLimit {
		t.Errorf("arrival gap %v after a reload > %v", maxNearReload, stallLimit)
	}
}

// upstream runs our server's test pattern (30 fps) for the relays.
func upstream(t *testing.T) string {
	srv := servertest.Start(t, server.Config{PatternFrames: 8})
	return servertest.URL(t, srv, "/test")
}

const patternPeriod = time.Second / 30

// stallLimit is the longest arrival gap allowed right after a reload: two
// frame periods plus scheduling slack (see checkContinuous).
const stallLimit = 2*patternPeriod + 100*time.Millisecond

// TestServeReloadInProcess: serve runs in-process; a reload adds cam3
// (announced on stdout) while a reader of cam1 keeps playing without a
// gap; a bad file then keeps every path and logs why.
func TestServeReloadInProcess(t *testing.T) {
	up := upstream(t)
	conf := filepath.Join(t.TempDir(), "rtpstream.yaml")
	if err := os.WriteFile(conf, []byte(serveConfig(up, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, reload := serveInProcess(t, "--config", conf)
	line, ok := stdout.WaitLine(10*time.Second, "stream ", "/cam1")
	if !ok {
		t.Fatalf("no stream line for cam1:\n%s\n%s", stdout.String(), stderr.String())
	}
	for _, p := range []string{"/cam2", "/studio", "/test"} {
		if _, ok := stdout.WaitLine(0, "stream ", p); !ok {
			t.Errorf("no stream line for %s", p)
		}
	}
	r1 := clienttest.StartReader(t, streamURL(line), client.Config{Transport: client.TransportTCP}, false)
	r1.WaitFrames(t, 10, 5*time.Second)

	if err := os.WriteFile(conf, []byte(serveConfig(up, cam3(up))), 0o644); err != nil {
		t.Fatal(err)
	}
	reloaded := time.Now()
	reload <- struct{}{}
	line3, ok := stdout.WaitLine(5*time.Second, "stream ", "/cam3")
	if !ok {
		t.Fatalf("no stream line for cam3 after the reload:\n%s", stderr.String())
	}
	if _, ok := stderr.WaitLine(5*time.Second, "configuration reloaded"); !ok {
		t.Fatalf("reload not logged:\n%s", stderr.String())
	}
	r3 := clienttest.StartReader(t, streamURL(line3), client.Config{Transport: client.TransportTCP}, false)
	r3.WaitFrames(t, 5, 5*time.Second)
	r1.WaitFrames(t, 10, 5*time.Second)

	if err := os.WriteFile(conf, []byte(serveConfig(up, cam3(up))+"  bad:\n    source: ftp://x/y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badReload := time.Now()
	reload <- struct{}{}
	bad, ok := stderr.WaitLine(5*time.Second, "level=ERROR", "configuration not reloaded")
	if !ok {
		t.Fatalf("bad file not logged:\n%s", stderr.String())
	}
	if !strings.Contains(bad, "ftp") || !strings.Contains(bad, "rtpstream.yaml") {
		t.Errorf("the log does not say what is wrong where: %s", bad)
	}
	r1.WaitFrames(t, 10, 5*time.Second)
	r3.WaitFrames(t, 5, 5*time.Second)
	if n := strings.Count(stdout.String(), "/cam1\n"); n != 1 {
		t.Errorf("cam1 announced %d times", n)
	}
	checkContinuous(t, r1, patternPeriod, reloaded, badReload)
}

// childEnv names the variable that makes TestServeChild run `serve` with
// the --config file it names (the child process of TestServeSIGHUP).
const childEnv = "RTPSTREAM_TEST_SERVE_CONFIG"

// TestServeChild is not a test: it is the body of the child process of
// TestServeSIGHUP.
func TestServeChild(t *testing.T) {
	conf := os.Getenv(childEnv)
	if conf == "" {
		t.Skip("the child process of TestServeSIGHUP")
	}
	// run's body with a short test pattern (quick to make under -race);
	// SIGHUP goes through serve's own handler.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, []string{"--config", conf}, os.Stdout, os.Stderr, serveHooks{patternFrames: 8}); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestServeSIGHUP sends a real SIGHUP to `rtpstream serve` running in a
// child process: the added path is announced and plays while a reader of
// cam1 keeps playing without a gap; SIGTERM then exits 0.
func TestServeSIGHUP(t *testing.T) {
	up := upstream(t)
	conf := filepath.Join(t.TempDir(), "rtpstream.yaml")
	if err := os.WriteFile(conf, []byte(serveConfig(up, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := startChild(t, ctx, "TestServeChild", childEnv+"="+conf)
	line, ok := c.stdout.WaitLine(15*time.Second, "stream ", "/cam1")
	if !ok {
		t.Fatalf("no stream line for cam1:\n%s", c.stderr.String())
	}
	// A SIGHUP as soon as the lines are out reloads (it used to be able to
	// arrive before serve caught it, and kill it).
	c.signal(t, syscall.SIGHUP)
	if _, ok := c.stderr.WaitLine(5*time.Second, "configuration reloaded"); !ok {
		t.Fatalf("the first SIGHUP did not reload:\n%s", c.stderr.String())
	}
	r1 := clienttest.StartReader(t, streamURL(line), client.Config{Transport: client.TransportTCP}, false)
	r1.WaitFrames(t, 10, 5*time.Second)
	if err := os.WriteFile(conf, []byte(serveConfig(up, cam3(up))), 0o644); err != nil {
		t.Fatal(err)
	}
	hup := time.Now()
	c.signal(t, syscall.SIGHUP)
	line3, ok := c.stdout.WaitLine(5*time.Second, "stream ", "/cam3")
	if !ok {
		t.Fatalf("no stream line for cam3 after SIGHUP:\n%s", c.stderr.String())
	}
	r3 := clienttest.StartReader(t, streamURL(line3), client.Config{Transport: client.TransportTCP}, false)
	r3.WaitFrames(t, 5, 5*time.Second)
	r1.WaitFrames(t, 10, 5*time.Second)
	checkContinuous(t, r1, patternPeriod, hup)

	c.signal(t, syscall.SIGTERM)
	if err := c.wait(t, 10*time.Second); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, c.stderr.String())
	}
}

// serveInProcess runs serve's body with args in this process (a short test
// pattern; reload stands for SIGHUP) until the test ends, and returns its
// output buffers and the reload channel.
func serveInProcess(t *testing.T, args ...string) (stdout, stderr *testenv.Buffer, reload chan struct{}) {
	t.Helper()
	stdout, stderr = new(testenv.Buffer), new(testenv.Buffer)
	ctx, cancel := context.WithCancel(context.Background())
	reload = make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, args, stdout, stderr, serveHooks{reload: reload, patternFrames: 8})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("serve did not return")
		}
	})
	return stdout, stderr, reload
}
