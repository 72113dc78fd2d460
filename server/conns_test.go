package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/fdlimit"
)

// Tests of connection admission and read deadlines (issue 13, "Sessions
// and connections"): stray interleaved frames do not keep a connection,
// a new connection has a short deadline for its first request, connections
// without a request make room at the cap, the per-address limit, the
// default cap from the descriptor limit, and refusals logged once per
// interval.

// needFDs skips the test when the process may not open n more descriptors
// (Go raises the soft limit to the hard one at start-up; a hard limit
// below n cannot be raised without privileges).
func needFDs(t *testing.T, n uint64) {
	t.Helper()
	if soft, ok := fdlimit.Soft(); !ok || soft < n+256 {
		t.Skipf("needs %d file descriptors; RLIMIT_NOFILE is %d (raise it with ulimit -n)", n+256, soft)
	}
}

// dialN opens n connections to addr from local (nil: any loopback port).
func dialN(t *testing.T, addr string, n int, local net.Addr) []net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: local}
	out := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, nc := range out {
			nc.Close()
		}
	})
	for range n {
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d of %d: %v", len(out)+1, n, err)
		}
		out = append(out, nc)
	}
	return out
}

// closedByServer reads from nc until within d: true if the server closed
// it (EOF or reset), false if it stayed open.
func closedByServer(nc net.Conn, d time.Duration) bool {
	_ = nc.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, nc)
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

// options sends OPTIONS on nc and reports whether 200 came back.
func options(nc net.Conn) bool {
	_ = nc.SetDeadline(time.Now().Add(3 * time.Second))
	defer nc.SetDeadline(time.Time{})
	if _, err := nc.Write([]byte("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 12)
	_, err := io.ReadFull(nc, buf)
	return err == nil && string(buf) == "RTSP/1.0 200"
}

// TestStrayFramesDoNotKeepConnections: 1,024 connections (the cap) that
// send an empty interleaved frame ($\0\0\0) every 100 ms are closed at
// their deadline (a frame no session takes is no activity), and a
// legitimate client gets in: at once when they never sent a request (one
// of them makes room), after the read timeout when they did.
func TestStrayFramesDoNotKeepConnections(t *testing.T) {
	const n = 1024
	needFDs(t, 2*n+16)
	const timeout = 500 * time.Millisecond
	for _, tc := range []struct {
		name           string
		request        bool // each sends OPTIONS first
		admittedAtOnce bool // the legitimate client gets in before they close
	}{
		{"no request", false, true},
		{"after a request", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := startServer(t, Config{PatternFrames: 2, MaxConns: n, ReadTimeout: timeout, FirstRequestTimeout: timeout})
			start := time.Now()
			conns := make([]net.Conn, n)
			for i := range conns {
				// One at a time: each sends its request at once, within the
				// first-request deadline.
				conns[i] = dialN(t, addr, 1, nil)[0]
				if tc.request && !options(conns[i]) {
					t.Fatalf("connection %d: OPTIONS failed", i)
				}
			}
			// Each connection trickles empty frames until the server closes
			// it, or 10 s (the bug: they stay forever).
			closedAfter := make([]time.Duration, n)
			var wg sync.WaitGroup
			for i, nc := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Since(start) < 10*time.Second {
						if _, err := nc.Write([]byte("$\x00\x00\x00")); err != nil || closedByServer(nc, 100*time.Millisecond) {
							closedAfter[i] = time.Since(start)
							return
						}
					}
					closedAfter[i] = -1
				}()
			}
			legit := func() bool {
				c := dialN(t, addr, 1, nil)[0]
				defer c.Close()
				return options(c)
			}
			if tc.admittedAtOnce && !legit() {
				t.Error("a legitimate client was not admitted while the cap was full of connections that sent no request")
			}
			wg.Wait()
			var open, slowest int
			for i, d := range closedAfter {
				switch {
				case d < 0:
					open++
				case d > closedAfter[slowest]:
					slowest = i
				}
			}
			if open > 0 {
				t.Fatalf("%d of %d connections sending only empty interleaved frames still open after 10 s (read timeout %v)", open, n, timeout)
			}
			t.Logf("all %d closed; the last after %v (read timeout %v)", n, closedAfter[slowest].Round(time.Millisecond), timeout)
			if !waitFor(5*time.Second, legit) {
				t.Error("a legitimate client was not admitted after the stray connections closed")
			}
		})
	}
}

