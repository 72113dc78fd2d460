//go:build !linux

package udpbatch

import (
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

// LocalAddr is the address the socket is bound to.
func (c *Conn) LocalAddr() *net.UDPAddr { return c.uc.LocalAddr().(*net.UDPAddr) }

// ReadFrom reads one datagram; net.ErrClosed once Close was called.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) { return c.uc.ReadFromUDPAddrPort(b) }

// Close closes the socket.
func (c *Conn) Close() error { return c.uc.Close() }

// writeTo is never reached off Linux: every Conn has a *net.UDPConn.
func (c *Conn) writeTo(b []byte, dst netip.AddrPort) error {
	_, err := c.uc.WriteToUDPAddrPort(b, dst)
	return err
}
