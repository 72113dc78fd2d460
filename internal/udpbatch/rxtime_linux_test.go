package udpbatch

import (
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// TestRxTime: a socket with EnableRxTime gets each datagram's receive time
// (between the send and the read), beside the GRO control message when
// GRO is on too; without EnableRxTime RxTime finds none.
func TestRxTime(t *testing.T) {
	for _, gro := range []bool{false, true} {
		rc, dst := receiver(t, "127.0.0.1:0")
		if err := EnableRxTime(rc); err != nil {
			t.Fatal(err)
		}
		oobSize := RxTimeControlSize
		if gro {
			if err := EnableGRO(rc); err != nil {
				t.Skipf("no UDP_GRO here: %v", err)
			}
			oobSize += GROControlSize
		}
		sc := listen(t, "udp4", "127.0.0.1:0")
		before := time.Now()
		if _, err := sc.WriteToUDPAddrPort([]byte("hello"), dst); err != nil {
			t.Fatal(err)
		}
		_ = rc.SetReadDeadline(time.Now().Add(10 * time.Second))
		msgs := []ipv4.Message{{Buffers: [][]byte{make([]byte, 64)}, OOB: make([]byte, oobSize)}}
		if _, err := ipv4.NewPacketConn(rc).ReadBatch(msgs, 0); err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		at, ok := RxTime(msgs[0].OOB[:msgs[0].NN])
		if !ok {
			t.Fatalf("gro=%v: no receive time in %d control bytes", gro, msgs[0].NN)
		}
		// Wall clocks: allow for the clock's granularity.
		if at.Before(before.Add(-time.Millisecond)) || at.After(after.Add(time.Millisecond)) {
			t.Errorf("gro=%v: receive time %v not between send %v and read %v", gro, at, before, after)
		}
	}
	if _, ok := RxTime(nil); ok {
		t.Error("a time from no control bytes")
	}
	if _, ok := RxTime(make([]byte, 3)); ok {
		t.Error("a time from a short buffer")
	}
}
