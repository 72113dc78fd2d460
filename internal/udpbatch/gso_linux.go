package udpbatch

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// udpMaxSegments is the kernel's UDP_MAX_SEGMENTS (64 before Linux 6.9,
	// 128 since): the most datagrams one GSO send may produce.
	udpMaxSegments = 64
	// maxGSOBytes is the most UDP payload one GSO send may carry: an IPv4
	// datagram's 65535 bytes minus the IPv4 (20) and UDP (8) headers. IPv6
	// would allow 65527; one limit keeps v4-mapped sends on IPv6 sockets safe.
	maxGSOBytes = 65507
)

// cmsgSpace is the room of one UDP_SEGMENT control message (a uint16).
var cmsgSpace = unix.CmsgSpace(2)

// gsoChunk returns how many leading datagrams of hdrs/payloads one GSO send
// can carry, and its segment size (the first datagram's length): datagrams
// must all have the segment size except the last, which may be shorter; at
// most maxSegs datagrams and maxBytes bytes. It returns at least 1 when the
// input is not empty; a datagram too large for GSO goes alone, without the
// control message, and the kernel judges it.
func gsoChunk(hdrs, payloads [][]byte, maxSegs, maxBytes int) (n, seg int) {
	seg = len(hdrs[0]) + len(payloads[0])
	if seg == 0 || seg > maxBytes {
		return 1, seg
	}
	total := 0
	for n < len(payloads) && n < maxSegs {
		l := len(hdrs[n]) + len(payloads[n])
		if l > seg || total+l > maxBytes {
			break
		}
		total += l
		n++
		if l < seg {
			break // a short datagram ends a GSO send
		}
	}
	return n, seg
}

// putSegmentCmsg writes a SOL_UDP/UDP_SEGMENT control message with segment
// size seg into b (cmsgSpace bytes, 8-byte aligned).
func putSegmentCmsg(b []byte, seg int) {
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = unix.SOL_UDP
	h.Type = unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	*(*uint16)(unsafe.Pointer(&b[unix.CmsgLen(0)])) = uint16(seg)
}

// sendGSO packs the datagrams into GSO messages (see gsoChunk), each with
// its UDP_SEGMENT control message and iovecs hdr0,pl0,hdr1,pl1,..., and sends
// them: one sendmsg for a typical frame, one sendmmsg when the batch needs
// several messages. It returns the number of datagrams sent.
func (c *Conn) sendGSO(hdrs, payloads [][]byte) (int, error) {
	s := &c.sys
	sent := 0
	for sent < len(payloads) {
		w := min(len(payloads)-sent, maxPacketsPerCall)
		s.grow(w)
		nm := 0
		for i := 0; i < w; {
			k, seg := gsoChunk(hdrs[sent+i:sent+w], payloads[sent+i:sent+w], udpMaxSegments, maxGSOBytes)
			iov := s.iovs[2*i : 2*(i+k)]
			for j := range k {
				setIov(&iov[2*j], hdrs[sent+i+j])
				setIov(&iov[2*j+1], payloads[sent+i+j])
			}
			m := &s.msgs[nm]
			s.setMsg(m, iov)
			if k > 1 {
				oob := s.oob[nm*cmsgSpace : (nm+1)*cmsgSpace]
				putSegmentCmsg(oob, seg)
				m.Hdr.Control = &oob[0]
				m.Hdr.SetControllen(cmsgSpace)
			}
			nm++
			i += k
		}
		n, err := s.sendMsgs(s.msgs[:nm])
		clear(s.iovs[:2*w]) // drop references to the caller's buffers
		sent += sentPackets(s.msgs[:n])
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
