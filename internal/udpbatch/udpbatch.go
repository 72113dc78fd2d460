package udpbatch

import (
	"net"
	"net/netip"
	"sync/atomic"
)

// Options selects which kernel mechanisms a Conn may use. The zero value
// enables everything the platform supports.
type Options struct {
	// DisableGSO turns off UDP generic segmentation offload (UDP_SEGMENT)
	// even when the kernel supports it.
	DisableGSO bool
	// DisableMMsg turns off sendmmsg(2): without GSO, and after GSO fails at
	// run time, each datagram then takes one system call.
	DisableMMsg bool
}

// Mode names returned by Conn.Mode.
const (
	ModeGSO      = "gso"      // one sendmsg with UDP_SEGMENT per batch
	ModeSendmmsg = "sendmmsg" // one sendmmsg per batch, one message per datagram
	ModeSingle   = "single"   // one write per datagram
)

// mode is the current send mechanism of a Conn, stored atomically so that
// Mode can be read from other goroutines.
type mode int32

const (
	modeSingle mode = iota
	modeMMsg
	modeGSO
)

func (m mode) String() string {
	switch m {
	case modeGSO:
		return ModeGSO
	case modeMMsg:
		return ModeSendmmsg
	default:
		return ModeSingle
	}
}

// Conn sends batches of datagrams on one UDP socket. Create it with New,
// which wraps a *net.UDPConn the caller keeps owning, or with Listen, which
// opens a socket the Conn owns (Close releases it).
type Conn struct {
	uc   *net.UDPConn
	opt  Options
	mode atomic.Int32 // a mode

	// gsoErr holds the error that disabled GSO at run time, if any.
	gsoErr atomic.Pointer[gsoFailure]

	// buf is the scratch datagram of the single mode.
	buf []byte

	sys sysConn // platform state and scratch
}

type gsoFailure struct{ err error }

// Mode reports how SendPackets sends right now: "gso", "sendmmsg" or
// "single". It only ever moves to a slower mode at run time: from "gso" when
// the kernel rejects a segmented send (EIO, EINVAL), from "sendmmsg" when the
// kernel lacks it (ENOSYS).
func (c *Conn) Mode() string { return mode(c.mode.Load()).String() }

// GSOError returns the error (EIO or EINVAL, wrapped) that made SendPackets
// disable GSO on this Conn at run time, or nil if that never happened. The
// server logs it once.
func (c *Conn) GSOError() error {
	if f := c.gsoErr.Load(); f != nil {
		return f.err
	}
	return nil
}

// WriteTo sends b as one datagram to dst, for RTCP and other single packets.
// It touches no scratch, so it may run concurrently with SendPackets.
func (c *Conn) WriteTo(b []byte, dst netip.AddrPort) error {
	if c.uc == nil {
		return c.writeTo(b, dst)
	}
	_, err := c.uc.WriteToUDPAddrPort(b, dst)
	return err
}

// sendSingle writes one datagram per system call, copying header and payload
// into c.buf. It returns the number of datagrams sent.
func (c *Conn) sendSingle(dst netip.AddrPort, hdrs, payloads [][]byte) (int, error) {
	for i, p := range payloads {
		h := hdrs[i]
		n := len(h) + len(p)
		if cap(c.buf) < n {
			c.buf = make([]byte, max(n, 2048))
		}
		b := c.buf[:n]
		copy(b[copy(b, h):], p)
		if _, _, err := c.uc.WriteMsgUDPAddrPort(b, nil, dst); err != nil {
			return i, err
		}
	}
	return len(payloads), nil
}
