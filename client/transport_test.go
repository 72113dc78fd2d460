package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
)

// TestAutoFallbackSilentUDP: with "auto", when no UDP packet arrives after
// PLAY (a relay that drops everything), the client tears the UDP session
// down and plays over TCP on the same connection; against our server and
// GStreamer's.
func TestAutoFallbackSilentUDP(t *testing.T) {
	src := sources(t)
	for _, peer := range []string{"own", "gstreamer"} {
		t.Run(peer, func(t *testing.T) {
			t.Parallel()
			var addr, path string
			if peer == "own" {
				addr, path = startServer(t, src, server.Config{}), "/v.mjpeg"
			} else {
				u := clienttest.StartGst(t, "--source", "frames", "--path", testenv.SharedPath(t, "vectors/frames_640x480_q5/*.jpg"))
				addr, path = strings.TrimPrefix(u[:strings.LastIndex(u, "/")], "rtsp://"), u[strings.LastIndex(u, "/"):]
			}
			proxy := clienttest.StartProxy(t, addr, clienttest.RelayConfig{Blackhole: true})
			s := dial(t, proxy.URL(path), client.Config{NoPacketTimeout: 700 * time.Millisecond})
			start := time.Now()
			if err := s.Play(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d < 700*time.Millisecond {
				t.Fatalf("fell back after %v", d)
			}
			matchAll(t, src, collect(t, s, 10, 5*time.Second))
			if st := s.Stats(); st.Transport != client.TransportTCP || st.PacketsLost != 0 {
				t.Fatalf("stats %+v", st)
			}
			if n := proxy.Truth().Setups; n != 1 {
				t.Fatalf("%d UDP setups", n)
			}
			if err := s.Teardown(ctxT(t)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAutoFallback461: GStreamer's server restricted to TCP answers 461 to
// a UDP SETUP; "auto" then sets up TCP interleaved.
func TestAutoFallback461(t *testing.T) {
	src := clienttest.LoadSources(t, testenv.SharedPath(t, "vectors/frames_640x480_q5/*.jpg"))
	url := clienttest.StartGst(t, "--source", "frames", "--path", testenv.SharedPath(t, "vectors/frames_640x480_q5/*.jpg"), "--protocols", "tcp")
	s := dial(t, url, client.Config{})
	if err := s.Play(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	matchAll(t, src, collect(t, s, 10, 10*time.Second))
	if st := s.Stats(); st.Transport != client.TransportTCP {
		t.Fatalf("stats %+v", st)
	}
	if err := s.Teardown(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	s = dial(t, url, client.Config{Transport: client.TransportUDP})
	if err := s.Play(ctxT(t)); !errors.Is(err, client.ErrUnsupportedTransport) {
		t.Fatalf("udp only: %v", err)
	}
}

// TestMediaTimeout: over plain UDP with no packet at all, the stream ends
// with ErrTimeout after MediaTimeout; Close while Play waits returns at once.
func TestMediaTimeout(t *testing.T) {
	src := sources(t)
	addr := startServer(t, src, server.Config{})
	proxy := clienttest.StartProxy(t, addr, clienttest.RelayConfig{Blackhole: true})
	s := dial(t, proxy.URL("/v.mjpeg"), client.Config{Transport: client.TransportUDP, MediaTimeout: 500 * time.Millisecond})
	if err := s.Play(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("no media timeout")
	}
	mustIs(t, s.Err(), client.ErrTimeout)

	s = dial(t, proxy.URL("/v.mjpeg"), client.Config{NoPacketTimeout: time.Minute})
	errc := make(chan error, 1)
	go func() { errc <- s.Play(context.Background()) }()
	// PLAY answered: Play now waits for the first packet. (Close before
	// Play ends it the same: ErrState and ErrClosed.)
	testenv.WaitFor(t, 5*time.Second, "PLAY answered", func() bool { return s.State() == client.StatePlaying })
	s.Close()
	select {
	case err := <-errc:
		mustIs(t, err, client.ErrClosed)
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not end Play")
	}
}

// TestEndOfStream: a server at the end of a file sends RTCP BYE (RFC 3550
// §6.6); the client delivers every frame and ends with ErrEndOfStream.
func TestEndOfStream(t *testing.T) {
	src := sources(t)
	addr := startServer(t, src, server.Config{NoLoop: true})
	for _, tr := range []string{client.TransportUDP, client.TransportTCP} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			s := dial(t, "rtsp://"+addr+"/v.mjpeg", client.Config{Transport: tr})
			if err := s.Play(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			frames := collect(t, s, 100, 10*time.Second)
			mustIs(t, s.Err(), client.ErrEndOfStream)
			if len(frames) != len(src.JPEGs) {
				t.Fatalf("%d frames, want %d", len(frames), len(src.JPEGs))
			}
			for i, f := range frames {
				if k, err := src.Match(f.JPEG); err != nil || k != i {
					t.Fatalf("frame %d: source %d, %v", i, k, err)
				}
			}
		})
	}
}

// TestKeepalive: every session-timeout/2 the client sends GET_PARAMETER
// when Public lists it, else OPTIONS, with the Session header, also while
// paused.
func TestKeepalive(t *testing.T) {
	for _, method := range []string{"GET_PARAMETER", "OPTIONS"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			fake := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
				switch req.Method {
				case "OPTIONS":
					pub := "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN"
					if method == "GET_PARAMETER" {
						pub += ", GET_PARAMETER"
					}
					return clienttest.Answer(rtsp.StatusOK, "Public", pub)
				case "SETUP":
					return clienttest.Answer(rtsp.StatusOK, "Session", "abc;timeout=1", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
				case "DESCRIBE":
					return clienttest.Describe(req)
				}
				return clienttest.Answer(rtsp.StatusOK)
			})
			s := dial(t, fake.URL("/x"), client.Config{Transport: client.TransportTCP})
			if err := s.Setup(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			testenv.WaitFor(t, 5*time.Second, method+" keepalives", func() bool {
				n := 0
				for _, r := range fake.Requests() {
					if r.Method == method && r.Header.Get("Session") == "abc" && strings.HasSuffix(r.URL, "/x/") {
						n++
					}
				}
				return n >= 2
			})
		})
	}
}

// TestServerClosesConnection: a server closing the control connection
// ends the stream (ErrEndOfStream).
func TestServerClosesConnection(t *testing.T) {
	fake := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
		switch req.Method {
		case "SETUP":
			return clienttest.Answer(rtsp.StatusOK, "Session", "s1", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
		case "OPTIONS", "DESCRIBE":
			return clienttest.Describe(req)
		}
		return clienttest.Answer(rtsp.StatusOK)
	})
	s := dial(t, fake.URL("/x"), client.Config{Transport: client.TransportTCP})
	if err := s.Play(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	fake.Close()
	select {
	case <-s.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("stream did not end")
	}
	mustIs(t, s.Err(), client.ErrEndOfStream)
}
