package udpbatch

import (
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// GROControlSize is enough room for the control messages a UDP_GRO socket
// receives with a datagram (one int).
var GROControlSize = unix.CmsgSpace(4)

// EnableGRO asks the kernel to hand uc coalesced datagrams (UDP_GRO, Linux
// >= 5.0): consecutive datagrams of one flow arrive as one buffer of
// equal-size segments, the last possibly shorter, with the segment size in
// a control message (see GROSegmentSize). On loopback a sender's GSO
// message then reaches the socket whole instead of being cut into
// datagrams, which is what a receiving NIC's GRO does on a real network;
// it is the receive-side counterpart of the GSO send mode. A reader must
// give each read a buffer of up to 65535 bytes and split it.
func EnableGRO(uc *net.UDPConn) error {
	rc, err := uc.SyscallConn()
	if err != nil {
		return fmt.Errorf("udp gro: %w", err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_GRO, 1)
	}); err != nil {
		return fmt.Errorf("udp gro: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("udp gro: %w", serr)
	}
	return nil
}

// GROSegmentSize returns the segment size carried by a SOL_UDP/UDP_GRO
// control message in oob (the control bytes of one received datagram), or
// 0 when there is none: the buffer is then a single datagram. It allocates
// nothing.
func GROSegmentSize(oob []byte) int {
	hdrLen := unix.CmsgLen(0)
	for len(oob) >= hdrLen {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < hdrLen || l > len(oob) {
			return 0
		}
		if h.Level == unix.SOL_UDP && h.Type == unix.UDP_GRO && l >= hdrLen+4 {
			return int(*(*int32)(unsafe.Pointer(&oob[hdrLen])))
		}
		next := unix.CmsgSpace(l - hdrLen)
		if next > len(oob) {
			return 0
		}
		oob = oob[next:]
	}
	return 0
}
