package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// testLogger discards logs unless RTPSTREAM_TEST_LOG=1.
func testLogger() *slog.Logger {
	if os.Getenv("RTPSTREAM_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startServer runs a server on 127.0.0.1 with a kernel-chosen port until
// the test ends; it returns the server and its host:port.
func startServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	if cfg.PatternFrames == 0 {
		cfg.PatternFrames = 30
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("New: %v", err)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		cancel()
		t.Fatalf("Listen: %v", err)
	}
	<-srv.Ready() // tests count frames: every pattern frame is there
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after cancel")
		}
	})
	return srv, srv.Addr().String()
}

// listeningServer is a server that has bound its sockets but does not
// serve: no scheduler, reader or accept goroutine runs, so a test may call
// the send path itself without racing them.
func listeningServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	if cfg.PatternFrames == 0 {
		cfg.PatternFrames = 30
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() {
		srv.ln.Close()
		srv.udp.close()
	})
	return srv
}

// patternFrame is frame i of the test pattern, rendered now if the
// background workers have not got to it.
func patternFrame(srv *Server, i int) *storedFrame {
	st := srv.cat.streams[PatternName]
	st.frames().prepare(i)
	f, err := st.frames().frame(i)
	if err != nil {
		panic(err) // prepare rendered it
	}
	return f
}

// ctl is a raw RTSP control connection for tests.
type ctl struct {
	t    testing.TB
	nc   net.Conn
	r    *rtsp.Reader
	cseq int
	addr string
}

func dialCtl(t testing.TB, addr string) *ctl {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	return &ctl{t: t, nc: nc, r: rtsp.NewReader(nc, rtsp.Limits{}), addr: addr}
}

// raw sends bytes as they are and reads one response.
func (c *ctl) raw(s string) *rtsp.Response {
	c.t.Helper()
	if _, err := c.nc.Write([]byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	return c.read()
}

func (c *ctl) read() *rtsp.Response {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		m, err := c.r.Read()
		if err != nil {
			c.t.Fatalf("read response: %v", err)
		}
		if resp, ok := m.(*rtsp.Response); ok {
			return resp
		}
	}
}

// do sends a request with the next CSeq and the given extra header lines.
func (c *ctl) do(method, url string, headers ...string) *rtsp.Response {
	c.t.Helper()
	c.cseq++
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s RTSP/1.0\r\nCSeq: %d\r\n", method, url, c.cseq)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	resp := c.raw(b.String())
	if got := resp.Header.Get("CSeq"); got != fmt.Sprint(c.cseq) {
		c.t.Errorf("%s: CSeq %q, want %d", method, got, c.cseq)
	}
	return resp
}

func (c *ctl) url(path string) string { return "rtsp://" + c.addr + path }

func wantStatus(t testing.TB, what string, resp *rtsp.Response, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Fatalf("%s: status %d %s, want %d", what, resp.StatusCode, resp.Reason, code)
	}
}

// sessionOf returns the session ID of a response.
func sessionOf(t testing.TB, resp *rtsp.Response) string {
	t.Helper()
	s, err := rtsp.ParseSession(resp.Header.Get("Session"))
	if err != nil {
		t.Fatalf("Session header %q: %v", resp.Header.Get("Session"), err)
	}
	return s.ID
}

// udpPorts opens an RTP/RTCP pair of local UDP sockets.
func udpPorts(t testing.TB) (rtpc, rtcpc *net.UDPConn) {
	t.Helper()
	for range 50 {
		a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		b, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1})
		if err != nil {
			a.Close()
			continue
		}
		_ = a.SetReadBuffer(4 << 20)
		t.Cleanup(func() { a.Close(); b.Close() })
		return a, b
	}
	t.Fatal("no UDP port pair")
	return nil, nil
}

func port(c *net.UDPConn) int { return c.LocalAddr().(*net.UDPAddr).Port }
