package server

import (
	"cmp"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtsp"
)

// This file tests relays against our own server as the upstream (no peer
// needed); relay_peers_test.go does the same against GStreamer and ffmpeg.

// rtspTap is a TCP proxy in front of an RTSP server: it counts the requests
// its clients send (what the upstream sees: one relay session or more) and
// can cut every connection and refuse new ones, an outage.
type rtspTap struct {
	ln       net.Listener
	upstream string

	mu        sync.Mutex
	methods   map[string]int
	teardowns []time.Time
	conns     map[net.Conn]struct{}
	down      bool
	// holdTeardown delays forwarding TEARDOWN: an upstream slow to answer.
	holdTeardown time.Duration
	wg           sync.WaitGroup
}

// startTap runs a tap on 127.0.0.1 in front of upstream (host:port) until
// the test ends.
func startTap(t testing.TB, upstream string) *rtspTap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rtspTap{ln: ln, upstream: upstream, methods: map[string]int{}, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

// url is the tap's URL of path.
func (p *rtspTap) url(path string) string { return "rtsp://" + p.ln.Addr().String() + path }

// count returns how many requests of method went through.
func (p *rtspTap) count(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.methods[method]
}

// teardownTimes returns when each TEARDOWN went through.
func (p *rtspTap) teardownTimes() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.teardowns...)
}

// setDown starts an outage (every connection cut, new ones refused) or
// ends it.
func (p *rtspTap) setDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
	if down {
		p.cut()
	}
}

func (p *rtspTap) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

func (p *rtspTap) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *rtspTap) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		_ = c.Close()
	}
}

func (p *rtspTap) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.upstream, 2*time.Second)
		if err != nil {
			_ = c.Close()
			continue
		}
		if !p.track(c, up) {
			_ = c.Close()
			_ = up.Close()
			continue
		}
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c, up)
			_, _ = io.Copy(c, up)
		}()
		go func() {
			defer p.wg.Done()
			defer p.untrack(c, up)
			p.forwardRequests(c, up)
		}()
	}
}

// forwardRequests copies the client's requests and interleaved frames to
// the upstream, counting the requests.
func (p *rtspTap) forwardRequests(c, up net.Conn) {
	rd := rtsp.NewReader(c, rtsp.Limits{})
	for {
		m, err := rd.Read()
		if err != nil {
			return
		}
		var b []byte
		switch m := m.(type) {
		case *rtsp.Request:
			p.mu.Lock()
			p.methods[m.Method]++
			hold := time.Duration(0)
			if m.Method == "TEARDOWN" {
				p.teardowns = append(p.teardowns, time.Now())
				hold = p.holdTeardown
			}
			p.mu.Unlock()
			// A slow upstream, not synchronisation.
			time.Sleep(hold)
			b = m.Marshal()
		case *rtsp.Frame:
			b = rtsp.AppendFrame(nil, m.Channel, m.Payload)
		default:
			continue
		}
		if _, err := up.Write(b); err != nil {
			return
		}
	}
}

// relayReader is one of our clients playing a path, recording when each
// frame arrived.
type relayReader = clienttest.Reader

// playRelay plays url with our client over transport ("udp" or "tcp");
// keep keeps the JPEGs. The session is torn down when the test ends.
func playRelay(t testing.TB, url, transport string, keep bool) *relayReader {
	t.Helper()
	return clienttest.StartReader(t, url, client.Config{Transport: transport}, keep)
}

// waitFor polls cond until it holds or d passes (testenv.Poll).
func waitFor(d time.Duration, cond func() bool) bool { return testenv.Poll(d, cond) }

// logBuffer collects a server's log lines for assertions.
type logBuffer struct{ testenv.Buffer }

