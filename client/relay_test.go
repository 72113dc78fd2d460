package client_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/server"
)

// TestLossyRelay plays through a seeded lossy UDP relay (drop, duplicate,
// reorder, delay): the loss, duplicate and reorder counts equal the
// injected ones exactly, no incomplete frame is delivered, the jitter agrees
// with the relay's own RFC 3550 A.8 computation within 10 %, and the
// receiver reports (RFC 3550 §6.4.2) that reached the relay carry the
// stream's SSRC, our CNAME and the right cumulative loss.
func TestLossyRelay(t *testing.T) {
	src := sources(t)
	addr := startServer(t, src, server.Config{FPS: 60})
	for _, seed := range []uint64{1, 2} {
		t.Run("seed"+string(rune('0'+seed)), func(t *testing.T) {
			proxy := clienttest.StartProxy(t, addr, clienttest.RelayConfig{
				Seed: seed, Drop: 0.03, Duplicate: 0.02, Reorder: 0.03, Delay: 0.1, MaxDelay: 8 * time.Millisecond, Limit: 500,
			})
			s := dial(t, proxy.URL("/v.mjpeg"), client.Config{Transport: client.TransportUDP, RTCPInterval: 150 * time.Millisecond})
			if err := s.Play(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			frames := collect(t, s, 1<<20, 20*time.Second) // until the relay's BYE
			mustIs(t, s.Err(), client.ErrEndOfStream)
			matchAll(t, src, frames)
			truth := proxy.Truth()
			st := s.Stats()
			t.Logf("truth: received %d, dropped %d, duplicated %d, reordered %d, delayed %d, jitter %.3f ms",
				truth.Received, len(truth.Dropped), truth.Duplicated, truth.Reordered, truth.Delayed, truth.JitterMs)
			t.Logf("stats: %+v", st)
			if truth.Received != 500 || !truth.ByeSent || len(truth.Dropped) == 0 || truth.Duplicated == 0 || truth.Reordered == 0 {
				t.Fatalf("relay did not do its job: %+v", truth)
			}
			if st.PacketsExpected != uint64(truth.Received) || st.PacketsLost != uint64(len(truth.Dropped)) ||
				st.PacketsReceived != uint64(truth.Forwarded) || st.Duplicates != uint64(truth.Duplicated) ||
				st.Reordered != uint64(truth.Reordered) {
				t.Fatalf("counts differ from the injected ones")
			}
			if want := float64(len(truth.Dropped)) / float64(truth.Received); st.LossRate != want {
				t.Fatalf("loss rate %v, want %v", st.LossRate, want)
			}
			if st.FramesIncomplete == 0 || uint64(len(frames)) != st.FramesComplete {
				t.Fatalf("frames: %d delivered, stats %+v", len(frames), st)
			}
			if d := math.Abs(st.JitterMs-truth.JitterMs) / truth.JitterMs; d > 0.10 {
				t.Fatalf("jitter %.3f ms, relay's reference %.3f ms (%.1f %% off)", st.JitterMs, truth.JitterMs, d*100)
			}
			if len(truth.Reports) == 0 || len(truth.CNAMEs) != len(truth.Reports) {
				t.Fatalf("%d receiver reports, %d CNAMEs", len(truth.Reports), len(truth.CNAMEs))
			}
			for _, rep := range truth.Reports {
				if rep.SSRC != st.SSRC || rep.TotalLost < 0 || int(rep.TotalLost) > len(truth.Dropped) {
					t.Fatalf("report %+v (stream SSRC %08x)", rep, st.SSRC)
				}
			}
			if !strings.HasPrefix(truth.CNAMEs[0], "rtpstream-") {
				t.Fatalf("CNAME %q", truth.CNAMEs[0])
			}
		})
	}
}
