package udpbatch

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// ownSendTimeout bounds a blocking send on an owned socket (a NIC queue
	// that never drains); the send then fails with EAGAIN.
	ownSendTimeout = time.Second
	// ownRecvTimeout bounds a blocking ReadFrom so that Close is never
	// kept waiting longer.
	ownRecvTimeout = 500 * time.Millisecond
)

// ownSocket is a UDP socket that Listen opened outside Go's network poller:
// a blocking file descriptor used from the calling goroutine's thread. A
// socket registered with the poller makes every sent datagram's release
// (the kernel's "writable again" notification) wake the poller's thread;
// on a server that sends tens of thousands of datagrams a second and is
// otherwise idle, those wake-ups cost as much CPU as the sends.
type ownSocket struct {
	fd     int
	mu     sync.RWMutex // held shared by every system call, exclusively by Close
	closed atomic.Bool
	// fromRaw and fromLen are recvfrom's address scratch, the reader's:
	// a Conn has one reading goroutine at a time.
	fromRaw unix.RawSockaddrAny
	fromLen uint32
}

// Control, Read and Write make ownSocket a syscall.RawConn. Write calls f
// until it reports done; f sees EAGAIN only when ownSendTimeout passed.
func (o *ownSocket) Control(f func(fd uintptr)) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.closed.Load() {
		return net.ErrClosed
	}
	f(uintptr(o.fd))
	return nil
}

func (o *ownSocket) Read(f func(fd uintptr) bool) error {
	return o.Control(func(fd uintptr) { f(fd) })
}

func (o *ownSocket) Write(f func(fd uintptr) bool) error {
	var done bool
	if err := o.Control(func(fd uintptr) { done = f(fd) }); err != nil {
		return err
	}
	if !done {
		return ErrSendTimeout
	}
	return nil
}

// Listen opens a UDP socket bound to laddr (network "udp4", "udp6", or
// "udp", which with an unspecified or nil IP is dual-stack) and returns a
// Conn that owns it. On Linux the socket stays out of Go's network poller
// (see ownSocket): sends and ReadFrom block the calling thread, bounded by
// timeouts. Close releases it.
func Listen(network string, laddr *net.UDPAddr, opt Options) (*Conn, error) {
	if laddr == nil {
		laddr = &net.UDPAddr{}
	}
	family, v6only := unix.AF_INET, false
	switch {
	case network == "udp4":
	case network == "udp6":
		family, v6only = unix.AF_INET6, true
	case network == "udp" && (laddr.IP == nil || laddr.IP.IsUnspecified()):
		family = unix.AF_INET6
	case network == "udp" && laddr.IP.To4() == nil:
		family, v6only = unix.AF_INET6, true
	case network == "udp":
	default:
		return nil, fmt.Errorf("udpbatch: listen %s: %w", network, net.UnknownNetworkError(network))
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err == unix.EAFNOSUPPORT && network == "udp" && family == unix.AF_INET6 && !v6only {
		// No IPv6 on this host: "every address" means every IPv4 one.
		family = unix.AF_INET
		fd, err = unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	}
	if err != nil {
		return nil, fmt.Errorf("udpbatch: listen %s %v: %w", network, laddr, os.NewSyscallError("socket", err))
	}
	fail := func(op string, err error) (*Conn, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("udpbatch: listen %s %v: %w", network, laddr, os.NewSyscallError(op, err))
	}
	if family == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, boolInt(v6only)); err != nil {
			return fail("setsockopt", err)
		}
	}
	for _, t := range []struct {
		opt int
		d   time.Duration
	}{{unix.SO_SNDTIMEO, ownSendTimeout}, {unix.SO_RCVTIMEO, ownRecvTimeout}} {
		tv := unix.NsecToTimeval(t.d.Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, t.opt, &tv); err != nil {
			return fail("setsockopt", err)
		}
	}
	bind := netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(laddr.Port))
	if family == unix.AF_INET6 {
		bind = netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(laddr.Port))
	}
	if laddr.IP != nil {
		bind = laddr.AddrPort()
	}
	sa, err := sockaddrOf(family, bind)
	if err != nil {
		return fail("bind", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	own := &ownSocket{fd: fd}
	c, err := newRawConn(own, family, opt)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	c.sys.own = own
	return c, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SetWriteBuffer sets the socket's send buffer (SO_SNDBUF, capped by the
// kernel's net.core.wmem_max).
func (c *Conn) SetWriteBuffer(n int) error {
	if c.sys.own == nil {
		return c.uc.SetWriteBuffer(n)
	}
	return c.sys.own.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, n)
	})
}

