package udpbatch

import (
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// enableOption sets an integer socket option of uc to 1; what names it in
// the error.
func enableOption(uc *net.UDPConn, what string, level, opt int) error {
	rc, err := uc.SyscallConn()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), level, opt, 1) }); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if serr != nil {
		return fmt.Errorf("%s: %w", what, serr)
	}
	return nil
}

// controlData returns the data of the first control message of the given
// level and type in oob (one datagram's control bytes) that holds at least
// minLen bytes, or nil. It allocates nothing.
func controlData(oob []byte, level, typ int32, minLen int) []byte {
	hdrLen := unix.CmsgLen(0)
	for len(oob) >= hdrLen {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < hdrLen || l > len(oob) {
			return nil
		}
		if h.Level == level && h.Type == typ && l >= hdrLen+minLen {
			return oob[hdrLen:l]
		}
		next := unix.CmsgSpace(l - hdrLen)
		if next > len(oob) {
			return nil
		}
		oob = oob[next:]
	}
	return nil
}
