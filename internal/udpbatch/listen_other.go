//go:build !linux

package udpbatch

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Listen opens a UDP socket bound to laddr and returns a Conn that owns it.
// Off Linux it is a plain *net.UDPConn; Close releases it.
func Listen(network string, laddr *net.UDPAddr, opt Options) (*Conn, error) {
	uc, err := net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	c, err := New(uc, opt)
	if err != nil {
		uc.Close()
		return nil, err
	}
	return c, nil
}

// SetWriteBuffer sets the socket's send buffer.
func (c *Conn) SetWriteBuffer(n int) error { return c.uc.SetWriteBuffer(n) }

// SetReadBuffer asks for an n-byte receive buffer; off Linux the granted
// size is not read back (0).
func (c *Conn) SetReadBuffer(n int) (int, error) { return 0, c.uc.SetReadBuffer(n) }

// LocalAddr is the address the socket is bound to.
func (c *Conn) LocalAddr() *net.UDPAddr { return c.uc.LocalAddr().(*net.UDPAddr) }

// ReadFromNow is unsupported off Linux (see PollFD): the caller reads
// with ReadFrom on a goroutine of its own.
func (c *Conn) ReadFromNow(b []byte) (n int, from netip.AddrPort, ok bool, err error) {
	return 0, netip.AddrPort{}, false, fmt.Errorf("udpbatch: read now: %w", errors.ErrUnsupported)
}

// PollFD has no descriptor to give off Linux: ok is always false.
func (c *Conn) PollFD() (fd int, ok bool) { return -1, false }

// ReadFrom reads one datagram; net.ErrClosed once Close was called.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) { return c.uc.ReadFromUDPAddrPort(b) }

// Close closes the socket.
func (c *Conn) Close() error { return c.uc.Close() }

// writeTo is never reached off Linux: every Conn has a *net.UDPConn.
func (c *Conn) writeTo(b []byte, dst netip.AddrPort) error {
	_, err := c.uc.WriteToUDPAddrPort(b, dst)
	return err
}