// SetReadBuffer asks for an n-byte receive buffer and returns the size the
// kernel granted (SO_RCVBUF reads it back, doubled for its bookkeeping).
// It forces the size past net.core.rmem_max where the process may
// (SO_RCVBUFFORCE, CAP_NET_ADMIN), else the kernel caps it there: what
// arrives while the socket's reader is busy waits in this buffer.
func (c *Conn) SetReadBuffer(n int) (int, error) {
	var got int
	var serr error
	do := func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n) != nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, n)
		}
		got, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	}
	var err error
	if c.sys.own == nil {
		err = c.sys.rc.Control(do)
	} else {
		err = c.sys.own.Control(do)
	}
	if err == nil && serr != nil {
		err = os.NewSyscallError("setsockopt", serr)
	}
	if err != nil {
		return got, fmt.Errorf("udpbatch: receive buffer: %w", err)
	}
	return got, nil
}

// LocalAddr is the address the socket is bound to.
func (c *Conn) LocalAddr() *net.UDPAddr {
	if c.sys.own == nil {
		return c.uc.LocalAddr().(*net.UDPAddr)
	}
	var sa unix.Sockaddr
	_ = c.sys.own.Control(func(fd uintptr) { sa, _ = unix.Getsockname(int(fd)) })
	return net.UDPAddrFromAddrPort(addrPortOf(sa))
}

// ReadFrom reads one datagram (what peers send to the port, such as NAT
// bindings' first packets). It returns net.ErrClosed once Close was called.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if c.sys.own == nil {
		return c.uc.ReadFromUDPAddrPort(b)
	}
	n, from, _, err := c.recv(b, 0)
	return n, from, err
}

// ReadFromNow reads one datagram if one is queued, without blocking: ok is
// false when none is. It is ReadFrom for a caller that learnt from a poll
// of PollFD that the socket is readable, and needs a Conn from Listen.
func (c *Conn) ReadFromNow(b []byte) (n int, from netip.AddrPort, ok bool, err error) {
	if c.sys.own == nil {
		return 0, netip.AddrPort{}, false, fmt.Errorf("udpbatch: read now: %w", errors.ErrUnsupported)
	}
	return c.recv(b, unix.MSG_DONTWAIT)
}

// PollFD is the descriptor of a socket the Conn owns, for a caller that
// waits for it to turn readable beside other descriptors in one poll(2)
// (the server's scheduler, see package waker) and then reads it with
// ReadFromNow. ok is false for a Conn from New. The number is only for
// polling: after Close it may name another file, and a poll then wakes
// for nothing, while ReadFromNow reports net.ErrClosed.
func (c *Conn) PollFD() (fd int, ok bool) {
	if c.sys.own == nil {
		return -1, false
	}
	return c.sys.own.fd, true
}

