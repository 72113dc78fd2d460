package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startOurServer runs our server in-process on a kernel-chosen port and
// returns the test pattern's URL.
func startOurServer(t *testing.T) string {
	t.Helper()
	return servertest.URL(t, servertest.Start(t, server.Config{PatternFrames: 30}), "/test")
}

// checkResult asserts a healthy run and that the JSON line carries every
// field the CLI contract names.
func checkResult(t *testing.T, res *Result, clients int, maxLoss float64) {
	t.Helper()
	t.Logf("%s", res.JSON())
	if res.ClientsPlaying != clients || res.SetupErrors != 0 {
		t.Fatalf("%d of %d clients playing: %s", res.ClientsPlaying, clients, res.FirstError)
	}
	if res.Packets == 0 || res.Frames == 0 {
		t.Fatalf("packets %d frames %d", res.Packets, res.Frames)
	}
	if res.LossRate > maxLoss {
		t.Errorf("loss rate %v > %v (%d of %d)", res.LossRate, maxLoss, res.PacketsLost, res.PacketsExpected)
	}
	if res.ClientsNoFrame != 0 || res.FirstFrameMsP50 == nil || res.FirstFrameMsP99 == nil {
		t.Errorf("%d clients without a frame", res.ClientsNoFrame)
	}
	if res.BadPackets != 0 {
		t.Errorf("%d packets are not RTP", res.BadPackets)
	}
	var m map[string]any
	if err := json.Unmarshal(res.JSON(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"clients", "duration_s", "packets", "loss_rate", "late_frame_rate",
		"first_frame_ms_p50", "first_frame_ms_p99", "server_cpu_s", "server_cpu_us_per_packet",
		"server_rss_bytes", "bench_cpu_s", "transport"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func TestOurServer(t *testing.T) {
	u := startOurServer(t)
	for _, tc := range []struct {
		name      string
		transport string
		clients   int
		noGRO     bool
	}{{"udp", TransportUDP, 20, false}, {"udp-no-gro", TransportUDP, 10, true}, {"tcp", TransportTCP, 10, false}} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), Config{
				URL: u, Clients: tc.clients, Duration: 2 * time.Second, Transport: tc.transport,
				Warmup: 200 * time.Millisecond, NoGRO: tc.noGRO,
			})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, tc.clients, 0)
			if res.Transport != tc.transport || res.ServerCPUS != nil || res.ServerRSSBytes != nil {
				t.Errorf("transport %q server_cpu_s %v rss %v", res.Transport, res.ServerCPUS, res.ServerRSSBytes)
			}
			// Our server sends GSO; Linux >= 5.0 hands it to GRO sockets
			// whole, and the split reads must account the same packets.
			if wantGRO := tc.transport == TransportUDP && !tc.noGRO && runtime.GOOS == "linux"; res.UDPGRO != wantGRO {
				t.Errorf("udp_gro %v, want %v", res.UDPGRO, wantGRO)
			}
			// 30 fps for 2 s per client, whatever the packets per frame.
			if min := uint64(tc.clients) * 50; res.Frames < min {
				t.Errorf("%d frames, want >= %d", res.Frames, min)
			}
		})
	}
}

// TestServerPID measures this very process as the "server": the CPU and
// RSS fields must then be present and sane.
func TestServerPID(t *testing.T) {
	u := startOurServer(t)
	res, err := Run(context.Background(), Config{URL: u, Clients: 2, Duration: 500 * time.Millisecond,
		Warmup: 100 * time.Millisecond, ServerPID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if res.ServerCPUS == nil || res.ServerCPUUsPerPacket == nil || res.ServerRSSBytes == nil || *res.ServerRSSBytes < 1<<20 {
		t.Fatalf("server fields missing: %s", res.JSON())
	}
}

func TestRunErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no URL", Config{}},
		{"bad transport", Config{URL: "rtsp://h/x", Transport: "sctp"}},
		{"bad scheme", Config{URL: "http://h/x"}},
		{"refused", Config{URL: "rtsp://" + addr + "/x", Clients: 2, Duration: time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tc.cfg); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestNotFoundPath(t *testing.T) {
	u := startOurServer(t)
	res, err := Run(context.Background(), Config{URL: strings.TrimSuffix(u, "/test") + "/nope", Clients: 1, Duration: time.Millisecond})
	if err == nil || res == nil || res.SetupErrors != 1 || !strings.Contains(res.FirstError, "404") {
		t.Fatalf("err %v res %+v", err, res)
	}
}

// writeMJPEG writes a short raw MJPEG file for the peers.
func writeMJPEG(t *testing.T) string {
	t.Helper()
	v, err := mjpeg.PatternVideo(320, 240, 30, 30, 75)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "clip.mjpeg")
	if err := os.WriteFile(p, bytes.Join(v.Frames, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// startPeer runs a peer server and returns the URL from its "READY URL"
// line; the process is terminated when the test ends.
func startPeer(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "READY" {
				lines <- f[1]
				break
			}
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case u, ok := <-lines:
		if !ok {
			t.Fatalf("%s exited without READY: %s", name, stderr.String())
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("%s not READY in 30 s: %s", name, stderr.String())
	}
	return ""
}

func TestGortsplibPeer(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the gortsplib peer")
	}
	if testing.Short() {
		t.Skip("builds the gortsplib peer")
	}
	bin := filepath.Join(t.TempDir(), "gortsplibserver")
	build := exec.Command(gobin, "build", "-o", bin, "../benchpeer/gortsplibserver")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build peer: %v\n%s", err, out)
	}
	u := startPeer(t, bin, "--file", writeMJPEG(t), "--path", "/clip", "--fps", "30")
	for _, tr := range []string{TransportUDP, TransportTCP} {
		t.Run(tr, func(t *testing.T) {
			res, err := Run(context.Background(), Config{URL: u, Clients: 5, Duration: time.Second, Transport: tr, Warmup: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, 5, 0)
		})
	}
}

func TestGStreamerPeer(t *testing.T) {
	testenv.LookPeer(t, "gst-launch-1.0")
	script := testenv.SharedPath(t, "peers/gst_rtsp_server.py")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	u := startPeer(t, "/usr/bin/python3", script, "--port", strconv.Itoa(port), "--source", "mjpeg",
		"--path", writeMJPEG(t), "--fps", "30", "--mount", "/clip")
	for _, tr := range []string{TransportUDP, TransportTCP} {
		t.Run(tr, func(t *testing.T) {
			res, err := Run(context.Background(), Config{URL: u, Clients: 5, Duration: time.Second, Transport: tr, Warmup: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, 5, 0)
		})
	}
}
