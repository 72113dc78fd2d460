package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
)

// recRun runs `rtpstream ARGS...` in-process and returns the exit status,
// stdout and stderr.
func recRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// recJSON parses the statistics object record prints.
func recJSON(t *testing.T, out string) recordStats {
	t.Helper()
	var rs recordStats
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rs); err != nil {
		t.Fatalf("stats JSON %q: %v", out, err)
	}
	// The keys cli.md names must be there.
	var m map[string]any
	_ = json.Unmarshal([]byte(lines[len(lines)-1]), &m)
	for _, k := range []string{"frames", "frames_incomplete", "packets", "packets_lost", "loss_rate", "bitrate_bps", "fps", "jitter_ms", "transport", "width", "height", "duplicates", "reordered"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("stats JSON lacks %q: %s", k, out)
		}
	}
	return rs
}

// recSources are the 640x480 4:2:0 vector frames (dri: with restart
// markers, RFC 2435 type 65).
func recSources(t *testing.T, dri bool) (*clienttest.Sources, string) {
	glob := "vectors/frames_640x480_q5/*.jpg"
	if dri {
		glob = "vectors/frames_640x480_q5_dri/*.jpg"
	}
	g := testenv.SharedPath(t, glob)
	return clienttest.LoadSources(t, g), g
}

// recServer runs our own server with v.mjpeg made of the sources.
func recServer(t *testing.T, src *clienttest.Sources, cfg server.Config) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "v.mjpeg"), src.Concat(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.MediaDir = dir
	cfg.PatternFrames = 4
	if cfg.FPS == 0 {
		cfg.FPS = 60
	}
	return servertest.Start(t, cfg).Addr().String()
}

// recCheckFrames checks every recorded frame against the sources (nil:
// just that it decodes) and returns the frames.
func recCheckFrames(t *testing.T, path string, src *clienttest.Sources) [][]byte {
	t.Helper()
	frames := clienttest.ReadFrames(t, path)
	for i, f := range frames {
		if src == nil {
			if err := clienttest.Decodes(f); err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			continue
		}
		if _, err := src.Match(f); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	return frames
}

// TestRecordGStreamer: acceptance items 1 and 2. Against GStreamer's
// server fed 4:2:0 JPEGs (type 1), JPEGs with restart markers (type 65), and
// its live test source, over UDP and TCP: at least 95 % of the expected
// frames (30 fps) in the duration, every frame pixel-identical to a source
// frame, statistics consistent with a lossless loopback.
func TestRecordGStreamer(t *testing.T) {
	for _, tc := range []struct {
		name, source string
		dri          bool
		transport    string
		dur          time.Duration
	}{
		{"frames-udp", "frames", false, "udp", 5 * time.Second},
		{"frames-tcp", "frames", false, "tcp", 5 * time.Second},
		{"dri-udp", "frames", true, "udp", 3 * time.Second},
		{"dri-tcp", "frames", true, "tcp", 3 * time.Second},
		{"testsrc-udp", "test", false, "udp", 3 * time.Second},
		{"testsrc-auto", "test", false, "auto", 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var src *clienttest.Sources
			args := []string{"--source", tc.source}
			if tc.source == "frames" {
				var glob string
				src, glob = recSources(t, tc.dri)
				args = append(args, "--path", glob)
			}
			url := clienttest.StartGst(t, args...)
			out := filepath.Join(t.TempDir(), "rec.mjpeg")
			code, stdout, stderr := recRun(t, "record", url, "-o", out, "--duration", tc.dur.String(), "--transport", tc.transport)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rs := recJSON(t, stdout)
			frames := recCheckFrames(t, out, src)
			want := "udp"
			if tc.transport == "tcp" {
				want = "tcp"
			}
			expected := tc.dur.Seconds() * 30
			t.Logf("%d frames of %.0f expected; stats %+v", len(frames), expected, rs)
			if float64(len(frames)) < 0.95*expected {
				t.Fatalf("%d frames, want >= 95 %% of %.0f", len(frames), expected)
			}
			if rs.Frames != len(frames) || rs.PacketsLost != 0 || rs.LossRate != 0 || rs.FramesIncomplete != 0 ||
				rs.Transport != want || rs.Width != 640 || rs.Height != 480 || rs.Packets == 0 ||
				rs.BitrateBps <= 0 || math.Abs(rs.FPS-30) > 3 || rs.JitterMs < 0 || rs.Duplicates != 0 {
				t.Fatalf("inconsistent stats %+v", rs)
			}
			if strings.Contains(stderr, "recording:") {
				t.Fatal("progress line written to a non-terminal")
			}
		})
	}
}

