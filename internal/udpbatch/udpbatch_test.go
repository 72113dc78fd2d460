package udpbatch

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

// sendCases are the batches every mode must deliver datagram for datagram.
var sendCases = []struct {
	name  string
	sizes []int
}{
	{"one", []int{1388}},
	{"frame25", repeat(24, 1388, 700)},                                  // an RFC 2435 frame: equal fragments, short last
	{"equal", repeat(10, 1388)},                                         // last as long as the others
	{"emptyPayloads", repeat(3, 0)},                                     // header-only datagrams
	{"unequal", []int{100, 1388, 1388, 50, 900, 900, 1388, 1, 0, 1388}}, // GSO must split
	{"over64", repeat(150, 200, 33)},                                    // more than 64 segments
	{"over64KiB", repeat(50, 1388, 10)},                                 // more than 65507 bytes in one frame
}

func TestSendPackets(t *testing.T) {
	for _, m := range testModes {
		for _, tc := range sendCases {
			t.Run(m.label()+"/"+tc.name, func(t *testing.T) {
				c := newConn(t, "127.0.0.1:0", m)
				rc, dst := receiver(t, "127.0.0.1:0")
				hdrs, payloads := batch(tc.sizes...)
				if err := c.SendPackets(dst, hdrs, payloads); err != nil {
					t.Fatalf("SendPackets: %v", err)
				}
				expectDatagrams(t, c, rc, dst, hdrs, payloads)
				if got := c.Mode(); got != m.name {
					t.Errorf("Mode() changed to %q", got)
				}
			})
		}
	}
}

// TestSendPacketsIPv6 sends from an IPv6 socket to ::1 and from a dual-stack
// socket to an IPv4 receiver (v4-mapped destination).
func TestSendPacketsIPv6(t *testing.T) {
	if ln, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback}); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	for _, m := range testModes {
		for _, tc := range []struct{ name, from, to string }{
			{"v6", "[::1]:0", "[::1]:0"},
			{"dualstackToV4", "[::]:0", "127.0.0.1:0"},
		} {
			t.Run(m.label()+"/"+tc.name, func(t *testing.T) {
				c := newConn(t, tc.from, m)
				rc, dst := receiver(t, tc.to)
				hdrs, payloads := batch(repeat(24, 1388, 700)...)
				if err := c.SendPackets(dst, hdrs, payloads); err != nil {
					t.Fatalf("SendPackets: %v", err)
				}
				expectDatagrams(t, c, rc, dst, hdrs, payloads)
			})
		}
	}
}

func TestSendPacketsErrors(t *testing.T) {
	for _, m := range testModes {
		t.Run(m.label(), func(t *testing.T) {
			c := newConn(t, "127.0.0.1:0", m)
			hdrs, payloads := batch(1, 2)
			dst := netip.MustParseAddrPort("127.0.0.1:9")
			if err := c.SendPackets(dst, hdrs, payloads[:1]); !errors.Is(err, ErrLengthMismatch) {
				t.Errorf("mismatched lengths: err = %v, want ErrLengthMismatch", err)
			}
			if err := c.SendPackets(dst, nil, nil); err != nil {
				t.Errorf("empty batch: %v", err)
			}
			if err := c.SendPackets(netip.MustParseAddrPort("[::1]:9"), hdrs, payloads); err == nil {
				t.Errorf("IPv6 destination on an IPv4 socket: no error")
			}
			if err := c.SendPackets(netip.AddrPort{}, hdrs, payloads); err == nil {
				t.Errorf("zero destination: no error")
			}
		})
	}
}

func TestNewRejectsConnected(t *testing.T) {
	_, dst := receiver(t, "127.0.0.1:0")
	uc, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	for _, in := range []*net.UDPConn{nil, uc} {
		if _, err := New(in, Options{}); !errors.Is(err, ErrConnected) {
			t.Errorf("New(%v): err = %v, want ErrConnected", in, err)
		}
	}
}

func TestWriteTo(t *testing.T) {
	c := newConn(t, "127.0.0.1:0", testModes[len(testModes)-1])
	rc, dst := receiver(t, "127.0.0.1:0")
	hdrs, payloads := batch(0)
	expectDatagrams(t, c, rc, dst, hdrs[:0], payloads[:0]) // just the sentinel via WriteTo
}

// TestSendPacketsAllocs proves the hot path allocates nothing after warm-up
// (AllocsPerRun's own first run), in every mode and both address families.
func TestSendPacketsAllocs(t *testing.T) {
	hdrs, payloads := batch(repeat(24, 1388, 700)...)
	many, manyPl := batch(repeat(150, 200, 33)...)
	for _, m := range testModes {
		for _, tc := range []struct{ name, from, to string }{
			{"v4", "127.0.0.1:0", "127.0.0.1:0"},
			{"v6", "[::1]:0", "[::1]:0"},
		} {
			t.Run(m.label()+"/"+tc.name, func(t *testing.T) {
				if tc.name == "v6" {
					if ln, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback}); err != nil {
						t.Skipf("no IPv6 loopback: %v", err)
					} else {
						ln.Close()
					}
				}
				c := newConn(t, tc.from, m)
				_, dst := receiver(t, tc.to) // never read: the kernel drops what overflows
				for _, b := range []struct {
					name string
					h, p [][]byte
				}{{"frame25", hdrs, payloads}, {"many", many, manyPl}} {
					var err error
					allocs := testing.AllocsPerRun(50, func() {
						if e := c.SendPackets(dst, b.h, b.p); e != nil {
							err = e
						}
					})
					if err != nil {
						t.Fatalf("%s: SendPackets: %v", b.name, err)
					}
					if allocs != 0 {
						t.Errorf("%s: %v allocations per SendPackets, want 0", b.name, allocs)
					}
				}
			})
		}
	}
}
