package interleave

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtsp"
)

// TestConnDirectAndQueued: frames sent while the reader is stalled fill
// the socket (a direct write cut mid-frame queues its tail), then queue,
// then are dropped whole; once the reader resumes, every byte it gets is
// well-framed interleaved RTP, and every frame it gets is complete and in
// order. While the reader keeps up, frames go out directly.
func TestConnDirectAndQueued(t *testing.T) {
	cs, ccs := runConns(t, 1)
	c, cc := cs[0], ccs[0]

	// Stalled reader: send until frames are dropped.
	var seq uint16
	sent, dropped := 0, 0
	for i := 0; dropped < 3 && i < 10000; i++ {
		f := testFrame(i, seq)
		if c.Send(f) {
			sent++
		} else {
			dropped++
		}
		seq += uint16(len(f.Payloads)) // a dropped frame leaves a gap
	}
	if dropped == 0 || c.partials == 0 {
		t.Fatalf("a stalled reader: %d frames dropped, %d partial direct writes; want both > 0", dropped, c.partials)
	}

	// Resume reading: count complete frames until the sent ones arrived.
	rr := rtsp.NewReader(cc, rtsp.Limits{})
	readFrames(t, rr, cc, sent)
	waitIdle(t, c)

	// A reader that keeps up (each frame read whole before the next is
	// sent): frames go straight out (nothing queued).
	for i := range 20 {
		f := testFrame(i, seq)
		if !c.tryDirect(&f) {
			t.Fatalf("frame %d: direct write refused with an idle, drained connection", i)
		}
		if c.queued.Load() != 0 {
			t.Fatalf("frame %d: queued %d after a direct write", i, c.queued.Load())
		}
		seq += uint16(len(f.Payloads))
		readFrames(t, rr, cc, 1)
	}
}

// TestConnDirectAllocs: a direct send allocates nothing.
func TestConnDirectAllocs(t *testing.T) {
	cs, ccs := runConns(t, 1)
	go func() { _, _ = io.Copy(io.Discard, ccs[0]) }()
	f := testFrame(0, 0)
	cs[0].tryDirect(&f) // warm the scratch
	if a := testing.AllocsPerRun(50, func() {
		// The reader may lag (not this test's concern): retry until the
		// direct send goes through.
		testenv.Poll(10*time.Second, func() bool { return cs[0].tryDirect(&f) })
	}); a != 0 {
		t.Errorf("%v allocations per direct frame", a)
	}
}

// TestConnQueueAllocs: a frame through the writer goroutine (no direct
// sends: a pipe) allocates nothing once warm.
func TestConnQueueAllocs(t *testing.T) {
	sc, cc := net.Pipe()
	defer cc.Close()
	c := New(sc, Config{QueueFrames: 64})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.Run() }()
	go func() {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		for {
			if _, err := cc.Read(buf); err != nil {
				return
			}
		}
	}()
	f := testFrame(1, 0)
	c.Send(f)
	if a := testing.AllocsPerRun(50, func() {
		// Queue full: retry while the writer catches up (Poll allocates
		// nothing).
		testenv.Poll(10*time.Second, func() bool { return c.Send(f) })
	}); a != 0 {
		t.Errorf("%v allocations per queued frame", a)
	}
	c.Stop()
	sc.Close()
	wg.Wait()
}

// TestConnLimits: what cannot be framed is refused, not sent in part;
// an empty frame has nothing to send; a stopped Conn takes nothing.
func TestConnLimits(t *testing.T) {
	sc, cc := net.Pipe()
	defer cc.Close()
	defer sc.Close()
	c := New(sc, Config{})
	huge := make([]byte, MaxPayload+1)
	tests := []struct {
		name string
		send func() bool
		want bool
	}{
		{"oversized payload", func() bool { return c.Send(Frame{Payloads: [][]byte{{1}, huge}}) }, false},
		{"oversized payload batched", func() bool { return NewBatch(BatchOptions{}).Send(c, Frame{Payloads: [][]byte{huge}}) }, false},
		{"oversized packet", func() bool { return c.SendPacket(1, make([]byte, MaxPacket+1)) }, false},
		{"empty frame", func() bool { return c.Send(Frame{}) }, true},
		{"largest payload", func() bool { return c.Send(Frame{Payloads: [][]byte{huge[:MaxPayload]}}) }, true},
		{"after stop", func() bool { c.Stop(); return c.Send(testFrame(0, 0)) }, false},
		{"packet after stop", func() bool { return c.SendPacket(1, []byte{1}) }, false},
	}
	for _, tc := range tests {
		if got := tc.send(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestConnMessagesBetweenFrames: RTSP messages written while frames and
// RTCP stream out arrive whole, between frames' packets.
func TestConnMessagesBetweenFrames(t *testing.T) {
	cs, ccs := runConns(t, 1)
	c, cc := cs[0], ccs[0]
	const frames, msgs = 40, 10
	msg := []byte("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n")
	rtcpPkt := bytes.Repeat([]byte{0x81}, 28)
	deadline := time.Now().Add(10 * time.Second)
	errc := make(chan error, 1)
	go func() {
		var err error
		for range msgs {
			if e := c.WriteMessage(msg); e != nil && err == nil {
				err = e
			}
			if !testenv.Poll(time.Until(deadline), func() bool { return c.SendPacket(1, rtcpPkt) }) && err == nil {
				err = errors.New("RTCP packet refused until the deadline (queue full)")
			}
		}
		errc <- err
	}()
	got := make(chan [3]int, 1)
	go func() {
		rr := rtsp.NewReader(cc, rtsp.Limits{})
		var n [3]int // frames, responses, RTCP packets
		_ = cc.SetReadDeadline(deadline)
		for n[0] < frames || n[1] < msgs || n[2] < msgs {
			m, err := rr.Read()
			if err != nil {
				t.Errorf("reader: %v", err)
				break
			}
			switch m := m.(type) {
			case *rtsp.Response:
				n[1]++
			case *rtsp.Frame:
				if m.Channel == 1 {
					n[2]++
				} else if len(m.Payload) > 1 && m.Payload[1]&0x80 != 0 { // marker: a frame's last packet
					n[0]++
				}
			}
		}
		got <- n
	}()
	var seq uint16
	for i := range frames {
		f := testFrame(i, seq)
		testenv.WaitFor(t, time.Until(deadline), fmt.Sprintf("room for frame %d", i), func() bool { return c.Send(f) })
		seq += uint16(len(f.Payloads))
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if n := <-got; n != [3]int{frames, msgs, msgs} {
		t.Errorf("got %d frames, %d responses and %d RTCP packets, want %d, %d, %d (and only well-framed data)", n[0], n[1], n[2], frames, msgs, msgs)
	}
}
