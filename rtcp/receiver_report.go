package rtcp

import (
	"encoding/binary"
	"fmt"
)

// Receiver report, RFC 3550 §6.4.2:
//
//	        0                   1                   2                   3
//	        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	header |V=2|P|    RC   |   PT=RR=201   |             length            |
//	       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	       |                     SSRC of packet sender                     |
//	       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	       |                 report blocks (24 bytes each)                 |
//	       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	       |                  profile-specific extensions                  |
const rrFixedSize = 4

// ReceiverReport is an RR packet (RFC 3550 §6.4.2): a participant that does
// not send reports what it receives. Clients send one every few seconds;
// the server treats it as a keepalive (interop.md) and reads loss and jitter
// from it.
type ReceiverReport struct {
	// SSRC is the reporter's own synchronization source.
	SSRC uint32
	// Reports holds up to 31 reception report blocks (none is valid: an
	// empty RR heads a compound packet when nothing was received).
	Reports []ReceptionReport
	// ProfileExtensions holds any bytes after the report blocks, a whole
	// number of 32-bit words.
	ProfileExtensions []byte
}

// MarshalSize returns the size of the packet in bytes, header included.
func (p *ReceiverReport) MarshalSize() int {
	return headerSize + rrFixedSize + reportsSize(len(p.Reports)) + len(p.ProfileExtensions)
}

// MarshalTo writes the packet into b and returns the number of bytes written.
func (p *ReceiverReport) MarshalTo(b []byte) (int, error) {
	size := p.MarshalSize()
	if err := checkMarshal("receiver report", len(p.Reports), size, len(b)); err != nil {
		return 0, err
	}
	if len(p.ProfileExtensions)%wordSize != 0 {
		return 0, fmt.Errorf("%w: profile extensions of %d bytes are not whole words", ErrBadLength, len(p.ProfileExtensions))
	}
	putHeader(b, uint8(len(p.Reports)), TypeReceiverReport, size)
	binary.BigEndian.PutUint32(b[4:], p.SSRC)
	n := headerSize + rrFixedSize
	for i := range p.Reports {
		p.Reports[i].marshalTo(b[n:])
		n += receptionReportSize
	}
	n += copy(b[n:], p.ProfileExtensions)
	return n, nil
}

// Unmarshal decodes one RR packet occupying all of b.
func (p *ReceiverReport) Unmarshal(b []byte) error {
	return unmarshalOne(b, TypeReceiverReport, p.unmarshalBody)
}

func (p *ReceiverReport) unmarshalBody(count uint8, body []byte) error {
	need := rrFixedSize + reportsSize(int(count))
	if len(body) < need {
		return fmt.Errorf("%w: receiver report with %d blocks needs %d body bytes, have %d", ErrBadLength, count, need, len(body))
	}
	p.SSRC = binary.BigEndian.Uint32(body)
	p.Reports = unmarshalReports(body[rrFixedSize:], count)
	p.ProfileExtensions = cloneOrNil(body[need:])
	return nil
}