// TestFirstRequestTimeout: a connection that sends nothing is closed at
// FirstRequestTimeout, well before ReadTimeout; one that completed a
// request is kept for ReadTimeout.
func TestFirstRequestTimeout(t *testing.T) {
	const first = 200 * time.Millisecond
	_, addr := startServer(t, Config{PatternFrames: 2, ReadTimeout: 10 * time.Second, FirstRequestTimeout: first})
	conns := dialN(t, addr, 2, nil)
	silent, client := conns[0], conns[1]
	if !options(client) {
		t.Fatal("OPTIONS failed")
	}
	start := time.Now()
	if !closedByServer(silent, 5*time.Second) {
		t.Fatalf("a connection that sent nothing is still open after 5 s (FirstRequestTimeout %v)", first)
	}
	t.Logf("silent connection closed after %v", time.Since(start).Round(time.Millisecond))
	if closedByServer(client, 3*first) {
		t.Fatal("a connection that completed a request was closed at FirstRequestTimeout")
	}
	if !options(client) {
		t.Error("OPTIONS after idling failed")
	}
}

// TestCapMakesRoom: at MaxConns the oldest connection that completed no
// request is closed to admit a new one; connections that completed a
// request are never closed for a newcomer, which is refused instead.
func TestCapMakesRoom(t *testing.T) {
	const max = 8
	for _, tc := range []struct {
		name     string
		requests int // how many of the max connections (the oldest) sent OPTIONS
		admitted bool
		victim   int // index of the connection closed to admit (-1: none)
	}{
		{"all silent: oldest makes room", 0, true, 0},
		{"oldest served: next oldest makes room", 3, true, 3},
		{"all served: newcomer refused", max, false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, addr := startServer(t, Config{PatternFrames: 2, MaxConns: max})
			conns := dialN(t, addr, max, nil)
			for i := range tc.requests {
				if !options(conns[i]) {
					t.Fatalf("OPTIONS on connection %d failed", i)
				}
			}
			// Every connection is admitted before the newcomer comes.
			if !waitFor(5*time.Second, func() bool {
				srv.mu.Lock()
				defer srv.mu.Unlock()
				return len(srv.conns) == max
			}) {
				t.Fatal("connections not admitted")
			}
			newcomer := dialN(t, addr, 1, nil)[0]
			if got := options(newcomer); got != tc.admitted {
				t.Fatalf("newcomer admitted = %v, want %v", got, tc.admitted)
			}
			for i, nc := range conns {
				want := i == tc.victim
				if got := closedByServer(nc, 100*time.Millisecond); got != want {
					t.Errorf("connection %d closed = %v, want %v", i, got, want)
				}
			}
			if got := srv.refused.Load(); (got == 1) == tc.admitted {
				t.Errorf("refused count %d", got)
			}
		})
	}
}

// TestMaxConnsPerAddr: one address may open MaxConnsPerAddr connections;
// more from it are closed at accept, while another address gets in. The
// default leaves loopback addresses unlimited.
func TestMaxConnsPerAddr(t *testing.T) {
	other := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}
	if ln, err := net.ListenTCP("tcp", other); err != nil {
		t.Skipf("127.0.0.2 not usable on this host: %v", err)
	} else {
		ln.Close()
	}
	t.Run("set", func(t *testing.T) {
		const per = 3
		_, addr := startServer(t, Config{PatternFrames: 2, MaxConnsPerAddr: per})
		for i, nc := range dialN(t, addr, per, nil) {
			if !options(nc) {
				t.Fatalf("connection %d of %d refused", i+1, per)
			}
		}
		if options(dialN(t, addr, 1, nil)[0]) {
			t.Errorf("connection %d from one address admitted over MaxConnsPerAddr %d", per+1, per)
		}
		if !options(dialN(t, addr, 1, other)[0]) {
			t.Error("a connection from another address was refused")
		}
	})
	t.Run("default loopback", func(t *testing.T) {
		_, addr := startServer(t, Config{PatternFrames: 2})
		for i, nc := range dialN(t, addr, DefaultMaxConnsPerAddr+2, nil) {
			if !options(nc) {
				t.Fatalf("loopback connection %d refused by the default per-address limit", i+1)
			}
		}
	})
}

// TestAddrKey: the per-address limit counts IPv4 addresses one by one and
// IPv6 addresses by /64.
func TestAddrKey(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"},
		{"::1", "::"},
	} {
		if got := addrKey(netip.MustParseAddr(tc.a)); got != netip.MustParseAddr(tc.b) {
			t.Errorf("addrKey(%s) = %s, want %s", tc.a, got, tc.b)
		}
	}
}

// TestDefaultMaxConns: the default cap follows the descriptor limit, less
// the headroom, within [64, DefaultMaxConnsCeiling]; 1024 where unknown.
func TestDefaultMaxConns(t *testing.T) {
	for _, tc := range []struct {
		soft uint64
		ok   bool
		want int
	}{
		{0, false, 1024},
		{100, true, 64},
		{1024, true, 1024 - DefaultFDHeadroom},
		{4096, true, 4096 - DefaultFDHeadroom},
		{20000, true, DefaultMaxConnsCeiling},
		{1 << 20, true, DefaultMaxConnsCeiling},
		{math.MaxUint64, true, DefaultMaxConnsCeiling},
	} {
		if got := defaultMaxConns(tc.soft, tc.ok); got != tc.want {
			t.Errorf("defaultMaxConns(%d, %v) = %d, want %d", tc.soft, tc.ok, got, tc.want)
		}
	}
	soft, ok := fdlimit.Soft()
	got := Config{}.withDefaults().MaxConns
	if got != defaultMaxConns(soft, ok) {
		t.Errorf("default MaxConns %d, want %d from RLIMIT_NOFILE %d", got, defaultMaxConns(soft, ok), soft)
	}
	if ok && soft >= 2048+DefaultFDHeadroom && got < 2048 {
		t.Errorf("default MaxConns %d with RLIMIT_NOFILE %d", got, soft)
	}
}

