package client_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/server"
)

// TestOwnServer plays from our own server over each transport: frames are
// pixel-identical to the source, nothing is lost on loopback, the state
// machine goes Init, Ready, Playing, Ready (Pause), Playing, Closed.
func TestOwnServer(t *testing.T) {
	src := sources(t)
	addr := startServer(t, src, server.Config{})
	for _, tr := range []string{client.TransportUDP, client.TransportTCP, client.TransportAuto} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			s := dial(t, "rtsp://"+addr+"/v.mjpeg", client.Config{Transport: tr})
			if st := s.State(); st != client.StateInit {
				t.Fatalf("state %s after Dial", st)
			}
			if d := s.Description(); d.Control != "rtsp://"+addr+"/v.mjpeg/stream=0" || d.PayloadType != 26 {
				t.Fatalf("description %+v", d)
			}
			ctx := ctxT(t)
			if err := s.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			if st := s.State(); st != client.StateReady {
				t.Fatalf("state %s after Setup", st)
			}
			if err := s.Play(ctx); err != nil {
				t.Fatal(err)
			}
			frames := collect(t, s, 20, 10*time.Second)
			if err := s.Pause(ctx); err != nil {
				t.Fatal(err)
			}
			if st := s.State(); st != client.StateReady {
				t.Fatalf("state %s after Pause", st)
			}
			if err := s.Play(ctx); err != nil {
				t.Fatal(err)
			}
			frames = append(frames, collect(t, s, 10, 10*time.Second)...)
			matchAll(t, src, frames)
			// Our server sends a frame as one GSO message; on Linux the
			// client's UDP_GRO socket gets it in one read, cut correctly
			// (matchAll above).
			if n, want := client.CoalescedReads(s), tr != client.TransportTCP && runtime.GOOS == "linux"; (n > 0) != want {
				t.Errorf("%d coalesced reads; want some: %v", n, want)
			}
			if err := s.Teardown(ctx); err != nil {
				t.Fatal(err)
			}
			if st := s.State(); st != client.StateClosed {
				t.Fatalf("state %s after Teardown", st)
			}
			st := s.Stats()
			want := tr
			if tr == client.TransportAuto {
				want = client.TransportUDP
			}
			if st.Transport != want || st.PacketsLost != 0 || st.FramesIncomplete != 0 || st.Duplicates != 0 ||
				st.Width != 640 || st.Height != 480 || st.FramesComplete < 30 || st.PacketsReceived == 0 || st.BitrateBps <= 0 || st.FPS <= 0 {
				t.Fatalf("stats %+v", st)
			}
			if f := frames[0]; f.Width != 640 || f.Height != 480 || f.Arrival.IsZero() {
				t.Fatalf("frame %+v", f)
			}
		})
	}
}
