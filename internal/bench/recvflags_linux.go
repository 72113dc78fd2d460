package bench

import "syscall"

// recvFlags makes recvmmsg report each datagram's real length even when
// it was truncated to the buffer (MSG_TRUNC, udp(7)), so that payload bytes
// are counted without being copied.
const recvFlags = syscall.MSG_TRUNC
