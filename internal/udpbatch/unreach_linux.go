package udpbatch

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The error queue (IP_RECVERR, ip(7); IPV6_RECVERR, ipv6(7)): with the
// option on, an ICMP error answering one of the socket's datagrams is
// queued on the socket's error queue with the original destination, and
// is also set as the socket's pending error, which the next send or
// receive returns once (and which would otherwise make a send to some
// other destination fail). So every path that meets an errno an ICMP
// error can produce drains the queue and retries, and Unreachable drains
// it too: the queue's entries count against the receive buffer.

// maxAsyncRetries bounds the retries of one system call after errnos that
// ICMP errors leave as the socket's pending error.
const maxAsyncRetries = 8

// maxDrain bounds the entries one drain reads from the error queue.
const maxDrain = 256

// errQueue is a Conn's error-queue state: whether the option is on, the
// destinations found unreachable since the last Unreachable call, and
// the recvmsg scratch (under mu: any goroutine may drain).
type errQueue struct {
	mu      sync.Mutex
	enabled bool
	dsts    [maxUnreachable]netip.AddrPort
	n       int

	msg  unix.Msghdr
	name unix.RawSockaddrInet6 // room for either family
	iov  unix.Iovec
	buf  [64]byte
	oobW [16]uint64 // control messages, 8-byte aligned
}

// on reports (racily, for the hot path's error branch) whether the option
// is on.
func (q *errQueue) on() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.enabled
}

// ReportUnreachable turns on IP_RECVERR (and IPV6_RECVERR on an IPv6
// socket) on a socket Listen opened, so that the destinations whose hosts
// answer with ICMP port, host or network unreachable can be learned with
// Unreachable. Sends stay unaffected: the error each ICMP message leaves
// pending on the socket is absorbed (the send is retried). It fails for a
// Conn from New.
func (c *Conn) ReportUnreachable() error {
	if c.sys.own == nil {
		return fmt.Errorf("udpbatch: report unreachable: %w", errors.ErrUnsupported)
	}
	var serr error
	err := c.sys.own.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVERR, 1)
		if serr == nil && c.sys.family == unix.AF_INET6 {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVERR, 1)
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("udpbatch: report unreachable: %w", os.NewSyscallError("setsockopt", err))
	}
	q := &c.sys.errq
	q.mu.Lock()
	q.enabled = true
	q.mu.Unlock()
	return nil
}

// Unreachable drains the socket's error queue and appends to out every
// destination that ICMP reported unreachable (port, host or network)
// since the last call, each once, at most maxUnreachable. Without
// ReportUnreachable it returns out unchanged. Safe from any goroutine.
func (c *Conn) Unreachable(out []netip.AddrPort) []netip.AddrPort {
	q := &c.sys.errq
	if c.sys.own == nil || !q.on() {
		return out
	}
	_ = c.sys.own.Control(func(fd uintptr) { q.drain(fd) })
	q.mu.Lock()
	defer q.mu.Unlock()
	out = append(out, q.dsts[:q.n]...)
	q.n = 0
	return out
}

// asyncErrno reports whether e is an errno an ICMP error leaves pending on
// a socket with IP_RECVERR (icmp_err_convert: unreachable port, host,
// network or protocol, fragmentation needed, ...).
func asyncErrno(e unix.Errno) bool {
	switch e {
	case unix.ECONNREFUSED, unix.EHOSTUNREACH, unix.ENETUNREACH, unix.EHOSTDOWN,
		unix.ENONET, unix.ENOPROTOOPT, unix.EPROTO, unix.EMSGSIZE, unix.EOPNOTSUPP:
		return true
	}
	return false
}

// drain reads the error queue of fd (non-blocking, at most maxDrain
// entries) and records the destinations of ICMP unreachable errors. It
// allocates nothing.
func (q *errQueue) drain(fd uintptr) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for range maxDrain {
		q.iov.Base = &q.buf[0]
		q.iov.SetLen(len(q.buf))
		q.msg = unix.Msghdr{
			Name:    (*byte)(unsafe.Pointer(&q.name)),
			Namelen: uint32(unsafe.Sizeof(q.name)),
			Iov:     &q.iov,
			Control: (*byte)(unsafe.Pointer(&q.oobW[0])),
		}
		q.msg.SetIovlen(1)
		q.msg.SetControllen(len(q.oobW) * 8)
		_, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&q.msg)), unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return // EAGAIN: the queue is empty
		}
		if ee := q.extendedErr(); ee != nil && unreachableErr(ee) {
			q.add(q.destination())
		}
	}
}

// extendedErr finds the IP_RECVERR or IPV6_RECVERR control message of the
// last recvmsg and returns its sock_extended_err.
func (q *errQueue) extendedErr() *unix.SockExtendedErr {
	oob := unsafe.Slice((*byte)(unsafe.Pointer(&q.oobW[0])), len(q.oobW)*8)
	oob = oob[:min(int(q.msg.Controllen), len(oob))]
	n := int(unsafe.Sizeof(unix.SockExtendedErr{}))
	d := controlData(oob, unix.IPPROTO_IP, unix.IP_RECVERR, n)
	if d == nil {
		d = controlData(oob, unix.IPPROTO_IPV6, unix.IPV6_RECVERR, n)
	}
	if d == nil {
		return nil
	}
	return (*unix.SockExtendedErr)(unsafe.Pointer(&d[0]))
}

// unreachableErr reports whether ee is an ICMP (or ICMPv6) destination
// unreachable error: port (RFC 1122 3.2.2.1), host or network.
func unreachableErr(ee *unix.SockExtendedErr) bool {
	if ee.Origin != unix.SO_EE_ORIGIN_ICMP && ee.Origin != unix.SO_EE_ORIGIN_ICMP6 {
		return false
	}
	switch unix.Errno(ee.Errno) {
	case unix.ECONNREFUSED, unix.EHOSTUNREACH, unix.ENETUNREACH:
		return true
	}
	return false
}

// destination is the last recvmsg's msg_name: the original destination of
// the datagram the error answers (IPv4-mapped addresses unmapped).
func (q *errQueue) destination() netip.AddrPort {
	switch q.name.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&q.name))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), ntohs(sa.Port))
	case unix.AF_INET6:
		a := netip.AddrFrom16(q.name.Addr).Unmap()
		return netip.AddrPortFrom(a, ntohs(q.name.Port))
	}
	return netip.AddrPort{}
}

func ntohs(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// add records dst once (under mu).
func (q *errQueue) add(dst netip.AddrPort) {
	if !dst.IsValid() {
		return
	}
	for _, d := range q.dsts[:q.n] {
		if d == dst {
			return
		}
	}
	if q.n < len(q.dsts) {
		q.dsts[q.n] = dst
		q.n++
	}
}

// isAsync is asyncErrno for an error from package unix.
func isAsync(err error) bool {
	var e unix.Errno
	return errors.As(err, &e) && asyncErrno(e)
}
