package udpbatch

import (
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SendBatch sends every destination's datagrams with as few system calls as
// possible: in GSO mode one sendmmsg carries one GSO message per
// destination (a whole RTP frame for one client each), up to 1024 datagrams
// per call, so a scheduler tick that serves many clients costs a handful of
// system calls instead of one per client. In the other modes, and for what
// remains after a failed call (which may switch the mode, see SendPackets),
// it is SendPackets per destination. It returns the first error after trying
// every destination, and allocates nothing once its scratch has grown.
func (c *Conn) SendBatch(batch []Datagrams) error {
	if mode(c.mode.Load()) != modeGSO {
		return c.sendEach(batch)
	}
	s := &c.sys
	var first error
	for start := 0; start < len(batch); {
		// Fill one sendmmsg with whole destinations.
		total, end := 0, start
		for end < len(batch) {
			n := len(batch[end].Payloads)
			if len(batch[end].Hdrs) != n {
				break
			}
			if total > 0 && total+n > maxPacketsPerCall {
				break
			}
			total += n
			end++
		}
		if end == start {
			// A destination too large or malformed for one call.
			if err := c.sendEach(batch[start : start+1]); err != nil && first == nil {
				first = err
			}
			start++
			continue
		}
		s.grow(total)
		s.growNames(end - start)
		nm, pi := 0, 0
		var addrErr error
		for d := start; d < end; d++ {
			b := &batch[d]
			name, namelen, err := s.addrInto(b.Dst, &s.names4[d-start], &s.names6[d-start])
			if err != nil {
				addrErr = err
				break
			}
			for i := 0; i < len(b.Payloads); {
				k, seg := gsoChunk(b.Hdrs[i:], b.Payloads[i:], udpMaxSegments, maxGSOBytes)
				iov := s.iovs[2*pi : 2*(pi+k)]
				for j := range k {
					setIov(&iov[2*j], b.Hdrs[i+j])
					setIov(&iov[2*j+1], b.Payloads[i+j])
				}
				m := &s.msgs[nm]
				m.Hdr = unix.Msghdr{Name: name, Namelen: namelen, Iov: &iov[0]}
				m.Hdr.SetIovlen(len(iov))
				m.Len = 0
				if k > 1 {
					oob := s.oob[nm*cmsgSpace : (nm+1)*cmsgSpace]
					putSegmentCmsg(oob, seg)
					m.Hdr.Control = &oob[0]
					m.Hdr.SetControllen(cmsgSpace)
				}
				s.msgOwner(nm, d)
				nm++
				pi += k
				i += k
			}
		}
		if addrErr != nil {
			// Send what was built one destination at a time instead.
			clear(s.iovs[:2*total])
			if err := c.sendEach(batch[start:end]); err != nil && first == nil {
				first = err
			}
			start = end
			continue
		}
		sent, err := s.sendMsgs(s.msgs[:nm])
		clear(s.iovs[:2*total]) // drop references to the caller's buffers
		if err != nil {
			// EIO/EINVAL turn GSO off here as in SendPackets. Destinations
			// whose messages all went are done; the rest go through
			// SendPackets in whatever mode is now current.
			if next, ok := c.fallback(modeGSO, err); ok {
				c.mode.Store(int32(next))
			}
			resume := end
			if sent < nm {
				resume = s.owner[sent]
			}
			for d := resume; d < end; d++ {
				b := batch[d]
				skip := 0
				if d == resume && sent < nm {
					for m := 0; m < sent; m++ {
						if s.owner[m] == d {
							skip += int(s.msgs[m].Hdr.Iovlen) / 2
						}
					}
				}
				if err := c.SendPackets(b.Dst, b.Hdrs[skip:], b.Payloads[skip:]); err != nil && first == nil {
					first = err
				}
			}
			if resume == end && first == nil {
				first = fmt.Errorf("udpbatch: batch: %w", err)
			}
		}
		start = end
	}
	return first
}

// growNames sizes the per-destination socket address scratch of a batch.
func (s *sysConn) growNames(n int) {
	if len(s.names4) < n {
		s.names4 = make([]unix.RawSockaddrInet4, n)
		s.names6 = make([]unix.RawSockaddrInet6, n)
	}
	if len(s.owner) < len(s.msgs) {
		s.owner = make([]int, len(s.msgs))
	}
}

// msgOwner records that message m carries datagrams of batch entry d.
func (s *sysConn) msgOwner(m, d int) { s.owner[m] = d }

// addrInto writes dst as a raw socket address of the socket's family into
// sa4 or sa6 and returns it as a msghdr name.
func (s *sysConn) addrInto(dst netip.AddrPort, sa4 *unix.RawSockaddrInet4, sa6 *unix.RawSockaddrInet6) (*byte, uint32, error) {
	a := dst.Addr()
	if !a.IsValid() {
		return nil, 0, fmt.Errorf("%w: invalid address", ErrAddressFamily)
	}
	if s.family == unix.AF_INET {
		a = a.Unmap()
		if !a.Is4() {
			return nil, 0, fmt.Errorf("%w: %v on an IPv4 socket", ErrAddressFamily, dst)
		}
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.As4()}
		putPort(&sa4.Port, dst.Port())
		return (*byte)(unsafe.Pointer(sa4)), unix.SizeofSockaddrInet4, nil
	}
	scope, err := s.scopeID(a.Zone())
	if err != nil {
		return nil, 0, err
	}
	*sa6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16(), Scope_id: scope}
	putPort(&sa6.Port, dst.Port())
	return (*byte)(unsafe.Pointer(sa6)), unix.SizeofSockaddrInet6, nil
}
