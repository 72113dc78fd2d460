package interleave

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtsp"
	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind: every
// writer goroutine must end with its Conn.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testPayloads are frames shaped like the server's: 20, 30 or 45 packets,
// all but the last 1388 bytes (an MTU of 1400), shared by every test.
var testPayloads = func() [][][]byte {
	var frames [][][]byte
	for k, n := range []int{20, 30, 45} {
		pls := make([][]byte, n)
		for i := range pls {
			l := 1388
			if i == n-1 {
				l = 700 + 100*k
			}
			pls[i] = make([]byte, l)
			for j := range pls[i] {
				pls[i][j] = byte(i + j)
			}
		}
		frames = append(frames, pls)
	}
	return frames
}()

// testFrame is frame i of a stream starting at sequence seq.
func testFrame(i int, seq uint16) Frame {
	return Frame{PayloadType: 26, Seq: seq, Timestamp: uint32(i) * 3000, SSRC: 7, Payloads: testPayloads[i%len(testPayloads)]}
}

// tcpPair is a loopback TCP connection: the server side (with a small send
// buffer, so a reader that stops reading fills it quickly) and the client.
func tcpPair(t testing.TB) (srvSide, cliSide *net.TCPConn) {
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

// runConns returns n Conns (queues of 4 frames, writers running until the
// test ends) on tcpPairs, with their client sides; it skips where the
// platform has no direct sends.
func runConns(t *testing.T, n int) ([]*Conn, []*net.TCPConn) {
	t.Helper()
	var cs []*Conn
	var ccs []*net.TCPConn
	var wg sync.WaitGroup
	for range n {
		sc, cc := tcpPair(t)
		c := New(sc, Config{QueueFrames: 4, WriteTimeout: 5 * time.Second})
		if c.dw == nil {
			t.Skip("no direct sends on this platform")
		}
		wg.Add(1)
		go func() { defer wg.Done(); c.Run() }()
		cs = append(cs, c)
		ccs = append(ccs, cc)
	}
	t.Cleanup(func() {
		for _, c := range cs {
			c.Stop()
		}
		wg.Wait()
	})
	return cs, ccs
}

// readFrames reads interleaved RTP from rr (on cc) until n frames ended
// (marker bit) and fails on anything else: bytes that are not '$'-framed
// RTP, or a sequence gap inside a frame. Responses are skipped.
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
		if _, ok := m.(*rtsp.Response); ok && !inFrame {
			continue
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

// waitIdle waits (bounded) until c has nothing pending or queued: every
// accepted item written, no slot reserved.
func waitIdle(t *testing.T, c *Conn) {
	t.Helper()
	if !testenv.Poll(5*time.Second, func() bool { return c.pending.Load() == 0 && c.queued.Load() == 0 }) {
		t.Fatalf("pending %d, queued %d 5 s after the reader drained", c.pending.Load(), c.queued.Load())
	}
}
