package server

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// batchOuts returns a tcpBatch and n tcpOuts (queues of 4 frames, writers
// running) with their client sides; it skips where io_uring is missing.
func batchOuts(t *testing.T, n int) (*Stream, *tcpBatch, []*tcpOut, []*net.TCPConn) {
	t.Helper()
	b := newTCPBatch()
	if b == nil {
		t.Skip("io_uring unavailable here: the server keeps its writev path")
	}
	t.Cleanup(b.close)
	srv, _ := startServer(t, Config{})
	var outs []*tcpOut
	var ccs []*net.TCPConn
	var wg sync.WaitGroup
	for range n {
		sc, cc := tcpPair(t)
		o := newTCPOut(sc, new(sync.Mutex), 4, 5*time.Second)
		wg.Add(1)
		go func() { defer wg.Done(); o.run() }()
		outs = append(outs, o)
		ccs = append(ccs, cc)
	}
	t.Cleanup(func() {
		for _, o := range outs {
			o.stop()
		}
		wg.Wait()
	})
	return srv.cat.streams[PatternName], b, outs, ccs
}

// tick sends frame i to every (session, out) pair the way sendDue does,
// batched, then flushes; it returns which were accepted.
func tick(b *tcpBatch, st *Stream, i int, sss []*Session, outs []*tcpOut) []bool {
	ok := make([]bool, len(outs))
	for k, o := range outs {
		ss := sss[k]
		p := st.Packets[i%len(st.Packets)]
		ss.mu.Lock()
		it := outItem{frame: st.Packets[i%len(st.Packets)], seq: ss.seq, ts: uint32(i) * 3000, ssrc: 7}
		if b.queue(ss, o, it) || o.sendFrame(it) {
			ss.countSent(p)
			ok[k] = true
		} else {
			ss.framesDropped++
		}
		ss.mu.Unlock()
	}
	b.flush()
	return ok
}

// TestTCPBatch: three connections served by one batch per tick. Two
// readers keep up and get every frame whole and in order, straight from the
// ring (nothing queued); the third stalls, so its frames go partly, then
// queue, then drop whole, and once it reads again every byte is still
// well-framed RTP and its session's counters match what it got.
func TestTCPBatch(t *testing.T) {
	st, b, outs, ccs := batchOuts(t, 3)
	sss := []*Session{{}, {}, {}}
	for _, cc := range ccs[:2] {
		go func() { _, _ = io.Copy(io.Discard, cc) }()
	}
	sent := 0
	var wantPkts uint32
	for i := 0; sss[2].framesDropped < 3 && i < 10000; i++ {
		if tick(b, st, i, sss, outs)[2] {
			sent++
			wantPkts += uint32(len(st.Packets[i%len(st.Packets)].Payloads))
		}
		if i%8 == 0 {
			time.Sleep(time.Millisecond) // let the keeping-up readers read
		}
	}
	if sss[2].framesDropped == 0 || outs[2].partials == 0 {
		t.Fatalf("stalled reader: %d dropped, %d partial sends; want both > 0", sss[2].framesDropped, outs[2].partials)
	}
	// The session counted exactly the frames that went (or are queued).
	if sss[2].packetsSent != wantPkts {
		t.Errorf("stalled session counted %d packets, want %d", sss[2].packetsSent, wantPkts)
	}
	rr := rtsp.NewReader(ccs[2], rtsp.Limits{})
	readFrames(t, rr, ccs[2], sent)
	for k, ss := range sss[:2] {
		if ss.framesDropped != 0 {
			t.Errorf("reader %d kept up but lost %d frames", k, ss.framesDropped)
		}
	}
}

// TestTCPBatchFrames: a reader that keeps up gets every batched frame
// whole, in order, with the sequence numbers its session counted.
func TestTCPBatchFrames(t *testing.T) {
	st, b, outs, ccs := batchOuts(t, 2)
	sss := []*Session{{}, {}}
	const n = 60
	done := make(chan struct{})
	go func() {
		defer close(done)
		readFrames(t, rtsp.NewReader(ccs[0], rtsp.Limits{}), ccs[0], n)
	}()
	go func() { _, _ = io.Copy(io.Discard, ccs[1]) }()
	for i := range n {
		if ok := tick(b, st, i, sss, outs); !ok[0] {
			t.Fatalf("frame %d refused", i)
		}
		time.Sleep(time.Millisecond)
	}
	<-done
	if outs[0].pending.Load() != 0 || sss[0].framesDropped != 0 {
		t.Errorf("pending %d, dropped %d with a reader that keeps up", outs[0].pending.Load(), sss[0].framesDropped)
	}
}

// TestTCPBatchAllocs: queueing and flushing a batched frame allocates
// nothing.
func TestTCPBatchAllocs(t *testing.T) {
	st, b, outs, ccs := batchOuts(t, 1)
	go func() { _, _ = io.Copy(io.Discard, ccs[0]) }()
	ss := &Session{}
	it := outItem{frame: st.Packets[0], ssrc: 7}
	b.queue(ss, outs[0], it)
	b.flush() // warm the scratch
	if a := testing.AllocsPerRun(50, func() {
		if b.queue(ss, outs[0], it) {
			b.flush()
		} else {
			time.Sleep(time.Millisecond)
		}
	}); a != 0 {
		t.Errorf("%v allocations per batched frame", a)
	}
}

// TestTCPBatchClosesDup: the descriptor a batch duplicates is closed when
// the connection's writer stops, so the socket closes with the connection.
func TestTCPBatchClosesDup(t *testing.T) {
	st, b, outs, ccs := batchOuts(t, 1)
	if !b.queue(&Session{}, outs[0], outItem{frame: st.Packets[0]}) {
		t.Fatal("frame refused")
	}
	b.flush()
	if outs[0].dw.dup < 0 {
		t.Fatal("no duplicate descriptor after a batched send")
	}
	outs[0].stop()
	outs[0].nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		outs[0].wmu.Lock()
		closed := outs[0].dw.dup < 0
		outs[0].wmu.Unlock()
		if closed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("dup still open 5 s after the writer stopped")
		}
		time.Sleep(time.Millisecond)
	}
	// With every descriptor of the socket closed, the peer reads the frame
	// and then EOF.
	_ = ccs[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, ccs[0]); err != nil {
		t.Fatalf("peer: %v, want EOF", err)
	}
	// A stopped connection is not batched again.
	if b.queue(&Session{}, outs[0], outItem{frame: st.Packets[0]}) {
		t.Error("a stopped connection accepted a frame")
	}
}
