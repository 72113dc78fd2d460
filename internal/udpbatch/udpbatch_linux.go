package udpbatch

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysConn is the Linux state of a Conn: the raw socket, the syscall layer
// (replaceable in tests) and the scratch reused by every call.
type sysConn struct {
	rc     syscall.RawConn
	family int // unix.AF_INET or unix.AF_INET6

	// sendmsg and sendmmsg are the system calls, func fields so that tests
	// can inject failures (EIO from a NIC without checksum offload).
	sendmsg  func(fd uintptr, msg *unix.Msghdr) unix.Errno
	sendmmsg func(fd uintptr, msgs []unix.Mmsghdr) (int, unix.Errno)

	// writeFn is s.write bound once, passed to rc.Write on every send.
	writeFn func(fd uintptr) bool
	// pending, nsent and errno carry one rc.Write round trip.
	pending []unix.Mmsghdr
	nsent   int
	errno   unix.Errno

	msgs []unix.Mmsghdr
	iovs []unix.Iovec
	oob  []byte   // GSO control messages, cmsgSpace bytes each
	oobW []uint64 // backing of oob, for cmsghdr alignment

	sa4     unix.RawSockaddrInet4
	sa6     unix.RawSockaddrInet6
	name    *byte
	namelen uint32

	zone      string // last IPv6 zone resolved, and its index
	zoneIndex uint32

	// SendBatch scratch: a socket address per destination, and the batch
	// entry each message belongs to.
	names4 []unix.RawSockaddrInet4
	names6 []unix.RawSockaddrInet6
	owner  []int

	// own is the socket Listen opened (nil for a Conn from New).
	own *ownSocket
	// errq is the error queue's state (ReportUnreachable).
	errq errQueue
}

// New wraps an unconnected UDP socket (from net.ListenUDP) for batched sends.
// It reads the socket's address family and probes UDP_SEGMENT support with
// getsockopt; opt can switch mechanisms off. It never fails because GSO or
// sendmmsg are missing: it falls back to a slower mode instead.
func New(uc *net.UDPConn, opt Options) (*Conn, error) {
	if uc == nil || uc.RemoteAddr() != nil {
		return nil, ErrConnected
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("udpbatch: %w", err)
	}
	var family int
	var ferr error
	err = rc.Control(func(fd uintptr) {
		family, ferr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN)
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return nil, fmt.Errorf("udpbatch: socket family: %w", err)
	}
	c, err := newRawConn(rc, family, opt)
	if err != nil {
		return nil, err
	}
	c.uc = uc
	return c, nil
}

// newRawConn builds a Conn sending through rc, a socket of the given family,
// probing UDP_SEGMENT support with getsockopt.
func newRawConn(rc syscall.RawConn, family int, opt Options) (*Conn, error) {
	if family != unix.AF_INET && family != unix.AF_INET6 {
		return nil, fmt.Errorf("%w: family %d", ErrAddressFamily, family)
	}
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		_, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
	}); err != nil {
		return nil, fmt.Errorf("udpbatch: %w", err)
	}
	c := &Conn{opt: opt}
	c.sys.rc = rc
	c.sys.family = family
	c.sys.sendmsg = rawSendmsg
	c.sys.sendmmsg = rawSendmmsg
	c.sys.writeFn = c.sys.write
	m := modeSingle
	switch {
	case gerr == nil && !opt.DisableGSO:
		m = modeGSO
	case !opt.DisableMMsg:
		m = modeMMsg
	}
	c.mode.Store(int32(m))
	return c, nil
}

