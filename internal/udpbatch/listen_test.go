package udpbatch

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// listenConn opens an owned Conn (Listen) on addr in mode m, closed at test
// end, skipping when the kernel cannot provide m.
func listenConn(tb testing.TB, network, addr string, m testMode) *Conn {
	tb.Helper()
	c, err := Listen(network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)), m.opt)
	if err != nil {
		tb.Fatalf("Listen %s %s: %v", network, addr, err)
	}
	tb.Cleanup(func() { c.Close() })
	if got := c.Mode(); got != m.name {
		if m.name == ModeGSO {
			tb.Skipf("kernel without UDP GSO (mode %q)", got)
		}
		tb.Fatalf("Mode() = %q, want %q", got, m.name)
	}
	return c
}

// TestListenSendBatch: a Conn that owns its socket sends exactly what a
// wrapped one does, in every mode.
func TestListenSendBatch(t *testing.T) {
	for _, m := range testModes {
		t.Run(m.name, func(t *testing.T) {
			c := listenConn(t, "udp4", "127.0.0.1:0", m)
			var (
				rcs []*net.UDPConn
				bt  []Datagrams
			)
			for range 90 { // 90 x 13 datagrams > 1024 per call
				rc, dst := receiver(t, "127.0.0.1:0")
				hdrs, payloads := batch(repeat(12, 1388, 700)...)
				rcs = append(rcs, rc)
				bt = append(bt, Datagrams{Dst: dst, Hdrs: hdrs, Payloads: payloads})
			}
			if err := c.SendBatch(bt); err != nil {
				t.Fatalf("SendBatch: %v", err)
			}
			for i, d := range bt {
				expectDatagrams(t, c, rcs[i], d.Dst, d.Hdrs, d.Payloads)
			}
			rc, dst := receiver(t, "127.0.0.1:0")
			hdrs, payloads := batch(repeat(3, 1388, 10)...)
			if err := c.SendPackets(dst, hdrs, payloads); err != nil {
				t.Fatalf("SendPackets: %v", err)
			}
			expectDatagrams(t, c, rc, dst, hdrs, payloads)
		})
	}
}

func TestListenAllocs(t *testing.T) {
	for _, m := range testModes {
		t.Run(m.name, func(t *testing.T) {
			c := listenConn(t, "udp4", "127.0.0.1:0", m)
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
			d := bt[0]
			if a := testing.AllocsPerRun(50, func() { _ = c.SendPackets(d.Dst, d.Hdrs, d.Payloads) }); a != 0 {
				t.Errorf("SendPackets allocates %.1f times per call", a)
			}
		})
	}
}

// TestListenReadFromClose: ReadFrom returns what a peer sent and who sent
// it; a ReadFrom blocked when Close is called returns net.ErrClosed.
func TestListenReadFromClose(t *testing.T) {
	c := listenConn(t, "udp4", "127.0.0.1:0", testModes[len(testModes)-1])
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
	time.Sleep(50 * time.Millisecond) // let it block
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
	c := listenConn(t, "udp", "[::]:0", testModes[0])
	port := c.LocalAddr().Port
	for _, a := range []string{"127.0.0.1", "::1"} {
		network := "udp4"
		if a == "::1" {
			network = "udp6"
		}
		pc, err := net.ListenUDP(network, &net.UDPAddr{IP: net.ParseIP(a)})
		if err != nil {
			t.Logf("no %s here: %v", a, err)
			continue
		}
		defer pc.Close()
		dst := pc.LocalAddr().(*net.UDPAddr).AddrPort()
		hdrs, payloads := batch(repeat(3, 1388, 5)...)
		if err := c.SendPackets(dst, hdrs, payloads); err != nil {
			t.Fatalf("to %v: %v", dst, err)
		}
		expectDatagrams(t, c, pc, dst, hdrs, payloads)
		if _, err := pc.WriteToUDP([]byte("x"), &net.UDPAddr{IP: net.ParseIP(a), Port: port}); err != nil {
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
