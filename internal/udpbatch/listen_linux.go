package udpbatch

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

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
	for {
		var n int
		var from unix.Sockaddr
		var rerr error
		if err := c.sys.own.Control(func(fd uintptr) { n, from, rerr = unix.Recvfrom(int(fd), b, 0) }); err != nil {
			return 0, netip.AddrPort{}, err
		}
		if c.sys.own.closed.Load() {
			return 0, netip.AddrPort{}, net.ErrClosed
		}
		switch {
		case rerr == unix.EAGAIN || rerr == unix.EINTR:
			continue
		case rerr != nil && isAsync(rerr) && c.sys.errq.on():
			// An ICMP error's pending errno (ReportUnreachable): collect
			// the error queue, then read on.
			_ = c.sys.own.Control(func(fd uintptr) { c.sys.errq.drain(fd) })
			continue
		case rerr != nil:
			return 0, netip.AddrPort{}, os.NewSyscallError("recvfrom", rerr)
		}
		return n, addrPortOf(from), nil
	}
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