// lines returns the lines containing every one of subs.
func (l *logBuffer) lines(subs ...string) []string { return l.Lines(subs...) }

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// onDemandReaders checks acceptance item 3 against any upstream behind a
// tap: n readers (alternating UDP and TCP) all get frames through ONE
// upstream session, and the upstream gets TEARDOWN within closeAfter of
// the last reader leaving.
func onDemandReaders(t *testing.T, tap *rtspTap, relayURL string, n int) []*relayReader {
	t.Helper()
	readers := make([]*relayReader, n)
	for i := range readers {
		readers[i] = playRelay(t, relayURL, []string{"udp", "tcp"}[i%2], false)
	}
	if !waitFor(10*time.Second, func() bool {
		for _, r := range readers {
			if r.Frames() < 10 {
				return false
			}
		}
		return true
	}) {
		for i, r := range readers {
			t.Logf("reader %d: %d frames", i, r.Frames())
		}
		t.Fatalf("not every reader got 10 frames")
	}
	if got := tap.count("SETUP"); got != 1 {
		t.Errorf("upstream saw %d SETUPs for %d readers, want 1", got, n)
	}
	if got := tap.count("PLAY"); got != 1 {
		t.Errorf("upstream saw %d PLAYs for %d readers, want 1", got, n)
	}
	return readers
}

// leaveAndWaitTeardown closes every reader and checks the upstream gets
// TEARDOWN closeAfter (give or take scheduling) after the last one left.
func leaveAndWaitTeardown(t *testing.T, tap *rtspTap, readers []*relayReader, closeAfter time.Duration) {
	t.Helper()
	before := len(tap.teardownTimes())
	for _, r := range readers {
		r.Close()
	}
	left := time.Now()
	if !waitFor(closeAfter+3*time.Second, func() bool { return len(tap.teardownTimes()) > before }) {
		t.Fatalf("upstream got no TEARDOWN %v after the last reader left", closeAfter+3*time.Second)
	}
	after := tap.teardownTimes()[before].Sub(left)
	t.Logf("upstream TEARDOWN %v after the last reader left (close_after %v)", after.Round(time.Millisecond), closeAfter)
	// Not before close_after (the relay waits for a returning reader), and
	// within it plus a scheduling margin.
	if after < closeAfter-50*time.Millisecond || after > closeAfter+time.Second {
		t.Errorf("TEARDOWN %v after the last reader left, want about %v", after, closeAfter)
	}
}

// tapRelay runs an upstream (our server, upstream config) behind a tap and
// a relay server (cfg) whose path /relay pulls the upstream's /test over
// TCP through the tap, closing closeAfter after its last reader; it
// returns the tap and the relay's URL.
func tapRelay(t *testing.T, upstream, cfg Config, closeAfter time.Duration) (*rtspTap, string) {
	t.Helper()
	// Short test-pattern loops: encoding them is most of a start under -race.
	upstream.PatternFrames = cmp.Or(upstream.PatternFrames, 8)
	cfg.PatternFrames = cmp.Or(cfg.PatternFrames, 1)
	_, up := startServer(t, upstream)
	tap := startTap(t, up)
	cfg.Paths = []PathConfig{{Name: "/relay", Source: tap.url("/test"), SourceTransport: "tcp", CloseAfter: closeAfter}}
	_, addr := startServer(t, cfg)
	return tap, "rtsp://" + addr + "/relay"
}

func TestRelayOnDemandOneUpstreamSession(t *testing.T) {
	const closeAfter = 500 * time.Millisecond
	tap, relayURL := tapRelay(t, Config{}, Config{}, closeAfter)
	if tap.count("SETUP") != 0 {
		t.Fatalf("on-demand relay connected before any reader")
	}
	readers := onDemandReaders(t, tap, relayURL, 20)
	leaveAndWaitTeardown(t, tap, readers, closeAfter)

	// A reader coming back reconnects the relay.
	r := playRelay(t, relayURL, "tcp", false)
	if !waitFor(5*time.Second, func() bool { return r.Frames() >= 5 }) {
		t.Fatalf("reader after the relay closed got %d frames", r.Frames())
	}
	if got := tap.count("SETUP"); got != 2 {
		t.Errorf("upstream SETUPs %d, want 2", got)
	}
}

// TestRelayReaderReturnsBeforeCloseAfter: a reader that comes back within
// close_after keeps the upstream session (no TEARDOWN, no second SETUP).
func TestRelayReaderReturnsBeforeCloseAfter(t *testing.T) {
	tap, relayURL := tapRelay(t, Config{}, Config{}, 2*time.Second)
	r := playRelay(t, relayURL, "tcp", false)
	if !waitFor(5*time.Second, func() bool { return r.Frames() >= 3 }) {
		t.Fatalf("got %d frames", r.Frames())
	}
	r.Close()
	r2 := playRelay(t, relayURL, "udp", false)
	if !waitFor(5*time.Second, func() bool { return r2.Frames() >= 3 }) {
		t.Fatalf("second reader got %d frames", r2.Frames())
	}
	if s, td := tap.count("SETUP"), tap.count("TEARDOWN"); s != 1 || td != 0 {
		t.Errorf("upstream SETUP %d TEARDOWN %d, want 1 and 0", s, td)
	}
}

