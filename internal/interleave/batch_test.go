package interleave

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtsp"
)

// batchModes are the Batch configurations this platform can run: the
// ring where the kernel has io_uring, and the per-Conn path always.
func batchModes(t *testing.T) map[string]*Batch {
	t.Helper()
	modes := map[string]*Batch{ModePerConn: NewBatch(BatchOptions{DisableRing: true})}
	if b := NewBatch(BatchOptions{}); b.Mode() == ModeRing {
		modes[ModeRing] = b
	} else {
		t.Logf("io_uring unavailable here: only %s is tested", ModePerConn)
	}
	for _, b := range modes {
		t.Cleanup(func() { b.Close() })
	}
	return modes
}

// stream is one client's RTP sequence as a sender keeps it.
type stream struct {
	seq             uint16
	sent, dropped   int
	packets, frames int
}

// tick sends frame i to every Conn through b, as the server's scheduler
// does in one wake-up, then flushes; it returns which were accepted.
func tick(b *Batch, i int, sts []stream, cs []*Conn) []bool {
	ok := make([]bool, len(cs))
	for k, c := range cs {
		f := testFrame(i, sts[k].seq)
		sts[k].seq += uint16(len(f.Payloads)) // a dropped frame leaves a gap
		if ok[k] = b.Send(c, f); ok[k] {
			sts[k].sent++
			sts[k].packets += len(f.Payloads)
		} else {
			sts[k].dropped++
		}
	}
	b.Flush()
	return ok
}

// TestBatch: three connections served by one batch per tick. Two readers
// keep up and get every frame whole and in order; the third stalls, so
// its frames go partly, then queue, then drop whole. Once it reads again
// every byte is still well-framed RTP and it gets exactly the frames Send
// reported as sent: the report at Send is final.
func TestBatch(t *testing.T) {
	for name, b := range batchModes(t) {
		t.Run(name, func(t *testing.T) {
			cs, ccs := runConns(t, 3)
			sts := make([]stream, 3)
			for _, cc := range ccs[:2] {
				go func() { _, _ = io.Copy(io.Discard, cc) }()
			}
			for i := 0; sts[2].dropped < 3 && i < 10000; i++ {
				// The readers that keep up have read everything before
				// each tick, as at a frame rate they would.
				waitIdle(t, cs[0])
				waitIdle(t, cs[1])
				tick(b, i, sts, cs)
			}
			if sts[2].dropped == 0 || cs[2].partials == 0 {
				t.Fatalf("stalled reader: %d dropped, %d partial sends; want both > 0", sts[2].dropped, cs[2].partials)
			}
			readFrames(t, rtsp.NewReader(ccs[2], rtsp.Limits{}), ccs[2], sts[2].sent)
			waitIdle(t, cs[2]) // nothing beyond what was reported is left
			for k, st := range sts[:2] {
				if st.dropped != 0 {
					t.Errorf("reader %d kept up but lost %d frames", k, st.dropped)
				}
			}
		})
	}
}

// TestBatchFrames: a reader that keeps up gets every batched frame whole,
// in order, with consecutive sequence numbers.
func TestBatchFrames(t *testing.T) {
	for name, b := range batchModes(t) {
		t.Run(name, func(t *testing.T) {
			cs, ccs := runConns(t, 2)
			sts := make([]stream, 2)
			const n = 60
			done := make(chan struct{})
			go func() {
				defer close(done)
				readFrames(t, rtsp.NewReader(ccs[0], rtsp.Limits{}), ccs[0], n)
			}()
			go func() { _, _ = io.Copy(io.Discard, ccs[1]) }()
			for i := range n {
				// A reader that keeps up: everything before was written
				// out, as at a frame rate it would be.
				waitIdle(t, cs[0])
				if ok := tick(b, i, sts, cs); !ok[0] {
					t.Fatalf("frame %d refused", i)
				}
			}
			<-done
			waitIdle(t, cs[0])
		})
	}
}

// TestBatchAllocs: sending and flushing a batched frame allocates nothing.
func TestBatchAllocs(t *testing.T) {
	for name, b := range batchModes(t) {
		t.Run(name, func(t *testing.T) {
			cs, ccs := runConns(t, 1)
			go func() { _, _ = io.Copy(io.Discard, ccs[0]) }()
			f := testFrame(0, 0)
			b.Send(cs[0], f)
			b.Flush() // warm the scratch
			if a := testing.AllocsPerRun(50, func() {
				// The reader may lag (not this test's concern): wait
				// until the last frame is out.
				testenv.Poll(10*time.Second, func() bool { return cs[0].pending.Load() == 0 })
				b.Send(cs[0], f)
				b.Flush()
			}); a != 0 {
				t.Errorf("%v allocations per batched frame", a)
			}
		})
	}
}

// TestBatchClosesDup: the descriptor a ring send duplicates is closed
// when the connection's writer stops, so the socket closes with the
// connection.
func TestBatchClosesDup(t *testing.T) {
	b, ok := batchModes(t)[ModeRing]
	if !ok {
		t.Skip("io_uring unavailable here")
	}
	cs, ccs := runConns(t, 1)
	c := cs[0]
	if !b.Send(c, testFrame(0, 0)) {
		t.Fatal("frame refused")
	}
	b.Flush()
	if !hasDup(c) {
		t.Fatal("no duplicate descriptor after a batched send")
	}
	c.Stop()
	c.nc.Close()
	testenv.WaitFor(t, 5*time.Second, "the dup closed after the writer stopped", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !hasDup(c)
	})
	// With every descriptor of the socket closed, the peer reads the frame
	// and then EOF.
	_ = ccs[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, ccs[0]); err != nil {
		t.Fatalf("peer: %v, want EOF", err)
	}
	// A stopped connection takes nothing.
	if b.Send(c, testFrame(0, 0)) {
		t.Error("a stopped connection accepted a frame")
	}
	b.Flush()
}

// TestBatchOnPipe: a Conn without a socket (no direct sends) still gets
// batched frames, through its writer.
func TestBatchOnPipe(t *testing.T) {
	sc, cc := net.Pipe()
	c := New(sc, Config{})
	done := make(chan struct{})
	go func() { defer close(done); c.Run() }()
	for name, b := range batchModes(t) {
		got := make(chan struct{})
		go func() {
			defer close(got)
			readFrames(t, rtsp.NewReader(cc, rtsp.Limits{}), cc, 1)
		}()
		if !b.Send(c, testFrame(0, 0)) {
			t.Errorf("%s: frame refused", name)
		}
		b.Flush()
		<-got
	}
	c.Stop()
	sc.Close()
	cc.Close()
	<-done
}
