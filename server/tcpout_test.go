package server

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtsp"
)

// tcpPair is a loopback TCP connection: the server side (with a small send
// buffer, so a reader that stops reading fills it quickly) and the client.
func tcpPair(t *testing.T) (srvSide, cliSide *net.TCPConn) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cli, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.SetWriteBuffer(32 << 10)
	_ = cli.SetReadBuffer(32 << 10)
	t.Cleanup(func() { srv.Close(); cli.Close() })
	return srv, cli
}

// directTCPOut returns the test pattern's stream and a tcpOut (queue of 4
// frames) on the server side of a tcpPair, with the client side; it skips
// where the platform has no direct writes.
func directTCPOut(t *testing.T) (*Stream, *tcpOut, *net.TCPConn) {
	t.Helper()
	srv, _ := startServer(t, Config{})
	sc, cc := tcpPair(t)
	o := newTCPOut(sc, new(sync.Mutex), 4, 5*time.Second)
	if o.dw == nil {
		t.Skip("no direct writes on this platform")
	}
	return srv.cat.streams[PatternName], o, cc
}

// TestTCPOutDirectAndQueued: frames sent while the reader is stalled fill
// the socket (a direct write cut mid-frame queues its tail), then queue,
// then are dropped whole; once the reader resumes, every byte it gets is
// well-framed interleaved RTP, and every frame it gets is complete and in
// order. While the reader keeps up, frames go out directly.
func TestTCPOutDirectAndQueued(t *testing.T) {
	st, o, cc := directTCPOut(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); o.run() }()
	defer func() { o.stop(); wg.Wait() }()

	// Stalled reader: send until frames are dropped.
	var seq uint16
	sent, dropped := 0, 0
	for i := 0; dropped < 3 && i < 10000; i++ {
		p := st.Packets[i%len(st.Packets)]
		if o.sendFrame(outItem{frame: p, seq: seq, ts: uint32(i) * 3000, ssrc: 7}) {
			sent++
		} else {
			dropped++
		}
		seq += uint16(len(p.Payloads)) // a dropped frame leaves a gap, as in sendDue
	}
	if dropped == 0 || o.partials == 0 {
		t.Fatalf("a stalled reader: %d frames dropped, %d partial direct writes; want both > 0", dropped, o.partials)
	}

	// Resume reading: count complete frames until the sent ones arrived.
	rr := rtsp.NewReader(cc, rtsp.Limits{})
	readFrames(t, rr, cc, sent)
	if o.pending.Load() != 0 {
		t.Errorf("pending %d after the queue drained", o.pending.Load())
	}

	// A reader that keeps up: frames go straight out (nothing queued).
	done := make(chan struct{})
	go func() {
		for {
			if _, err := rr.Read(); err != nil {
				break
			}
		}
		close(done)
	}()
	queuedBefore := len(o.queue)
	for i := range 20 {
		p := st.Packets[i%len(st.Packets)]
		if !o.tryDirect(outItem{channel: 0, frame: p, seq: seq, ts: uint32(i) * 3000, ssrc: 7}) {
			t.Fatalf("frame %d: direct write refused with an idle, drained connection", i)
		}
		seq += uint16(len(p.Payloads))
		time.Sleep(time.Millisecond)
	}
	if len(o.queue) != queuedBefore {
		t.Errorf("queue grew from %d to %d", queuedBefore, len(o.queue))
	}
	cc.Close()
	<-done
}

// readFrames reads interleaved RTP from rr (on cc) until n frames ended
// (marker bit) and fails on anything else: bytes that are not '$'-framed
// RTP, or a sequence gap inside a frame.
func readFrames(t *testing.T, rr *rtsp.Reader, cc net.Conn, n int) {
	t.Helper()
	var h rtp.Header
	frames, inFrame := 0, false
	var next uint16
	_ = cc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for frames < n {
		m, err := rr.Read()
		if err != nil {
			t.Fatalf("after %d of %d frames: %v", frames, n, err)
		}
		f, ok := m.(*rtsp.Frame)
		if !ok {
			t.Fatalf("after %d frames: %T, not an interleaved frame", frames, m)
		}
		if _, err := h.Unmarshal(f.Payload); err != nil {
			t.Fatalf("frame %d: not RTP: %v", frames, err)
		}
		if inFrame && h.SequenceNumber != next {
			t.Fatalf("frame %d: sequence %d inside a frame, want %d", frames, h.SequenceNumber, next)
		}
		next = h.SequenceNumber + 1
		inFrame = !h.Marker
		if h.Marker {
			frames++
		}
	}
}

// TestTCPOutDirectAllocs: a direct write allocates nothing.
func TestTCPOutDirectAllocs(t *testing.T) {
	st, o, cc := directTCPOut(t)
	go func() { _, _ = io.Copy(io.Discard, cc) }()
	it := outItem{channel: 0, frame: st.Packets[0], ssrc: 7}
	o.tryDirect(it) // warm the scratch
	if a := testing.AllocsPerRun(50, func() {
		if !o.tryDirect(it) {
			time.Sleep(time.Millisecond) // the reader lags; not this test's concern
		}
	}); a != 0 {
		t.Errorf("%v allocations per direct frame", a)
	}
}
