package client_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/internal/testenv"
)

// TestLab plays from a fake lab server that enforces lab-dialect.md: every
// frame arrives, byte-identical (whole JPEG payloads), and after TEARDOWN
// the client closes the connection.
func TestLab(t *testing.T) {
	src := sources(t)
	for _, tc := range []struct {
		name string
		cfg  client.Config
	}{
		{"forced", client.Config{Lab: true}},
		{"detected", client.Config{LabProbeTimeout: 300 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lab := clienttest.StartLabServer(t, clienttest.LabConfig{Frames: src.JPEGs, Count: 12, Interval: 20 * time.Millisecond})
			cfg := tc.cfg
			cfg.LabEndTimeout = 500 * time.Millisecond
			s := dial(t, lab.URL, cfg)
			if !s.Lab() || s.Description() != nil {
				t.Fatalf("Lab() = %v, Description = %v", s.Lab(), s.Description())
			}
			ctx := ctxT(t)
			if err := s.Play(ctx); err != nil {
				t.Fatal(err)
			}
			frames := collect(t, s, 1000, 10*time.Second) // until the end of stream
			mustIs(t, s.Err(), client.ErrEndOfStream)
			if len(frames) != 12 {
				t.Fatalf("got %d frames, want 12", len(frames))
			}
			for i, f := range frames {
				if !bytes.Equal(f.JPEG, src.JPEGs[i%len(src.JPEGs)]) {
					t.Fatalf("frame %d differs from the source", i)
				}
			}
			if err := s.Teardown(ctx); err != nil {
				t.Fatal(err)
			}
			testenv.WaitFor(t, 5*time.Second, "TEARDOWN and the connection closed", func() bool { td, closed := lab.TornDown(); return td && closed })
			st := s.Stats()
			if !st.Lab || st.Transport != client.TransportUDP || st.PacketsReceived != 12 || st.PacketsLost != 0 ||
				st.FramesComplete != 12 || st.Width != 640 || st.Height != 480 {
				t.Fatalf("stats %+v", st)
			}
			ign := lab.Ignored()
			if tc.cfg.Lab && len(ign) != 0 {
				t.Fatalf("forced lab dialect sent requests the lab server ignores: %q", ign)
			}
			if !tc.cfg.Lab && !slices.ContainsFunc(ign, func(s string) bool { return strings.HasPrefix(s, "OPTIONS ") }) {
				t.Fatalf("detection: no OPTIONS seen (ignored %q)", ign)
			}
		})
	}
}

// TestLabPause pauses and resumes a lab stream.
func TestLabPause(t *testing.T) {
	src := sources(t)
	lab := clienttest.StartLabServer(t, clienttest.LabConfig{Frames: src.JPEGs, Count: 1000, Interval: 10 * time.Millisecond})
	s := dial(t, lab.URL, client.Config{Lab: true})
	ctx := ctxT(t)
	if err := s.Play(ctx); err != nil {
		t.Fatal(err)
	}
	collect(t, s, 5, 5*time.Second)
	if err := s.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if s.State() != client.StateReady {
		t.Fatalf("state %s", s.State())
	}
	if err := s.Play(ctx); err != nil {
		t.Fatal(err)
	}
	collect(t, s, 5, 5*time.Second)
	if err := s.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.PacketsLost != 0 || st.FramesComplete < 10 {
		t.Fatalf("stats %+v", st)
	}
}
