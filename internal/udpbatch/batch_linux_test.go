package udpbatch

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSendBatchGSOFallback: EIO from a batched GSO sendmmsg (whole or after
// some messages went) disables GSO once and every destination still gets
// exactly its datagrams.
func TestSendBatchGSOFallback(t *testing.T) {
	for _, failAfter := range []int{0, 1, 4} {
		c, err := New(listen(t, "udp", "127.0.0.1:0"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		c.mode.Store(int32(modeGSO))
		f := &fakeSys{errno: unix.EIO, failAfter: failAfter}
		f.install(c)
		var (
			rcs []*net.UDPConn
			bt  []Datagrams
		)
		for range 6 {
			rc, dst := receiver(t, "127.0.0.1:0")
			hdrs, payloads := batch(repeat(12, 1388, 700)...)
			rcs = append(rcs, rc)
			bt = append(bt, Datagrams{Dst: dst, Hdrs: hdrs, Payloads: payloads})
		}
		if err := c.SendBatch(bt); err != nil {
			t.Fatalf("failAfter=%d: SendBatch: %v", failAfter, err)
		}
		for i, d := range bt {
			expectDatagrams(t, c, rcs[i], d.Dst, d.Hdrs, d.Payloads)
		}
		if c.Mode() != ModeSendmmsg || f.failed != 1 {
			t.Errorf("failAfter=%d: mode %q after %d GSO failures, want sendmmsg after 1", failAfter, c.Mode(), f.failed)
		}
	}
}
