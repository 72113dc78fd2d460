package udpbatch

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// closedPort returns a loopback UDP address nobody listens on any more:
// the kernel answers datagrams to it with ICMP port unreachable.
func closedPort(t *testing.T, addr string) netip.AddrPort {
	t.Helper()
	uc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Skipf("listen %s: %v", addr, err)
	}
	a := uc.LocalAddr().(*net.UDPAddr).AddrPort()
	uc.Close()
	return a
}

// TestUnreachable: with ReportUnreachable on, a destination whose port is
// closed is reported by Unreachable (a live one never is), and the ICMP
// errors do not fail any batch send, in every mode, over IPv4 and IPv6;
// sending to it allocates nothing.
func TestUnreachable(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		for _, m := range testModes {
			if !m.own {
				continue // ReportUnreachable needs a socket Listen opened
			}
			t.Run(host+"/"+m.label(), func(t *testing.T) {
				addr := netip.AddrPortFrom(netip.MustParseAddr(host), 0).String()
				dead := closedPort(t, addr)
				c := newConn(t, addr, m)
				if err := c.ReportUnreachable(); err != nil {
					t.Fatalf("ReportUnreachable: %v", err)
				}
				rc, live := receiver(t, addr)
				hdrs, pls := batch(repeat(5, 1200, 300)...)
				q := []Datagrams{{Dst: dead, Hdrs: hdrs, Payloads: pls}, {Dst: live, Hdrs: hdrs, Payloads: pls}}
				buf := make([]byte, 2048)
				seen := map[netip.AddrPort]int{}
				var out []netip.AddrPort
				for round := 0; round < 200 && (seen[dead] == 0 || round < 20); round++ {
					if err := c.SendBatch(q); err != nil {
						t.Fatalf("round %d: %v", round, err)
					}
					_ = rc.SetReadDeadline(time.Now().Add(5 * time.Second))
					for i := range pls {
						if _, err := rc.Read(buf); err != nil {
							t.Fatalf("round %d: live receiver, datagram %d: %v", round, i, err)
						}
					}
					out = c.Unreachable(out[:0])
					for _, d := range out {
						seen[d]++
					}
				}
				if seen[dead] == 0 || seen[live] != 0 || len(seen) != 1 {
					t.Fatalf("unreachable reported %v; want only %v", seen, dead)
				}
				allocs := testing.AllocsPerRun(20, func() {
					if err := c.SendBatch(q); err != nil {
						t.Fatal(err)
					}
					_ = rc.SetReadDeadline(time.Now().Add(5 * time.Second))
					for range pls {
						_, _ = rc.Read(buf)
					}
				})
				// rc.Read allocates nothing; SendBatch must not either.
				if allocs != 0 {
					t.Errorf("SendBatch to an unreachable destination: %v allocations", allocs)
				}
			})
		}
	}
}

// TestUnreachableOff: without ReportUnreachable nothing is reported and
// the Conn behaves as before.
func TestUnreachableOff(t *testing.T) {
	dead := closedPort(t, "127.0.0.1:0")
	c := newConn(t, "127.0.0.1:0", testModes[4])
	hdrs, pls := batch(100)
	for range 5 {
		_ = c.SendPackets(dead, hdrs, pls)
	}
	if got := c.Unreachable(nil); len(got) != 0 {
		t.Fatalf("Unreachable without ReportUnreachable: %v", got)
	}
}
