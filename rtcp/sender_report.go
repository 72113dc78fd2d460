package rtcp

import (
	"encoding/binary"
	"fmt"
)

// Sender report, RFC 3550 §6.4.1:
//
//	        0                   1                   2                   3
//	        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	header |V=2|P|    RC   |   PT=SR=200   |             length            |
//	       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	       |                         SSRC of sender                        |
//	       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	sender |              NTP timestamp, most significant word             |
//	info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	       |             NTP timestamp, least significant word             |
//	       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	       |                         RTP timestamp                         |
//	       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	       |                     sender's packet count                     |
//	       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	       |                      sender's octet count                     |
//	       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	       |                 report blocks (24 bytes each)                 |
//	       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	       |                  profile-specific extensions                  |
const srFixedSize = 24 // SSRC + sender info, after the common header

// SenderReport is an SR packet (RFC 3550 §6.4.1): sent by an active sender to
// map its RTP timestamps to wall-clock time (lip sync, RTT) and report its
// packet and octet counts, plus reception reports if it also receives.
type SenderReport struct {
	// SSRC is the sender's synchronization source.
	SSRC uint32
	// NTPTime is the wall-clock time of this report as a 64-bit NTP
	// timestamp (see NTPTime).
	NTPTime uint64
	// RTPTime is the RTP timestamp corresponding to NTPTime, in the media
	// clock (90 kHz for video).
	RTPTime uint32
	// PacketCount is the number of RTP data packets sent since starting.
	PacketCount uint32
	// OctetCount is the number of RTP payload octets (headers and padding
	// excluded) sent since starting.
	OctetCount uint32
	// Reports holds up to 31 reception report blocks.
	Reports []ReceptionReport
	// ProfileExtensions holds any bytes after the report blocks (RFC 3550
	// §6.4.1, profile-specific extensions), a whole number of 32-bit words.
	ProfileExtensions []byte
}

// MarshalSize returns the size of the packet in bytes, header included.
func (p *SenderReport) MarshalSize() int {
	return headerSize + srFixedSize + reportsSize(len(p.Reports)) + len(p.ProfileExtensions)
}

// MarshalTo writes the packet into b and returns the number of bytes written.
func (p *SenderReport) MarshalTo(b []byte) (int, error) {
	size := p.MarshalSize()
	if err := checkMarshal("sender report", len(p.Reports), size, len(b)); err != nil {
		return 0, err
	}
	if len(p.ProfileExtensions)%wordSize != 0 {
		return 0, fmt.Errorf("%w: profile extensions of %d bytes are not whole words", ErrBadLength, len(p.ProfileExtensions))
	}
	putHeader(b, uint8(len(p.Reports)), TypeSenderReport, size)
	binary.BigEndian.PutUint32(b[4:], p.SSRC)
	binary.BigEndian.PutUint64(b[8:], p.NTPTime)
	binary.BigEndian.PutUint32(b[16:], p.RTPTime)
	binary.BigEndian.PutUint32(b[20:], p.PacketCount)
	binary.BigEndian.PutUint32(b[24:], p.OctetCount)
	n := headerSize + srFixedSize
	for i := range p.Reports {
		p.Reports[i].marshalTo(b[n:])
		n += receptionReportSize
	}
	n += copy(b[n:], p.ProfileExtensions)
	return n, nil
}

// Unmarshal decodes one SR packet occupying all of b.
func (p *SenderReport) Unmarshal(b []byte) error {
	return unmarshalOne(b, TypeSenderReport, p.unmarshalBody)
}

func (p *SenderReport) unmarshalBody(count uint8, body []byte) error {
	need := srFixedSize + reportsSize(int(count))
	if len(body) < need {
		return fmt.Errorf("%w: sender report with %d blocks needs %d body bytes, have %d", ErrBadLength, count, need, len(body))
	}
	p.SSRC = binary.BigEndian.Uint32(body[0:])
	p.NTPTime = binary.BigEndian.Uint64(body[4:])
	p.RTPTime = binary.BigEndian.Uint32(body[12:])
	p.PacketCount = binary.BigEndian.Uint32(body[16:])
	p.OctetCount = binary.BigEndian.Uint32(body[20:])
	p.Reports = unmarshalReports(body[srFixedSize:], count)
	p.ProfileExtensions = cloneOrNil(body[need:])
	return nil
}

func unmarshalReports(b []byte, count uint8) []ReceptionReport {
	if count == 0 {
		return nil
	}
	rs := make([]ReceptionReport, count)
	for i := range rs {
		rs[i].unmarshal(b[i*receptionReportSize:])
	}
	return rs
}

func cloneOrNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
