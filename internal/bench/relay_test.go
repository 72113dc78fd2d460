package bench

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/benchpeer/gortsplibrelay/relay"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
)

// checkRelayResult asserts a healthy publish run.
func checkRelayResult(t *testing.T, res *Result, clients int, publish string) {
	t.Helper()
	checkResult(t, res, clients, 0)
	if res.PublishError != "" || res.PublishTransport != publish || res.PublishFrames < 30 {
		t.Errorf("publisher: %q %q %d frames", res.PublishError, res.PublishTransport, res.PublishFrames)
	}
	p50, p99 := res.RelayLatencyMsP50, res.RelayLatencyMsP99
	if p50 == nil || p99 == nil || *p50 <= 0 || *p99 < *p50 || *p99 > 1000 {
		t.Fatalf("relay latency p50 %v p99 %v", p50, p99)
	}
	// UDP readers on Linux end the latency at the kernel's receive time,
	// never after this process read the packet; TCP readers at the read.
	want := "read"
	if res.Transport == TransportUDP && runtime.GOOS == "linux" {
		want = "kernel"
	}
	r50 := res.RelayReadLatencyMsP50
	if res.RelayLatencyTo != want || r50 == nil || *r50 < *p50 {
		t.Errorf("relay latency to %q (want %q): p50 %v, read p50 %v", res.RelayLatencyTo, want, *p50, r50)
	}
	// Every client gets about every frame of the window, matched.
	if min := uint64(clients) * res.PublishFrames * 8 / 10; res.RelayFrames < min || res.RelayFramesUnmatched > res.RelayFrames/20 {
		t.Errorf("relay frames %d matched (want >= %d), %d unmatched", res.RelayFrames, min, res.RelayFramesUnmatched)
	}
	if res.Bytes < res.Packets*100 {
		t.Errorf("%d bytes for %d packets", res.Bytes, res.Packets)
	}
}

// TestPublishThrough publishes a file to our server (Publish: true; it
// depacketizes and re-packetizes, frames are matched by their scan tail)
// and to the gortsplib relay peer (in-process; it forwards the packets as
// they are), and plays it back with a few clients: frames arrive, and the
// relay latency fields are present and sane.
func TestPublishThrough(t *testing.T) {
	ours := strings.TrimSuffix(servertest.URL(t, servertest.Start(t, server.Config{Publish: true, PatternFrames: 30}), "/test"), "/test")
	r, err := relay.Start(relay.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	file := writeMJPEG(t)
	for _, tc := range []struct {
		name, base, publish, read string
		// setups bounds concurrent SETUPs: gortsplib v4.12.3 reads other
		// sessions' media maps unlocked when a UDP reader sets up
		// (ServerStream.readerAdd), a data race -race reports.
		setups int
	}{
		{"ours-udp-tcp", ours, TransportUDP, TransportTCP, 0},
		{"ours-tcp-udp", ours, TransportTCP, TransportUDP, 0},
		{"gortsplib-udp-udp", r.URL(), TransportUDP, TransportUDP, 1},
		{"gortsplib-tcp-tcp", r.URL(), TransportTCP, TransportTCP, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const clients = 4
			res, err := Run(context.Background(), Config{
				URL: tc.base + "/live/" + tc.name, Clients: clients, Duration: 1500 * time.Millisecond,
				Warmup: 200 * time.Millisecond, Transport: tc.read, MaxSetupConcurrency: tc.setups,
				Publish: file, PublishTransport: tc.publish,
			})
			if err != nil {
				t.Fatal(err)
			}
			checkRelayResult(t, res, clients, tc.publish)
		})
	}
}
