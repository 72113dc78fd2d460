package udpbatch

import (
	"bytes"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestGROReceivesGSOWhole: a GSO send of one frame reaches a UDP_GRO
// socket on loopback as one read whose control message gives the segment
// size, and cutting that read at the segment size gives back every
// datagram exactly.
func TestGROReceivesGSOWhole(t *testing.T) {
	c := newConn(t, "127.0.0.1:0", testModes[0])
	rc, dst := receiver(t, "127.0.0.1:0")
	if err := EnableGRO(rc); err != nil {
		t.Skipf("kernel without UDP_GRO: %v", err)
	}
	hdrs, payloads := batch(repeat(12, 1388, 500)...)
	if err := c.SendPackets(dst, hdrs, payloads); err != nil {
		t.Fatal(err)
	}
	if err := rc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<16)
	oob := make([]byte, GROControlSize)
	for i := 0; i < len(payloads); {
		n, oobn, _, _, err := rc.ReadMsgUDP(buf, oob)
		if err != nil {
			t.Fatalf("read after %d datagrams: %v", i, err)
		}
		if seg := GROSegmentSize(oob[:oobn]); i == 0 && seg != 1400 {
			t.Errorf("first read: segment size %d (%d bytes), want 1400: GSO not kept whole", seg, n)
		}
		for d := range Segments(buf[:n], oob[:oobn]) {
			want := append(append([]byte(nil), hdrs[i]...), payloads[i]...)
			if !bytes.Equal(d, want) {
				t.Fatalf("datagram %d: %d bytes, want %d", i, len(d), len(want))
			}
			i++
		}
	}
}

// TestGROSegmentSize parses hand-built control messages: the UDP_GRO one
// after another message, none, and malformed lengths.
func TestGROSegmentSize(t *testing.T) {
	cmsg := func(level, typ int32, data []byte) []byte {
		b := make([]byte, unix.CmsgSpace(len(data)))
		h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
		h.Level, h.Type = level, typ
		h.SetLen(unix.CmsgLen(len(data)))
		copy(b[unix.CmsgLen(0):], data)
		return b
	}
	gro := cmsg(unix.SOL_UDP, unix.UDP_GRO, []byte{0x78, 0x05, 0, 0}) // 1400, little-endian
	tos := cmsg(unix.SOL_IP, unix.IP_TOS, []byte{0})
	truncated := append([]byte(nil), gro...)
	(*unix.Cmsghdr)(unsafe.Pointer(&truncated[0])).SetLen(1 << 20)
	for _, tc := range []struct {
		name string
		oob  []byte
		want int
	}{
		{"gro", gro, 1400},
		{"after another", append(append([]byte(nil), tos...), gro...), 1400},
		{"other only", tos, 0},
		{"empty", nil, 0},
		{"short header", gro[:4], 0},
		{"length past end", truncated, 0},
		{"zero length", make([]byte, 32), 0},
	} {
		if got := GROSegmentSize(tc.oob); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if a := testing.AllocsPerRun(100, func() { GROSegmentSize(gro) }); a != 0 {
		t.Errorf("%v allocations", a)
	}
}

// FuzzGROSegmentSize: any control bytes give a size >= 0 or 0, no panic.
func FuzzGROSegmentSize(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 24))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Control buffers are 8-byte aligned; copy into one that is.
		al := make([]uint64, (len(b)+7)/8)
		oob := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(al))), len(al)*8)[:len(b)]
		copy(oob, b)
		GROSegmentSize(oob)
	})
}
