package bench

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
)

// startOurHTTP runs our server in-process with an HTTP listener on a
// kernel-chosen loopback port serving its ServeHTTP, and returns the test
// pattern's MJPEG URL.
func startOurHTTP(t *testing.T) string {
	t.Helper()
	srv := servertest.Start(t, server.Config{PatternFrames: 30})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() {
		_ = hs.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("http Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String() + server.PatternName + "/stream.mjpeg"
}

func TestHTTPViewers(t *testing.T) {
	u := startOurHTTP(t)
	const viewers = 4
	res, err := Run(context.Background(), Config{URL: u, Clients: viewers, Duration: 1500 * time.Millisecond,
		Warmup: 200 * time.Millisecond, ServerPID: os.Getpid(), Transport: TransportUDP})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", res.JSON())
	if res.ClientsPlaying != viewers || res.SetupErrors != 0 || res.ClientsEndedEarly != 0 {
		t.Fatalf("%d of %d viewers playing, %d ended early: %s %s", res.ClientsPlaying, viewers,
			res.ClientsEndedEarly, res.FirstError, res.FirstEndError)
	}
	// 30 fps for at least 1.7 s per viewer; half of it is plenty on a
	// loaded machine.
	if min := uint64(viewers * 25); res.Frames < min || res.Bytes == 0 {
		t.Errorf("frames %d (want >= %d), bytes %d", res.Frames, min, res.Bytes)
	}
	if res.Transport != TransportHTTP || res.Packets != 0 || res.ServerCPUUsPerPacket != nil {
		t.Errorf("transport %q packets %d cpu/packet %v", res.Transport, res.Packets, res.ServerCPUUsPerPacket)
	}
	if res.ServerCPUS == nil || res.ServerCPUUsPerKB == nil || res.ClientsNoFrame != 0 {
		t.Errorf("server_cpu_s %v server_cpu_us_per_kb %v, %d viewers without a frame",
			res.ServerCPUS, res.ServerCPUUsPerKB, res.ClientsNoFrame)
	}
	var m map[string]any
	if err := json.Unmarshal(res.JSON(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"clients", "duration_s", "frames", "bytes", "skipped_frames", "late_frames",
		"first_frame_ms_p50", "first_frame_ms_p99", "server_cpu_s", "server_cpu_us_per_kb",
		"server_cpu_us_per_packet", "bench_cpu_s", "transport"} {
		if v, ok := m[k]; !ok || (v == nil && k != "server_cpu_us_per_packet") {
			t.Errorf("JSON field %q: %v (present %v)", k, v, ok)
		}
	}
}

func TestHTTPErrors(t *testing.T) {
	u := startOurHTTP(t)
	for _, tc := range []struct {
		name, url, want string
	}{
		{"404", strings.Replace(u, "/test/", "/nothing/", 1), "404"},
		{"not multipart", strings.Replace(u, "stream.mjpeg", "snapshot.jpg", 1), "not multipart"},
		{"bad URL", "http:///x", "bad URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), Config{URL: tc.url, Duration: 100 * time.Millisecond,
				RequestTimeout: 2 * time.Second})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Run(context.Background(), Config{URL: u, Publish: "x.mjpeg"}); !errors.Is(err, ErrConfig) {
		t.Errorf("publish to an http URL: %v", err)
	}
}
