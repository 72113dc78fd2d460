//go:build !linux

package udpbatch

import (
	"fmt"
	"net"
	"net/netip"
)

// sysConn holds no state off Linux: only the single mode exists.
type sysConn struct{}

// New wraps an unconnected UDP socket (from net.ListenUDP) for batched sends.
// Off Linux there is no GSO or sendmmsg, so opt is ignored and Mode is
// "single".
func New(uc *net.UDPConn, opt Options) (*Conn, error) {
	if uc == nil || uc.RemoteAddr() != nil {
		return nil, ErrConnected
	}
	c := &Conn{uc: uc, opt: opt}
	c.mode.Store(int32(modeSingle))
	return c, nil
}

// SendPackets sends len(payloads) datagrams to dst; datagram i is hdrs[i]
// (the 12-byte RTP header, RFC 3550 §5.1) followed by payloads[i]. Off Linux
// each datagram is one write. It allocates nothing once its scratch buffer
// has grown to the largest datagram.
func (c *Conn) SendPackets(dst netip.AddrPort, hdrs [][]byte, payloads [][]byte) error {
	if len(hdrs) != len(payloads) {
		return fmt.Errorf("%w: %d headers, %d payloads", ErrLengthMismatch, len(hdrs), len(payloads))
	}
	n, err := c.sendSingle(dst, hdrs, payloads)
	if err != nil {
		return fmt.Errorf("udpbatch: %s to %v: %d of %d datagrams sent: %w", modeSingle, dst, n, len(payloads), err)
	}
	return nil
}
