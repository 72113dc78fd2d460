package interleave

import (
	"bytes"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// TestConnDrain: Drain writes what was accepted (queued frames, a frame's
// unsent tail, and a last RTCP packet queued after them) before the
// writer ends, when the reader takes it within the deadline; a reader
// that takes nothing holds Drain only until the deadline.
func TestConnDrain(t *testing.T) {
	bye := []byte{0x81, 203, 0, 1, 0, 0, 0, 7} // RTCP BYE of SSRC 7
	tests := []struct {
		name      string
		read      bool // the client reads (else it never does)
		wait      time.Duration
		wantAll   bool
		wantUnder time.Duration
	}{
		{name: "reader drains", read: true, wait: 10 * time.Second, wantAll: true, wantUnder: 9 * time.Second},
		{name: "stalled reader", read: false, wait: 300 * time.Millisecond, wantAll: false, wantUnder: 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, cc := tcpPair(t)
			c := New(sc, Config{QueueFrames: 4, WriteTimeout: 5 * time.Second})
			ran := make(chan struct{})
			go func() { defer close(ran); c.Run() }()
			t.Cleanup(func() { c.Stop(); <-ran })

			// With the reader stalled, fill the socket until frames
			// wait in the queue, then queue the BYE behind them.
			var seq uint16
			for i := 0; c.Backlog() < 2 && i < 10000; i++ {
				f := testFrame(i, seq)
				if !c.Send(f) {
					t.Fatalf("frame %d dropped before the queue held two items", i)
				}
				seq += uint16(len(f.Payloads))
			}
			if !c.SendPacket(1, bye) {
				t.Fatalf("BYE refused with a backlog of %d", c.Backlog())
			}

			got := make(chan []byte, 1)
			if tc.read {
				go func() {
					var all bytes.Buffer
					_ = cc.SetReadDeadline(time.Now().Add(tc.wait))
					_, _ = all.ReadFrom(cc) // until the test closes sc
					got <- all.Bytes()
				}()
			}
			start := time.Now()
			ok := c.Drain(start.Add(tc.wait))
			took := time.Since(start)
			select {
			case <-ran:
			case <-time.After(5 * time.Second):
				t.Fatal("writer still running after Drain")
			}
			if ok != tc.wantAll || took > tc.wantUnder {
				t.Fatalf("Drain = %v after %v, want %v within %v", ok, took, tc.wantAll, tc.wantUnder)
			}
			if c.Send(testFrame(0, seq)) || c.SendPacket(1, bye) {
				t.Error("a send after Drain was accepted")
			}
			if !tc.read {
				return
			}
			sc.Close()
			b := <-got
			// Every byte is well framed; the last packet is the BYE.
			rr := rtsp.NewReader(bytes.NewReader(b), rtsp.Limits{})
			var last *rtsp.Frame
			frames := 0
			for {
				m, err := rr.Read()
				if err != nil {
					break
				}
				f, isFrame := m.(*rtsp.Frame)
				if !isFrame {
					t.Fatalf("%T in the stream", m)
				}
				last = f
				frames++
			}
			if last == nil || last.Channel != 1 || !bytes.Equal(last.Payload, bye) {
				t.Fatalf("last of %d packets is not the BYE: %+v", frames, last)
			}
		})
	}
}

// TestConnDrainIdle: with nothing pending Drain returns at once, true.
func TestConnDrainIdle(t *testing.T) {
	sc, _ := tcpPair(t)
	c := New(sc, Config{})
	ran := make(chan struct{})
	go func() { defer close(ran); c.Run() }()
	start := time.Now()
	if !c.Drain(start.Add(5 * time.Second)) {
		t.Error("Drain of an idle Conn reported unwritten items")
	}
	<-ran
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Drain of an idle Conn took %v", took)
	}
}