// recv reads one datagram on an owned socket with recvfrom(2) flags:
// with MSG_DONTWAIT, ok is false when nothing is queued; without, it waits
// (in ownRecvTimeout steps) until a datagram or Close.
func (c *Conn) recv(b []byte, flags int) (n int, from netip.AddrPort, ok bool, err error) {
	if len(b) == 0 {
		return 0, netip.AddrPort{}, false, fmt.Errorf("udpbatch: read into an empty buffer: %w", io.ErrShortBuffer)
	}
	o := c.sys.own
	for {
		var rerr error
		if err := o.Control(func(fd uintptr) { n, rerr = o.recvfrom(fd, b, flags) }); err != nil {
			return 0, netip.AddrPort{}, false, err
		}
		if o.closed.Load() {
			return 0, netip.AddrPort{}, false, net.ErrClosed
		}
		switch {
		case rerr == unix.EAGAIN && flags&unix.MSG_DONTWAIT != 0:
			return 0, netip.AddrPort{}, false, nil
		case rerr == unix.EAGAIN || rerr == unix.EINTR:
			continue
		case rerr != nil && isAsync(rerr) && c.sys.errq.on():
			// An ICMP error's pending errno (ReportUnreachable): collect
			// the error queue, then read on.
			_ = o.Control(func(fd uintptr) { c.sys.errq.drain(fd) })
			continue
		case rerr != nil:
			return 0, netip.AddrPort{}, false, os.NewSyscallError("recvfrom", rerr)
		}
		return n, o.from(), true, nil
	}
}

// recvfrom is recvfrom(2) into the socket's address scratch. Unlike
// unix.Recvfrom it allocates nothing and makes one system call (x/sys asks
// the socket's protocol with getsockopt to decode every IPv4 or IPv6
// address): half the calls per datagram of a publisher's burst.
func (o *ownSocket) recvfrom(fd uintptr, b []byte, flags int) (int, error) {
	o.fromLen = uint32(unsafe.Sizeof(o.fromRaw))
	n, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(flags),
		uintptr(unsafe.Pointer(&o.fromRaw)), uintptr(unsafe.Pointer(&o.fromLen)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// from decodes the address recvfrom stored (the zero AddrPort for anything
// but IPv4 or IPv6).
func (o *ownSocket) from() netip.AddrPort {
	switch o.fromRaw.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&o.fromRaw))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), networkPort(sa.Port))
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&o.fromRaw))
		return addrPortOf(&unix.SockaddrInet6{Addr: sa.Addr, Port: int(networkPort(sa.Port)), ZoneId: sa.Scope_id})
	}
	return netip.AddrPort{}
}

// networkPort reads a port stored in network byte order.
func networkPort(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// Close closes a socket the Conn owns (from Listen), waking a blocked
// ReadFrom; for a Conn from New it closes the wrapped *net.UDPConn.
func (c *Conn) Close() error {
	if c.sys.own == nil {
		return c.uc.Close()
	}
	if c.sys.own.closed.Swap(true) {
		return net.ErrClosed
	}
	_ = unix.Shutdown(c.sys.own.fd, unix.SHUT_RDWR) // wakes a blocked recvfrom
	c.sys.own.mu.Lock()
	defer c.sys.own.mu.Unlock()
	return unix.Close(c.sys.own.fd)
}

// sockaddrOf is dst as a socket address of the given family: an IPv4
// address on an IPv6 socket becomes v4-mapped, an IPv6 zone its interface
// index.
func sockaddrOf(family int, dst netip.AddrPort) (unix.Sockaddr, error) {
	a := dst.Addr()
	switch {
	case family == unix.AF_INET && a.Unmap().Is4():
		return &unix.SockaddrInet4{Port: int(dst.Port()), Addr: a.Unmap().As4()}, nil
	case family == unix.AF_INET6 && a.IsValid():
		s6 := &unix.SockaddrInet6{Port: int(dst.Port()), Addr: a.As16()}
		if z := a.Zone(); z != "" {
			ifi, err := net.InterfaceByName(z)
			if err != nil {
				return nil, fmt.Errorf("%w: zone %q: %w", ErrAddressFamily, z, err)
			}
			s6.ZoneId = uint32(ifi.Index)
		}
		return s6, nil
	}
	return nil, fmt.Errorf("%w: %v on an AF_%d socket", ErrAddressFamily, dst, family)
}

// addrPortOf is the inverse of sockaddrOf (the zero AddrPort for anything
// but an IPv4 or IPv6 address).
func addrPortOf(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a = a.WithZone(ifi.Name)
			}
		}
		return netip.AddrPortFrom(a, uint16(sa.Port))
	}
	return netip.AddrPort{}
}