// TestRecordOwnServer: acceptance item 3, over udp, tcp and auto, in both
// output formats.
func TestRecordOwnServer(t *testing.T) {
	src, _ := recSources(t, false)
	addr := recServer(t, src, server.Config{})
	for _, tc := range []struct{ transport, format, want string }{
		{"udp", "raw", "udp"}, {"tcp", "lab", "tcp"}, {"auto", "raw", "udp"},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, "rec.mjpeg")
			statsPath := filepath.Join(dir, "stats.json")
			code, stdout, stderr := recRun(t, "record", "rtsp://"+addr+"/v.mjpeg", "-o", out, "--frames", "30",
				"--transport", tc.transport, "--format", tc.format, "--stats-json", statsPath)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if stdout != "" {
				t.Fatalf("stdout %q with --stats-json PATH", stdout)
			}
			js, err := os.ReadFile(statsPath)
			if err != nil {
				t.Fatal(err)
			}
			rs := recJSON(t, string(js))
			frames := recCheckFrames(t, out, src)
			head, _ := os.ReadFile(out)
			if f, _ := mjpeg.Detect(head[:mjpeg.DetectLen]); f.String() != tc.format {
				t.Fatalf("file format %s, want %s", f, tc.format)
			}
			if len(frames) != 30 || rs.Frames != 30 || rs.PacketsLost != 0 || rs.FramesIncomplete != 0 ||
				rs.Transport != tc.want || rs.Width != 640 || rs.Height != 480 {
				t.Fatalf("%d frames, stats %+v", len(frames), rs)
			}
			noTempFiles(t, dir)
		})
	}
}

// TestRecordLab: acceptance item 4. `record --lab` against a fake lab
// server that enforces lab-dialect.md receives every frame, byte for byte,
// ends when the server stops (no packet for 2 s), and closes the connection
// after TEARDOWN.
func TestRecordLab(t *testing.T) {
	src, _ := recSources(t, false)
	lab := clienttest.StartLabServer(t, clienttest.LabConfig{Frames: src.JPEGs, Count: 20, Interval: 25 * time.Millisecond})
	out := filepath.Join(t.TempDir(), "movie.Mjpeg")
	code, stdout, stderr := recRun(t, "record", "--lab", lab.URL, "-o", out, "--format", "lab")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rs := recJSON(t, stdout)
	frames := clienttest.ReadFrames(t, out)
	if len(frames) != 20 || rs.Frames != 20 || !rs.Lab || rs.PacketsLost != 0 || rs.Packets != 20 {
		t.Fatalf("%d frames, stats %+v", len(frames), rs)
	}
	for i, f := range frames {
		if !bytes.Equal(f, src.JPEGs[i%len(src.JPEGs)]) {
			t.Fatalf("frame %d differs from the frame sent", i)
		}
	}
	if td, closed := lab.TornDown(); !td || !closed {
		t.Fatalf("teardown %v, connection closed by the client %v", td, closed)
	}
	if ign := lab.Ignored(); len(ign) > 0 {
		t.Fatalf("requests the lab server ignores: %q", ign)
	}
}

