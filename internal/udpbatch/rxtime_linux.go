package udpbatch

import (
	"net"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// RxTimeControlSize is enough room for the control message that carries a
// datagram's receive time (SO_TIMESTAMPNS: a struct timespec).
var RxTimeControlSize = unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))

// EnableRxTime asks the kernel to stamp each datagram uc receives with the
// time it reached the socket (SO_TIMESTAMPNS, CLOCK_REALTIME), read back
// with RxTime. On loopback that is the moment the sender's send delivered
// it: a benchmark learns when a packet left the server without counting
// its own scheduling delays.
func EnableRxTime(uc *net.UDPConn) error {
	return enableOption(uc, "udp receive timestamps", unix.SOL_SOCKET, unix.SO_TIMESTAMPNS)
}

// RxTime returns the receive time carried by an SO_TIMESTAMPNS control
// message in oob (one datagram's control bytes), ok false when there is
// none. It allocates nothing.
func RxTime(oob []byte) (t time.Time, ok bool) {
	var ts unix.Timespec
	tsLen := int(unsafe.Sizeof(ts))
	d := controlData(oob, unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, tsLen)
	if d == nil {
		return time.Time{}, false
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ts)), tsLen), d)
	return time.Unix(ts.Unix()), true
}
