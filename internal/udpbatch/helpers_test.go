package udpbatch

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"
)

// testMode is a mode a test forces through Options, with the name Mode must
// report (GSO tests skip when the kernel lacks UDP_SEGMENT).
type testMode struct {
	name string
	opt  Options
	// own opens the socket with Listen instead of wrapping one with New.
	own bool
}

// label names the mode in subtests.
func (m testMode) label() string {
	if m.own {
		return m.name + "-listen"
	}
	return m.name
}

// listen opens a UDP socket on addr ("127.0.0.1:0"), closed at test end.
func listen(tb testing.TB, network, addr string) *net.UDPConn {
	tb.Helper()
	uc, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		tb.Fatalf("listen %s %s: %v", network, addr, err)
	}
	tb.Cleanup(func() { uc.Close() })
	return uc
}

// loopbackPeers opens a UDP socket on 127.0.0.1 and, where the machine has
// IPv6, one on ::1 (both closed at test end): peers of a dual-stack Conn.
func loopbackPeers(tb testing.TB) []*net.UDPConn {
	tb.Helper()
	var peers []*net.UDPConn
	for _, network := range []string{"udp4", "udp6"} {
		ip := net.IPv4(127, 0, 0, 1)
		if network == "udp6" {
			ip = net.IPv6loopback
		}
		pc, err := net.ListenUDP(network, &net.UDPAddr{IP: ip})
		if err != nil {
			tb.Logf("no %s here: %v", ip, err)
			continue
		}
		tb.Cleanup(func() { pc.Close() })
		peers = append(peers, pc)
	}
	return peers
}

// receiver opens a loopback receiver with a big receive buffer.
func receiver(tb testing.TB, addr string) (*net.UDPConn, netip.AddrPort) {
	tb.Helper()
	rc := listen(tb, "udp", addr)
	if err := rc.SetReadBuffer(4 << 20); err != nil {
		tb.Fatalf("SetReadBuffer: %v", err)
	}
	return rc, rc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// newConn wraps a fresh loopback sender in a Conn in mode m, skipping when
// the kernel cannot provide m.
func newConn(tb testing.TB, addr string, m testMode) *Conn {
	tb.Helper()
	var c *Conn
	var err error
	if m.own {
		if c, err = Listen("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)), m.opt); err == nil {
			tb.Cleanup(func() { c.Close() })
		}
	} else {
		c, err = New(listen(tb, "udp", addr), m.opt)
	}
	if err != nil {
		tb.Fatalf("open %s: %v", m.label(), err)
	}
	if got := c.Mode(); got != m.name {
		if m.name == ModeGSO {
			tb.Skipf("kernel without UDP GSO (mode %q)", got)
		}
		tb.Fatalf("Mode() = %q, want %q", got, m.name)
	}
	return c
}

// batch builds len(sizes) datagrams: a 12-byte RTP-like header carrying the
// index, and a payload of sizes[i] bytes whose content depends on i.
func batch(sizes ...int) (hdrs, payloads [][]byte) {
	for i, n := range sizes {
		h := []byte{0x80, 26, byte(i >> 8), byte(i), 0, 0, 0, byte(i), 0xde, 0xad, 0xbe, 0xef}
		p := make([]byte, n)
		for j := range p {
			p[j] = byte(i*7 + j)
		}
		hdrs = append(hdrs, h)
		payloads = append(payloads, p)
	}
	return hdrs, payloads
}

// repeat returns n copies of size, then the given tail sizes.
func repeat(n, size int, tail ...int) []int {
	s := make([]int, 0, n+len(tail))
	for range n {
		s = append(s, size)
	}
	return append(s, tail...)
}

// expectDatagrams reads len(payloads) datagrams from rc and checks each is
// exactly hdrs[i]+payloads[i], in order; then it sends a sentinel through c
// and checks it comes next, proving nothing extra was sent (no sleeps).
func expectDatagrams(tb testing.TB, c *Conn, rc *net.UDPConn, dst netip.AddrPort, hdrs, payloads [][]byte) {
	tb.Helper()
	if err := rc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		tb.Fatal(err)
	}
	buf := make([]byte, 1<<16)
	for i := range payloads {
		n, _, err := rc.ReadFromUDPAddrPort(buf)
		if err != nil {
			tb.Fatalf("datagram %d of %d: %v", i, len(payloads), err)
		}
		want := append(append([]byte(nil), hdrs[i]...), payloads[i]...)
		if !bytes.Equal(buf[:n], want) {
			tb.Fatalf("datagram %d: got %d bytes (% x...), want %d bytes (% x...)",
				i, n, buf[:min(n, 16)], len(want), want[:min(len(want), 16)])
		}
	}
	sentinel := []byte("sentinel")
	if err := c.WriteTo(sentinel, dst); err != nil {
		tb.Fatalf("WriteTo: %v", err)
	}
	n, _, err := rc.ReadFromUDPAddrPort(buf)
	if err != nil {
		tb.Fatalf("sentinel: %v", err)
	}
	if !bytes.Equal(buf[:n], sentinel) {
		tb.Fatalf("after %d datagrams got an extra one of %d bytes (% x...)", len(payloads), n, buf[:min(n, 16)])
	}
}