// TestRelayOutageLogsOnce: a relayed source that goes away is retried with
// back-off; the outage is one Warn line and the recovery one Info line,
// and readers get frames again without reconnecting.
func TestRelayOutageLogsOnce(t *testing.T) {
	var logs logBuffer
	tap, relayURL := tapRelay(t, Config{}, Config{
		Logger:       logs.logger(),
		RelayBackoff: 20 * time.Millisecond, RelayMaxBackoff: 80 * time.Millisecond,
	}, 0)
	r := playRelay(t, relayURL, "udp", false)
	if !waitFor(5*time.Second, func() bool { return r.Frames() >= 3 }) {
		t.Fatalf("got %d frames", r.Frames())
	}
	for range 2 {
		tap.setDown(true)
		// Several reconnect attempts fail (20+40+80+80 ms...).
		retries := len(logs.lines("relay source still failing"))
		if !waitFor(5*time.Second, func() bool { return len(logs.lines("relay source still failing")) >= retries+3 }) {
			t.Fatalf("no retries logged:\n%s", strings.Join(logs.lines(), "\n"))
		}
		tap.setDown(false)
		back := time.Now()
		if !waitFor(5*time.Second, func() bool { return r.FramesSince(back) >= 3 }) {
			t.Fatalf("reader got no frames after the source came back")
		}
	}
	warn := logs.lines("level=WARN", "relay source failed")
	back := logs.lines("level=INFO", "relay source back")
	if len(warn) != 2 || len(back) != 2 || len(logs.lines("level=WARN")) != 2 {
		t.Errorf("two outages logged %d Warn and %d 'back' Info lines, want 2 and 2:\n%s",
			len(warn), len(back), strings.Join(logs.lines("relay"), "\n"))
	}
}

// TestRelayIdleStopWhileFramesFlow stops an on-demand relay again and again
// while its source sends frames fast: the stop must not wait for the relay
// while holding the path (the relay's last frame needs it), and a reader
// arriving meanwhile must not wait for the old connection's TEARDOWN.
func TestRelayIdleStopWhileFramesFlow(t *testing.T) {
	tap, relayURL := tapRelay(t, Config{PatternFPS: 400}, Config{}, 5*time.Millisecond)
	for i := range 15 {
		before := tap.count("TEARDOWN")
		r := playRelay(t, relayURL, "tcp", false)
		if !waitFor(5*time.Second, func() bool { return r.Frames() >= 2 }) {
			t.Fatalf("round %d: got %d frames", i, r.Frames())
		}
		r.Close()
		if !waitFor(5*time.Second, func() bool { return tap.count("TEARDOWN") > before }) {
			t.Fatalf("round %d: no upstream TEARDOWN after the reader left", i)
		}
	}
}

// TestRelayReaderDuringSlowTeardown: a reader arriving while the idle
// relay's TEARDOWN waits for a slow upstream gets frames at once from a new
// connection; it does not wait for the old one to finish.
func TestRelayReaderDuringSlowTeardown(t *testing.T) {
	tap, relayURL := tapRelay(t, Config{}, Config{}, 5*time.Millisecond)
	tap.mu.Lock()
	tap.holdTeardown = 1500 * time.Millisecond
	tap.mu.Unlock()
	r := playRelay(t, relayURL, "tcp", false)
	if !waitFor(5*time.Second, func() bool { return r.Frames() >= 2 }) {
		t.Fatalf("got %d frames", r.Frames())
	}
	r.Close()
	if !waitFor(5*time.Second, func() bool { return tap.count("TEARDOWN") == 1 }) {
		t.Fatalf("no upstream TEARDOWN")
	}
	start := time.Now()
	r2 := playRelay(t, relayURL, "tcp", false)
	if !waitFor(5*time.Second, func() bool { return r2.Frames() >= 2 }) {
		t.Fatalf("second reader got %d frames", r2.Frames())
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("second reader waited %v for frames behind the old relay's TEARDOWN", d.Round(time.Millisecond))
	}
}