// TestRefusalsLogged: a flood of refused connections logs the first, then
// one count when the interval ends (here: when the server stops).
func TestRefusalsLogged(t *testing.T) {
	const flood = 300
	var logs logBuffer
	// Registered before startServer, so it runs after the server stopped.
	t.Cleanup(func() {
		sum := logs.lines("connections refused")
		if len(sum) != 1 || !strings.Contains(sum[0], fmt.Sprintf("count=%d", flood-1)) {
			t.Errorf("summary lines %q, want one with count=%d", sum, flood-1)
		}
	})
	_, addr := startServer(t, Config{PatternFrames: 2, MaxConns: 1, Logger: logs.logger()})
	if !options(dialN(t, addr, 1, nil)[0]) {
		t.Fatal("first connection refused")
	}
	for i := range flood {
		nc := dialN(t, addr, 1, nil)[0]
		if !closedByServer(nc, 5*time.Second) {
			t.Fatalf("connection %d over MaxConns not closed", i)
		}
		nc.Close()
	}
	if got := logs.lines("connection refused"); len(got) != 1 {
		t.Errorf("%d refused connections logged %d lines, want 1 (then a count per interval)", flood, len(got))
	}
}

// TestLogThrottle: the first event is logged, the rest counted and logged
// as one line when the interval ends; stop logs what is left.
func TestLogThrottle(t *testing.T) {
	var logs logBuffer
	lt := newLogThrottle(logs.logger(), slog.LevelWarn, "many", 50*time.Millisecond)
	now := time.Now()
	for i := range 1000 {
		lt.note(now, "one", "i", i)
	}
	if got := logs.lines("msg=one"); len(got) != 1 {
		t.Fatalf("first event lines %q", got)
	}
	if !waitFor(5*time.Second, func() bool { return len(logs.lines("msg=many", "count=999")) == 1 }) {
		t.Fatalf("no count line after the interval; log:\n%s", logs.lines(""))
	}
	// Events right after a count line are counted again, stop logs them.
	lt.note(time.Now(), "one")
	lt.note(time.Now(), "one")
	lt.stop()
	if got := logs.lines("msg=many", "count=2"); len(got) != 1 {
		t.Errorf("stop: count lines %q", got)
	}
	if got := logs.lines("msg=one"); len(got) != 1 {
		t.Errorf("event lines %q, want the first only", got)
	}
}

// TestFFmpegPastIdleConnections (issue 13, acceptance 2): with 2,000 idle
// connections open, ffmpeg plays /test over TCP with >= 95 % of its frames
// and the server logs a handful of lines at most: under the default cap
// (from the descriptor limit) they all fit; under a cap of 1,024 the
// oldest of them make room.
func TestFFmpegPastIdleConnections(t *testing.T) {
	const idle = 2000
	needFDs(t, 2*idle+64)
	const seconds, fps = 2, 30
	for _, tc := range []struct {
		name     string
		maxConns int
	}{
		{"default cap", 0},
		{"cap 1024", 1024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs logBuffer
			var lines []string
			// Registered before startServer: runs once the server stopped,
			// when the count lines are out too.
			t.Cleanup(func() {
				lines = logs.lines("level=")
				var ours []string
				for _, l := range lines {
					if !strings.Contains(l, "level=DEBUG") && !strings.Contains(l, "session") && !strings.Contains(l, "msg=listening") {
						ours = append(ours, l)
					}
				}
				t.Logf("%d lines logged, %d about connections:\n%s", len(lines), len(ours), strings.Join(ours, "\n"))
				if len(ours) > 3 {
					t.Errorf("%d lines logged about the idle connections, want at most 3:\n%s", len(ours), strings.Join(ours, "\n"))
				}
			})
			srv, addr := startServer(t, Config{PatternFrames: 2, MaxConns: tc.maxConns, Logger: logs.logger()})
			dialN(t, addr, idle, nil)
			n := ffmpegFrames(t, "rtsp://"+addr+"/test", "tcp", seconds)
			if want := seconds * fps * 95 / 100; n < want {
				t.Errorf("ffmpeg decoded %d frames past %d idle connections, want >= %d", n, idle, want)
			}
			srv.mu.Lock()
			t.Logf("ffmpeg decoded %d frames; %d connections counted, cap %d", n, len(srv.conns), srv.cfg.MaxConns)
			srv.mu.Unlock()
		})
	}
}
