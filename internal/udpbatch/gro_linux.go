package udpbatch

import (
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
	return enableOption(uc, "udp gro", unix.SOL_UDP, unix.UDP_GRO)
}

// GROSegmentSize returns the segment size carried by a SOL_UDP/UDP_GRO
// control message in oob (the control bytes of one received datagram), or
// 0 when there is none: the buffer is then a single datagram. It allocates
// nothing.
func GROSegmentSize(oob []byte) int {
	if d := controlData(oob, unix.SOL_UDP, unix.UDP_GRO, 4); d != nil {
		return int(*(*int32)(unsafe.Pointer(&d[0])))
	}
	return 0
}
