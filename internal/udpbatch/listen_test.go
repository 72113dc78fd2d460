package udpbatch

import (
	"errors"
	"net"
	"testing"
	"time"
)

// TestListenReadFromClose: ReadFrom returns what a peer sent and who sent
// it; a ReadFrom blocked when Close is called returns net.ErrClosed.
func TestListenReadFromClose(t *testing.T) {
	c := newConn(t, "127.0.0.1:0", testModes[len(testModes)-1])
	peer := listen(t, "udp4", "127.0.0.1:0")
	if _, err := peer.WriteToUDP([]byte("nat-punch"), c.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, from, err := c.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "nat-punch" || from != peer.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Fatalf("ReadFrom = %q from %v, %v", buf[:n], from, err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFrom(buf)
		done <- err
	}()
	// Give ReadFrom time to block, which no API shows; not synchronisation:
	// the test holds either way (a ReadFrom after Close fails the same).
	time.Sleep(50 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked ReadFrom after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFrom still blocked 5 s after Close")
	}
	if err := c.SendPackets(peer.LocalAddr().(*net.UDPAddr).AddrPort(), [][]byte{{1}}, [][]byte{{2}}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("send after Close: %v", err)
	}
}

// TestListenDualStack: "udp" on the unspecified address reaches IPv4 and
// IPv6 peers alike; "udp6" and a bad network behave.
func TestListenDualStack(t *testing.T) {
	c := newConn(t, "[::]:0", testModes[len(testModes)/2])
	port := c.LocalAddr().Port
	for _, pc := range loopbackPeers(t) {
		ip := pc.LocalAddr().(*net.UDPAddr).IP
		a := ip.String()
		dst := pc.LocalAddr().(*net.UDPAddr).AddrPort()
		hdrs, payloads := batch(repeat(3, 1388, 5)...)
		if err := c.SendPackets(dst, hdrs, payloads); err != nil {
			t.Fatalf("to %v: %v", dst, err)
		}
		expectDatagrams(t, c, pc, dst, hdrs, payloads)
		if _, err := pc.WriteToUDP([]byte("x"), &net.UDPAddr{IP: ip, Port: port}); err != nil {
			t.Fatal(err)
		}
		if _, from, err := c.ReadFrom(make([]byte, 8)); err != nil || from.Addr().Unmap().String() != a {
			t.Errorf("ReadFrom via %s: from %v, %v", a, from, err)
		}
	}
	if _, err := Listen("tcp", nil, Options{}); err == nil {
		t.Error(`Listen("tcp") did not fail`)
	}
}
