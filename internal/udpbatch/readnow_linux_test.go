package udpbatch

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// TestReadFromNow: on a socket from Listen, ReadFromNow reports nothing
// queued without blocking, then returns each datagram with its sender
// (IPv4 and IPv6, from a dual-stack socket), allocating nothing; PollFD
// turns readable when a datagram is queued; after Close both report the
// socket closed. A Conn from New has neither.
func TestReadFromNow(t *testing.T) {
	c := newConn(t, "[::]:0", testModes[len(testModes)-1])
	fd, ok := c.PollFD()
	if !ok || fd < 0 {
		t.Fatalf("PollFD = %d, %v on a Conn from Listen", fd, ok)
	}
	buf := make([]byte, 64)
	if n, _, ok, err := c.ReadFromNow(buf); ok || err != nil || n != 0 {
		t.Fatalf("ReadFromNow on an empty socket = %d, %v, %v", n, ok, err)
	}
	port := c.LocalAddr().Port
	for _, peer := range loopbackPeers(t) {
		to := &net.UDPAddr{IP: peer.LocalAddr().(*net.UDPAddr).IP, Port: port}
		if _, err := peer.WriteToUDP([]byte("rtp"), to); err != nil {
			t.Fatal(err)
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, err := unix.Poll(pfd, 10_000); n != 1 || err != nil {
			t.Fatalf("poll of PollFD = %d, %v with a datagram queued", n, err)
		}
		n, from, ok, err := c.ReadFromNow(buf)
		want := peer.LocalAddr().(*net.UDPAddr).AddrPort()
		if !ok || err != nil || string(buf[:n]) != "rtp" || netip.AddrPortFrom(from.Addr().Unmap(), from.Port()) != want {
			t.Fatalf("ReadFromNow = %q from %v, %v, %v; want rtp from %v", buf[:n], from, ok, err, want)
		}
		if _, err := peer.WriteToUDP([]byte("rtp"), to); err != nil {
			t.Fatal(err)
		}
		_, _ = unix.Poll(pfd, 10_000)
		if allocs := testing.AllocsPerRun(1, func() { _, _, _, _ = c.ReadFromNow(buf) }); allocs != 0 {
			t.Errorf("ReadFromNow allocates %v times", allocs)
		}
	}
	c.Close()
	if _, _, _, err := c.ReadFromNow(buf); !errors.Is(err, net.ErrClosed) {
		t.Errorf("ReadFromNow after Close: %v", err)
	}

	uc := listen(t, "udp4", "127.0.0.1:0")
	wc, err := New(uc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := wc.PollFD(); ok {
		t.Error("PollFD of a Conn from New")
	}
	if _, _, _, err := wc.ReadFromNow(buf); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ReadFromNow of a Conn from New: %v", err)
	}
}

// TestSetReadBuffer: asking for a bigger receive buffer than the default
// gets a bigger one (forced past net.core.rmem_max when the test may,
// capped there otherwise), on a socket from Listen and one from New.
func TestSetReadBuffer(t *testing.T) {
	for _, c := range []*Conn{newConn(t, "127.0.0.1:0", testModes[0]), mustNew(t, listen(t, "udp4", "127.0.0.1:0"))} {
		before, err := c.SetReadBuffer(1024)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.SetReadBuffer(8 << 20)
		if err != nil {
			t.Fatal(err)
		}
		if got <= before {
			t.Errorf("receive buffer %d bytes after asking for 8 MiB, %d after asking for 1 KiB", got, before)
		}
	}
}

func mustNew(tb testing.TB, uc *net.UDPConn) *Conn {
	tb.Helper()
	c, err := New(uc, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
