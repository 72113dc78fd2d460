package udpbatch

import (
	"net"
	"net/netip"
	"testing"
)

// TestSendBatch: several destinations in one call each get exactly their
// own datagrams, in every mode, including a batch over the per-call limit.
func TestSendBatch(t *testing.T) {
	for _, m := range testModes {
		for _, tc := range []struct {
			name  string
			dests int
			sizes []int
		}{
			{"frames", 5, repeat(12, 1388, 700)},
			{"unequal", 3, []int{100, 1388, 1388, 50, 900, 900, 1388, 1, 0, 1388}},
			{"overCallLimit", 90, repeat(12, 200, 10)}, // 90 x 13 datagrams > 1024 per call
		} {
			t.Run(m.label()+"/"+tc.name, func(t *testing.T) {
				c := newConn(t, "127.0.0.1:0", m)
				var (
					rcs []*net.UDPConn
					bt  []Datagrams
				)
				for range tc.dests {
					rc, dst := receiver(t, "127.0.0.1:0")
					hdrs, payloads := batch(tc.sizes...)
					rcs = append(rcs, rc)
					bt = append(bt, Datagrams{Dst: dst, Hdrs: hdrs, Payloads: payloads})
				}
				if err := c.SendBatch(bt); err != nil {
					t.Fatalf("SendBatch: %v", err)
				}
				for i, d := range bt {
					expectDatagrams(t, c, rcs[i], d.Dst, d.Hdrs, d.Payloads)
				}
			})
		}
	}
}

// TestSendBatchBadAddress: a destination of the wrong family fails alone;
// the others still get their datagrams.
func TestSendBatchBadAddress(t *testing.T) {
	c := newConn(t, "127.0.0.1:0", testModes[0])
	rc, dst := receiver(t, "127.0.0.1:0")
	hdrs, payloads := batch(repeat(5, 1388, 10)...)
	bt := []Datagrams{
		{Dst: netip.MustParseAddrPort("[2001:db8::1]:5000"), Hdrs: hdrs, Payloads: payloads},
		{Dst: dst, Hdrs: hdrs, Payloads: payloads},
	}
	if err := c.SendBatch(bt); err == nil {
		t.Fatal("an IPv6 destination on an IPv4 socket did not fail")
	}
	expectDatagrams(t, c, rc, dst, hdrs, payloads)
}

func TestSendBatchAllocs(t *testing.T) {
	for _, m := range testModes {
		t.Run(m.label(), func(t *testing.T) {
			c := newConn(t, "127.0.0.1:0", m)
			var bt []Datagrams
			for range 20 {
				_, dst := receiver(t, "127.0.0.1:0")
				hdrs, payloads := batch(repeat(12, 1388, 700)...)
				bt = append(bt, Datagrams{Dst: dst, Hdrs: hdrs, Payloads: payloads})
			}
			if err := c.SendBatch(bt); err != nil { // warm the scratch
				t.Fatal(err)
			}
			if a := testing.AllocsPerRun(50, func() { _ = c.SendBatch(bt) }); a != 0 {
				t.Errorf("SendBatch allocates %.1f times per call", a)
			}
		})
	}
}
