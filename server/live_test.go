package server

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// liveReader sets up a live path with one playing UDP reader aimed at a
// local socket.
func liveReader(t *testing.T) (*Server, *liveStream, *Session, *net.UDPConn) {
	t.Helper()
	srv, _ := startServer(t, Config{Publish: true})
	return liveReaderOn(t, srv)
}

// liveReaderOn is liveReader on a given server.
func liveReaderOn(t *testing.T, srv *Server) (*Server, *liveStream, *Session, *net.UDPConn) {
	t.Helper()
	ls, code, why := srv.cat.publishPath(srv, "/live")
	if code != 0 {
		t.Fatalf("publishPath: %d %s", code, why)
	}
	rtpc, _ := udpPorts(t)
	ss := &Session{srv: srv, stream: ls.st, ssrc: 7, d: standard, state: statePlaying, seq: 100}
	ss.tr.rtpDst = netip.MustParseAddrPort(rtpc.LocalAddr().String())
	ls.setPlaying(ss, true)
	return srv, ls, ss, rtpc
}

// discard reads c until it is closed (the test's end closes it), so that
// what a reader is sent never fills its buffer.
func discard(c *net.UDPConn) {
	buf := make([]byte, 65536)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// testFrames are two distinct RFC 2435-carriable JPEGs.
func testFrames(srv *Server) [][]byte {
	return [][]byte{patternFrame(srv, 0).jpeg, patternFrame(srv, 1).jpeg}
}

// TestLiveBurstOneWakeup: two frames of one stream handed to the scheduler
// in the same wake-up reach a reader with their own sequence numbers (a
// session's header scratch serves one frame per flush).
func TestLiveBurstOneWakeup(t *testing.T) {
	srv, ls, ss, rtpc := liveReader(t)
	ss.mu.Lock()
	ss.ensureScratchFor(256) // room for both frames: no growth hides an overwrite
	ss.mu.Unlock()
	var fs []*liveFrame
	total := 0
	for i, jpg := range testFrames(srv) {
		pk, err := rtpjpeg.Packetize(jpg, srv.cfg.MTU)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, &liveFrame{jpeg: jpg, pk: pk, ts: uint32(i * 3000)})
		total += len(pk.Payloads)
	}
	// Both frames wait for the same wake-up.
	srv.sched.mu.Lock()
	srv.sched.posts = append(srv.sched.posts, livePost{ls, fs[0]}, livePost{ls, fs[1]})
	srv.sched.mu.Unlock()
	srv.sched.w.Wake()

	seen := map[uint16]bool{}
	buf := make([]byte, 65536)
	for len(seen) < total {
		_ = rtpc.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := rtpc.Read(buf)
		if err != nil {
			t.Fatalf("after %d of %d packets: %v", len(seen), total, err)
		}
		seq := binary.BigEndian.Uint16(buf[2:4])
		if n < 12 || seen[seq] {
			t.Fatalf("packet %d: sequence %d twice (or short: %d bytes)", len(seen), seq, n)
		}
		seen[seq] = true
	}
	for s := uint16(100); s < uint16(100+total); s++ {
		if !seen[s] {
			t.Errorf("sequence %d missing", s)
		}
	}
}

// TestDeliverLiveAllocs: handing a live frame to a reader and sending it
// allocates nothing (0 allocations per packet on the reader side).
func TestDeliverLiveAllocs(t *testing.T) {
	// The server listens but does not serve: no scheduler goroutine runs,
	// so this test is the only user of the scheduler's send state.
	srv, ls, ss, rtpc := liveReaderOn(t, listeningServer(t, Config{Publish: true}))
	go discard(rtpc)
	ep := ls.newEpoch()
	jpg := testFrames(srv)[0]
	f := &liveFrame{jpeg: jpg}
	var err error
	if err = ls.push(jpg, 0, true, ep, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.pk = ls.last.pk
	ss.mu.Lock()
	ss.ensureScratchFor(len(f.pk.Payloads))
	ss.mu.Unlock()
	ss.mu.Lock()
	ss.lastSR = time.Now().Add(time.Hour) // no SR inside the measurement
	ss.mu.Unlock()
	allocs := testing.AllocsPerRun(200, func() {
		srv.deliverLive(ls, f, time.Now())
		srv.flushUDP()
	})
	if allocs != 0 {
		t.Errorf("deliverLive allocates %.1f times per frame, want 0", allocs)
	}
}

// TestStopIdleStale: a close_after timer that fired while a reader came and
// went again (a newer timer is set) leaves the relay running; the newest
// one stops it.
func TestStopIdleStale(t *testing.T) {
	srv, _ := startServer(t, Config{})
	ls := newLiveStream(srv, PathConfig{Name: "/r", Kind: SourceRTSP, Source: "rtsp://127.0.0.1:1/x", CloseAfter: time.Hour}, false)
	done := make(chan struct{})
	close(done)
	stopped := false
	ls.puller = &puller{ls: ls, cancel: func() { stopped = true }, done: done}
	ls.idleGen = 2
	ls.stopIdle(1)
	if stopped || ls.puller == nil {
		t.Fatal("a stale timer stopped the relay")
	}
	ls.stopIdle(2)
	if !stopped || ls.puller != nil {
		t.Fatal("the current timer did not stop the relay")
	}
}
