package bench

import (
	"context"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/benchpeer/gortsplibrelay/relay"
)

// TestPublishThroughGortsplibRelay publishes a file to the gortsplib relay
// peer (in-process) and plays it back with a few clients: frames arrive,
// and the relay latency fields are present and sane.
func TestPublishThroughGortsplibRelay(t *testing.T) {
	r, err := relay.Start(relay.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	file := writeMJPEG(t)
	for _, tc := range []struct {
		name, publish, read string
	}{
		{"udp-udp", TransportUDP, TransportUDP},
		{"tcp-tcp", TransportTCP, TransportTCP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const clients = 4
			res, err := Run(context.Background(), Config{
				URL: r.URL() + "/live/" + tc.name, Clients: clients, Duration: 1500 * time.Millisecond,
				Warmup: 200 * time.Millisecond, Transport: tc.read,
				Publish: file, PublishTransport: tc.publish,
			})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, clients, 0)
			if res.PublishError != "" || res.PublishTransport != tc.publish || res.PublishFrames < 30 {
				t.Errorf("publisher: %q %q %d frames", res.PublishError, res.PublishTransport, res.PublishFrames)
			}
			p50, p99 := res.RelayLatencyMsP50, res.RelayLatencyMsP99
			if p50 == nil || p99 == nil || *p50 <= 0 || *p99 < *p50 || *p99 > 1000 {
				t.Fatalf("relay latency p50 %v p99 %v", p50, p99)
			}
			// Every client gets about every frame of the window, matched.
			if min := uint64(clients) * res.PublishFrames * 8 / 10; res.RelayFrames < min || res.RelayFramesUnmatched > res.RelayFrames/20 {
				t.Errorf("relay frames %d matched (want >= %d), %d unmatched", res.RelayFrames, min, res.RelayFramesUnmatched)
			}
			if res.Bytes < res.Packets*100 {
				t.Errorf("%d bytes for %d packets", res.Bytes, res.Packets)
			}
		})
	}
}