// SendPackets sends len(payloads) datagrams to dst; datagram i is hdrs[i]
// (the 12-byte RTP header, RFC 3550 §5.1) followed by payloads[i]. It uses
// the Conn's mode (see the package doc); with GSO, a frame whose payloads
// are all the same length but the last (RFC 2435 fragments) goes out in one
// sendmsg. If GSO fails with EIO or EINVAL, GSO is disabled on this Conn and
// the datagrams not yet sent go out with sendmmsg in the same call.
//
// It allocates nothing once its scratch has grown to the batch size. The
// returned error says how many datagrams were sent before the failure.
func (c *Conn) SendPackets(dst netip.AddrPort, hdrs [][]byte, payloads [][]byte) error {
	if len(hdrs) != len(payloads) {
		return fmt.Errorf("%w: %d headers, %d payloads", ErrLengthMismatch, len(hdrs), len(payloads))
	}
	if len(payloads) == 0 {
		return nil
	}
	dst, err := c.sys.setAddr(dst)
	if err != nil {
		return err
	}
	sent := 0
	for {
		m := mode(c.mode.Load())
		var n int
		switch m {
		case modeGSO:
			n, err = c.sendGSO(hdrs[sent:], payloads[sent:])
		case modeMMsg:
			n, err = c.sendMMsg(hdrs[sent:], payloads[sent:])
		default:
			if c.sys.own != nil {
				n, err = c.sendOneByOne(hdrs[sent:], payloads[sent:])
			} else {
				n, err = c.sendSingle(dst, hdrs[sent:], payloads[sent:])
			}
		}
		sent += n
		if err == nil {
			return nil
		}
		if next, ok := c.fallback(m, err); ok {
			c.mode.Store(int32(next))
			continue
		}
		return fmt.Errorf("udpbatch: %s to %v: %d of %d datagrams sent: %w", m, dst, sent, len(payloads), err)
	}
}

// fallback decides whether err from mode m disables m: EIO or EINVAL from a
// GSO send (NIC without checksum offload, segment over the device MTU),
// ENOSYS from sendmmsg (sandboxes). It records the GSO failure.
func (c *Conn) fallback(m mode, err error) (mode, bool) {
	switch {
	case m == modeGSO && (errors.Is(err, unix.EIO) || errors.Is(err, unix.EINVAL)):
		c.gsoErr.Store(&gsoFailure{err})
		if c.opt.DisableMMsg {
			return modeSingle, true
		}
		return modeMMsg, true
	case m == modeMMsg && errors.Is(err, unix.ENOSYS):
		return modeSingle, true
	}
	return m, false
}

// setAddr stores dst as the raw sockaddr of every message and returns dst as
// the single mode should pass it to package net (IPv4 unmapped on an IPv4
// socket). An IPv4 destination on an IPv6 socket becomes a v4-mapped address.
func (s *sysConn) setAddr(dst netip.AddrPort) (netip.AddrPort, error) {
	name, namelen, err := s.addrInto(dst, &s.sa4, &s.sa6)
	if err != nil {
		return dst, err
	}
	s.name, s.namelen = name, namelen
	if s.family == unix.AF_INET {
		return netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port()), nil
	}
	return dst, nil
}

// putPort stores port in network byte order.
func putPort(p *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(p))
	b[0], b[1] = byte(port>>8), byte(port)
}

// scopeID resolves an IPv6 zone (interface name or number), caching the last.
func (s *sysConn) scopeID(zone string) (uint32, error) {
	if zone == "" {
		return 0, nil
	}
	if zone == s.zone {
		return s.zoneIndex, nil
	}
	var idx uint32
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		idx = uint32(n)
	} else {
		ifi, err := net.InterfaceByName(zone)
		if err != nil {
			return 0, fmt.Errorf("%w: zone %q: %w", ErrAddressFamily, zone, err)
		}
		idx = uint32(ifi.Index)
	}
	s.zone, s.zoneIndex = zone, idx
	return idx, nil
}

// sendMsgs hands msgs to the kernel, one sendmsg when there is one message
// and sendmmsg otherwise, repeating after partial sendmmsg results. It
// returns the number of messages sent.
func (s *sysConn) sendMsgs(msgs []unix.Mmsghdr) (int, error) {
	done := 0
	for done < len(msgs) {
		s.pending = msgs[done:]
		s.nsent, s.errno = 0, 0
		err := s.rc.Write(s.writeFn)
		name := "sendmmsg"
		if len(s.pending) == 1 {
			name = "sendmsg"
		}
		s.pending = nil
		if err != nil {
			return done, err
		}
		done += s.nsent
		switch {
		case s.errno != 0:
			return done, os.NewSyscallError(name, s.errno)
		case s.nsent == 0: // nothing sent and no error: do not spin
			return done, fmt.Errorf("%s: %w", name, io.ErrShortWrite)
		}
	}
	return done, nil
}

