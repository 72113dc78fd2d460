package server

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// panicOnce is a slog.Handler that panics the first time it handles a
// record with message msg (a seam inside a connection's handler: the
// server logs "setup" from the connection's goroutine), and otherwise
// writes text to buf.
type panicOnce struct {
	msg   string
	fired *atomic.Bool
	mu    *sync.Mutex
	buf   *bytes.Buffer
	slog.Handler
}

func newPanicOnce(msg string) *panicOnce {
	h := &panicOnce{msg: msg, fired: new(atomic.Bool), mu: new(sync.Mutex), buf: new(bytes.Buffer)}
	h.Handler = slog.NewTextHandler(lockedWriter{h.mu, h.buf}, nil)
	return h
}

func (h *panicOnce) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg && h.fired.CompareAndSwap(false, true) {
		panic("test: handler panic")
	}
	return h.Handler.Handle(ctx, r)
}

func (h *panicOnce) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.Handler = h.Handler.WithAttrs(as)
	return &c
}

func (h *panicOnce) WithGroup(g string) slog.Handler {
	c := *h
	c.Handler = h.Handler.WithGroup(g)
	return &c
}

func (h *panicOnce) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.buf.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestConnPanicRecovered: a panic in one connection's handler is
// recovered and logged once with its stack; it closes that connection
// and its session only, and the server keeps serving others.
func TestConnPanicRecovered(t *testing.T) {
	h := newPanicOnce("setup")
	srv, addr := startServer(t, Config{Logger: slog.New(h)})

	a := dialCtl(t, addr)
	a.cseq++
	if _, err := a.nc.Write([]byte("SETUP " + a.url(PatternName) + " RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = a.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if m, err := a.r.Read(); err == nil {
		t.Fatalf("the panicking connection answered %v; want it closed", m)
	}
	if !h.fired.Load() {
		t.Fatal("the seam did not fire")
	}

	// Another connection plays.
	b := dialCtl(t, addr)
	resp := b.do("SETUP", b.url(PatternName), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	wantStatus(t, "SETUP after the panic", resp, 200)
	id := sessionOf(t, resp)
	wantStatus(t, "PLAY after the panic", b.do("PLAY", b.url(PatternName), "Session: "+id), 200)

	// The panicking connection's session is gone; only b's remains.
	sessions := func() int {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.sessions)
	}
	if !waitFor(5*time.Second, func() bool { return sessions() == 1 }) {
		t.Fatalf("%d sessions, want 1 (the panicking connection's closed)", sessions())
	}
	logs := h.text()
	if n := strings.Count(logs, "connection handler panic"); n != 1 || !strings.Contains(logs, "goroutine") {
		t.Errorf("want one panic line with a stack, got %d:\n%s", n, logs)
	}
}