// TestRecordLossyRelay: acceptance item 5. Through a seeded lossy UDP
// relay in front of our server: packets_lost and loss_rate equal the
// injected drops exactly (duplicates and reorders too), frames with a
// missing fragment are counted and never written (every written frame is a
// source frame), and the jitter agrees with the relay's own RFC 3550 A.8
// computation within 10 %.
func TestRecordLossyRelay(t *testing.T) {
	src, _ := recSources(t, false)
	addr := recServer(t, src, server.Config{})
	proxy := clienttest.StartProxy(t, addr, clienttest.RelayConfig{
		Seed: 42, Drop: 0.04, Duplicate: 0.02, Reorder: 0.03, Delay: 0.1, MaxDelay: 8 * time.Millisecond, Limit: 600,
	})
	out := filepath.Join(t.TempDir(), "rec.mjpeg")
	code, stdout, stderr := recRun(t, "record", proxy.URL("/v.mjpeg"), "-o", out, "--transport", "udp", "--duration", "60s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rs := recJSON(t, stdout)
	truth := proxy.Truth()
	frames := recCheckFrames(t, out, src)
	t.Logf("relay: %d packets, %d dropped, %d duplicated, %d reordered, %d delayed, jitter %.3f ms; stats %+v",
		truth.Received, len(truth.Dropped), truth.Duplicated, truth.Reordered, truth.Delayed, truth.JitterMs, rs)
	if truth.Received != 600 || len(truth.Dropped) == 0 {
		t.Fatalf("relay %+v", truth)
	}
	if rs.PacketsLost != uint64(len(truth.Dropped)) || rs.LossRate != float64(len(truth.Dropped))/600 ||
		rs.Duplicates != uint64(truth.Duplicated) || rs.Reordered != uint64(truth.Reordered) ||
		rs.Packets != uint64(truth.Forwarded) || rs.PacketsExpected != 600 {
		t.Fatalf("stats differ from the injected counts")
	}
	if rs.FramesIncomplete == 0 || rs.Frames != len(frames) || uint64(len(frames)) != rs.FramesComplete {
		t.Fatalf("frames: %d in the file, stats %+v", len(frames), rs)
	}
	if d := math.Abs(rs.JitterMs-truth.JitterMs) / truth.JitterMs; d > 0.10 {
		t.Fatalf("jitter %.3f ms, reference %.3f ms (%.1f %% off)", rs.JitterMs, truth.JitterMs, d*100)
	}
}

// TestRecordFailures: acceptance item 6. Basic/Digest credentials work;
// wrong ones, a 404, a silent server and a refused connection end quickly
// with a clear message and exit status 1, leaving no output file.
func TestRecordFailures(t *testing.T) {
	src, _ := recSources(t, false)
	cred := rtsp.Credentials{Username: "alice", Password: "s3cret"}
	authAddr := recServer(t, src, server.Config{Credentials: &cred})
	basic := &clienttest.Auth{Scheme: "Basic", Realm: "r", Cred: cred}
	basicSrv := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
		if r := basic.Check(req); r != nil {
			return r
		}
		return clienttest.Answer(rtsp.StatusNotFound)
	})
	silent := clienttest.Silent(t)
	refused := "rtsp://127.0.0.1:" + strconv.Itoa(clienttest.FreePort(t)) + "/x"

	t.Run("digest-ok", func(t *testing.T) {
		dir := t.TempDir()
		code, stdout, stderr := recRun(t, "record", "rtsp://"+authAddr+"/v.mjpeg", "-o", filepath.Join(dir, "o.mjpeg"),
			"--frames", "5", "--user", "alice", "--pass", "s3cret")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if rs := recJSON(t, stdout); rs.Frames != 5 {
			t.Fatalf("stats %+v", rs)
		}
	})
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		msg    string
		within time.Duration
	}{
		{"digest-wrong", []string{"rtsp://" + authAddr + "/v.mjpeg", "--user", "alice", "--pass", "bad"}, 1, "wrong user name or password", 3 * time.Second},
		{"digest-missing", []string{"rtsp://" + authAddr + "/v.mjpeg"}, 1, "give a user name and password", 3 * time.Second},
		{"basic-wrong", []string{basicSrv.URL("/x"), "--user", "alice", "--pass", "bad"}, 1, "wrong user name or password", 3 * time.Second},
		{"basic-ok-404", []string{basicSrv.URL("/x"), "--user", "alice", "--pass", "s3cret"}, 1, "404 Not Found", 3 * time.Second},
		{"not-found", []string{"rtsp://" + authAddr + "/nope.mjpeg", "--user", "alice", "--pass", "s3cret"}, 1, "404", 3 * time.Second},
		{"silent", []string{silent.URL("/x"), "--timeout", "1s"}, 1, "timeout", 5 * time.Second},
		{"refused", []string{refused}, 1, "connection refused", 3 * time.Second},
		{"usage-no-url", []string{}, 2, "want exactly one URL", time.Second},
		{"usage-transport", []string{"rtsp://h/x", "--transport", "sctp"}, 2, "--transport", time.Second},
		{"usage-lab-tcp", []string{"rtsp://h/x", "--lab", "--transport", "tcp"}, 2, "UDP only", time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, "o.mjpeg")
			start := time.Now()
			code, stdout, stderr := recRun(t, append([]string{"record", "-o", out}, tc.args...)...)
			if code != tc.status || !strings.Contains(stderr, tc.msg) || !strings.HasPrefix(stderr, "rtpstream record: ") {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.status, tc.msg)
			}
			if d := time.Since(start); d > tc.within {
				t.Fatalf("took %v", d)
			}
			if stdout != "" {
				t.Fatalf("stdout %q", stdout)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("output file written")
			}
			noTempFiles(t, dir)
		})
	}
}

// TestRecordInterrupt: SIGINT (ctx canceled) ends cleanly: TEARDOWN, a
// complete output file, the statistics, exit status 0.
func TestRecordInterrupt(t *testing.T) {
	src, _ := recSources(t, false)
	lab := clienttest.StartLabServer(t, clienttest.LabConfig{Frames: src.JPEGs, Count: 100000, Interval: 10 * time.Millisecond})
	out := filepath.Join(t.TempDir(), "rec.mjpeg")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	var stdout, stderr bytes.Buffer
	if err := runRecord(ctx, []string{lab.URL, "--lab", "-o", out}, &stdout, &stderr); err != nil {
		t.Fatalf("%v (%s)", err, stderr.String())
	}
	frames := recCheckFrames(t, out, src)
	if rs := recJSON(t, stdout.String()); len(frames) == 0 || rs.Frames != len(frames) {
		t.Fatalf("%d frames, stats %+v", len(frames), rs)
	}
	if td, closed := lab.TornDown(); !td || !closed {
		t.Fatalf("teardown %v, closed %v", td, closed)
	}
}