// write is the RawConn.Write callback: one system call on s.pending. It
// returns false on EAGAIN so the netpoller waits for the socket to drain.
//
// With ReportUnreachable on, an errno that an ICMP error left pending on
// the socket (it concerns an earlier datagram, maybe to another
// destination; this call sent nothing) makes it drain the error queue and
// retry, a bounded number of times.
func (s *sysConn) write(fd uintptr) bool {
	retries := 0
	for {
		var n int
		var e unix.Errno
		if len(s.pending) == 1 {
			if e = s.sendmsg(fd, &s.pending[0].Hdr); e == 0 {
				n = 1
			}
		} else {
			n, e = s.sendmmsg(fd, s.pending)
		}
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		if e != 0 && retries < maxAsyncRetries && asyncErrno(e) && s.errq.on() {
			retries++
			s.errq.drain(fd)
			continue
		}
		s.nsent, s.errno = n, e
		return true
	}
}

func rawSendmsg(fd uintptr, msg *unix.Msghdr) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(msg)), 0)
	return e
}

func rawSendmmsg(fd uintptr, msgs []unix.Mmsghdr) (int, unix.Errno) {
	n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&msgs[0])), uintptr(len(msgs)), 0, 0, 0)
	return int(n), e
}

// maxPacketsPerCall bounds the datagrams packed into one system call (and the
// scratch): sendmmsg takes at most UIO_MAXIOV (1024) messages.
const maxPacketsPerCall = 1024

// grow makes the scratch hold n datagrams, each with its own message and
// control message in the worst case.
func (s *sysConn) grow(n int) {
	if len(s.msgs) < n {
		s.msgs = make([]unix.Mmsghdr, n)
	}
	if len(s.iovs) < 2*n {
		s.iovs = make([]unix.Iovec, 2*n)
	}
	if len(s.oob) < n*cmsgSpace {
		s.oobW = make([]uint64, (n*cmsgSpace+7)/8)
		s.oob = unsafe.Slice((*byte)(unsafe.Pointer(&s.oobW[0])), n*cmsgSpace)
	}
}

// setIov points v at b.
func setIov(v *unix.Iovec, b []byte) {
	v.Base = nil
	if len(b) > 0 {
		v.Base = &b[0]
	}
	v.SetLen(len(b))
}

// setMsg fills m with the destination and the iovecs of k datagrams.
func (s *sysConn) setMsg(m *unix.Mmsghdr, iovs []unix.Iovec) {
	m.Hdr = unix.Msghdr{Name: s.name, Namelen: s.namelen, Iov: &iovs[0]}
	m.Hdr.SetIovlen(len(iovs))
	m.Len = 0
}

// sentPackets converts sent messages to datagrams: each datagram has two iovecs.
func sentPackets(msgs []unix.Mmsghdr) int {
	n := 0
	for i := range msgs {
		n += int(msgs[i].Hdr.Iovlen) / 2
	}
	return n
}

// sendMMsg sends one sendmmsg message per datagram, iovecs [hdr, payload].
func (c *Conn) sendMMsg(hdrs, payloads [][]byte) (int, error) {
	s := &c.sys
	sent := 0
	for sent < len(payloads) {
		w := min(len(payloads)-sent, maxPacketsPerCall)
		s.grow(w)
		for i := range w {
			iov := s.iovs[2*i : 2*i+2]
			setIov(&iov[0], hdrs[sent+i])
			setIov(&iov[1], payloads[sent+i])
			s.setMsg(&s.msgs[i], iov)
		}
		n, err := s.sendMsgs(s.msgs[:w])
		clear(s.iovs[:2*w]) // drop references to the caller's buffers
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// sendOneByOne is the single mode on a socket the Conn owns: one sendmsg per
// datagram, with the iovecs [hdr, payload] (no copy, no allocation).
func (c *Conn) sendOneByOne(hdrs, payloads [][]byte) (int, error) {
	s := &c.sys
	s.grow(1)
	for i := range payloads {
		iov := s.iovs[:2]
		setIov(&iov[0], hdrs[i])
		setIov(&iov[1], payloads[i])
		s.setMsg(&s.msgs[0], iov)
		n, err := s.sendMsgs(s.msgs[:1])
		clear(s.iovs[:2])
		if err != nil {
			return i + n, err
		}
	}
	return len(payloads), nil
}

// writeTo sends one datagram on a socket the Conn owns; it shares no
// scratch with SendPackets.
func (c *Conn) writeTo(b []byte, dst netip.AddrPort) error {
	sa, err := sockaddrOf(c.sys.family, dst)
	if err != nil {
		return err
	}
	var serr error
	if err := c.sys.own.Control(func(fd uintptr) { serr = unix.Sendto(int(fd), b, 0, sa) }); err != nil {
		return err
	}
	if serr != nil {
		return os.NewSyscallError("sendto", serr)
	}
	return nil
}
