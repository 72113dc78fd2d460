package server

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// byeWatch is one playing test client: playing is closed at its first
// RTP packet, bye when an RTCP BYE arrived, done when it stopped reading.
type byeWatch struct {
	name                 string
	playing, bye, doneCh chan struct{}
	onceP, onceB         sync.Once
}

func newByeWatch(name string) *byeWatch {
	return &byeWatch{name: name, playing: make(chan struct{}), bye: make(chan struct{}), doneCh: make(chan struct{})}
}

func (w *byeWatch) sawRTP() { w.onceP.Do(func() { close(w.playing) }) }
func (w *byeWatch) sawBye() { w.onceB.Do(func() { close(w.bye) }) }

// playTCPWatch plays /test interleaved on its own connection and reads
// until the server closes it, noting RTP and RTCP BYE.
func playTCPWatch(t *testing.T, addr string, name string) *byeWatch {
	t.Helper()
	c := dialCtl(t, addr)
	resp := c.do("SETUP", c.url(PatternName), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	wantStatus(t, name+" SETUP", resp, 200)
	id := sessionOf(t, resp)
	c.cseq++
	if _, err := c.nc.Write([]byte("PLAY " + c.url(PatternName) + " RTSP/1.0\r\nCSeq: 3\r\nSession: " + id + "\r\n\r\n")); err != nil {
		t.Fatalf("%s PLAY: %v", name, err)
	}
	w := newByeWatch(name)
	r := rtsp.NewReader(c.nc, rtsp.Limits{})
	go func() {
		defer close(w.doneCh)
		_ = c.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
		for {
			m, err := r.Read()
			if err != nil {
				return
			}
			if f, ok := m.(*rtsp.Frame); ok {
				switch f.Channel {
				case 0:
					w.sawRTP()
				case 1:
					if hasBye(f.Payload) {
						w.sawBye()
					}
				}
			}
		}
	}()
	return w
}

// playUDPWatch plays /test over UDP and reads its RTP and RTCP sockets
// until they close, noting RTP and RTCP BYE.
func playUDPWatch(t *testing.T, addr string, name string) *byeWatch {
	t.Helper()
	rtpc, rtcpc := udpPorts(t)
	c := dialCtl(t, addr)
	resp := c.do("SETUP", c.url(PatternName), "Transport: RTP/AVP;unicast;client_port="+itoa(port(rtpc))+"-"+itoa(port(rtcpc)))
	wantStatus(t, name+" SETUP", resp, 200)
	w := newByeWatch(name)
	go func() {
		buf := make([]byte, 2048)
		_ = rtpc.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, err := rtpc.Read(buf); err == nil {
			w.sawRTP()
		}
	}()
	go func() {
		defer close(w.doneCh)
		buf := make([]byte, 2048)
		_ = rtcpc.SetReadDeadline(time.Now().Add(20 * time.Second))
		for {
			n, err := rtcpc.Read(buf)
			if err != nil {
				return
			}
			if hasBye(buf[:n]) {
				w.sawBye()
				return
			}
		}
	}()
	resp = c.do("PLAY", c.url(PatternName), "Session: "+sessionOf(t, resp))
	wantStatus(t, name+" PLAY", resp, 200)
	return w
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestShutdownByeEveryClient is acceptance 4 in process: with 25 TCP and
// 25 UDP clients playing, cancelling Serve's context sends every one an
// RTCP BYE (TCP clients lost theirs when connections closed before their
// writer drained: issue 13) and Serve returns within 2 s.
func TestShutdownByeEveryClient(t *testing.T) {
	const perTransport = 25
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := New(ctx, Config{Logger: testLogger(), PatternFrames: 30})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	addr := srv.Addr().String()

	var all []*byeWatch
	for i := range perTransport {
		all = append(all, playTCPWatch(t, addr, "tcp "+itoa(i)), playUDPWatch(t, addr, "udp "+itoa(i)))
	}
	waitAll(t, all, func(w *byeWatch) <-chan struct{} { return w.playing }, 10*time.Second, "playing")

	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil && !errors.Is(err, ErrServerClosed) {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still running 5 s after cancel")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Serve took %v to return, want <= 2 s", took)
	}
	waitAll(t, all, func(w *byeWatch) <-chan struct{} { return w.doneCh }, 10*time.Second, "done reading")
	missing := 0
	for _, w := range all {
		select {
		case <-w.bye:
		default:
			missing++
			t.Errorf("%s: no RTCP BYE", w.name)
		}
	}
	t.Logf("%d of %d clients got BYE; Serve returned in %v", len(all)-missing, len(all), time.Since(start).Round(time.Millisecond))
}

// waitAll waits, within d, for ch(w) of every watch to close.
func waitAll(t *testing.T, all []*byeWatch, ch func(*byeWatch) <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	deadline := time.After(d)
	for _, w := range all {
		select {
		case <-ch(w):
		case <-deadline:
			t.Fatalf("%s: not %s within %v", w.name, what, d)
		}
	}
}
