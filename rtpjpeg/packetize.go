package rtpjpeg

import (
	"fmt"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// Packetized holds the RTP payloads of one frame.
type Packetized struct {
	// Payloads are the RTP payloads (RFC 2435 headers + data) in order;
	// all but the last have exactly the same length, so a sender can pass
	// them to one UDP GSO send. The marker bit goes on the last one.
	Payloads [][]byte
	// Buf is the single buffer all Payloads point into.
	Buf []byte

	info   jpeghdr.Info
	tables [128]byte
	frame  Frame
}

// Packetize splits a JPEG into RFC 2435 payloads for RTP packets of at most
// mtu bytes (12-byte RTP header included; 0 means DefaultMTU), exactly as
// GStreamer's rtpjpegpay does: Q=255 with 128 bytes of tables in-band (a
// single table is sent twice) in the quantization table header of the
// packet at offset 0 only; type 0 or 1 from the chroma subsampling, plus 64
// with a restart marker header (interval from DRI, F=1 L=1, count 0x3FFF) in
// every packet when the JPEG has a DRI; width and height in units of 8
// rounded up; the scan including its trailing EOI; every payload mtu-12
// bytes long except the last.
//
// The error wraps jpeghdr.ErrNotCarriable (with the reason) for JPEGs RFC
// 2435 cannot carry unchanged, or another jpeghdr error for broken ones.
// Packetize allocates once for the payload buffer (plus small bookkeeping);
// PacketizeTo reuses a Packetized.
func Packetize(jpeg []byte, mtu int) (*Packetized, error) {
	p := new(Packetized)
	if err := PacketizeTo(p, jpeg, mtu); err != nil {
		return nil, err
	}
	return p, nil
}

// PacketizeTo is Packetize into p, reusing its buffers: in steady state it
// does not allocate. The previous contents of p are overwritten.
func PacketizeTo(p *Packetized, jpeg []byte, mtu int) error {
	if err := frameFromJPEG(&p.frame, &p.info, jpeg, &p.tables); err != nil {
		return err
	}
	return p.frame.PacketizeTo(p, mtu)
}

// PacketizeTo splits f into payloads for RTP packets of at most mtu bytes (0
// means DefaultMTU) into p, reusing its buffers. Types 64..127 get a restart
// marker header with F=1 L=1 count 0x3FFF in every packet; Q >= 128 gets
// the quantization table header with f.Tables in the first packet.
func (f *Frame) PacketizeTo(p *Packetized, mtu int) error {
	if mtu == 0 {
		mtu = DefaultMTU
	}
	if err := f.check(); err != nil {
		return err
	}
	switch {
	case f.Q == 0 || (f.Q >= 100 && f.Q < qInBand):
		return fmt.Errorf("%w %d", ErrUnsupportedQ, f.Q)
	case f.Q >= qInBand && len(f.Tables) > 0xFFFF:
		return fmt.Errorf("%w: %d bytes of tables", ErrBadFrame, len(f.Tables))
	case len(f.Scan) == 0:
		return fmt.Errorf("%w: empty scan", ErrBadFrame)
	case len(f.Scan) > maxFragmentOffset+1:
		return fmt.Errorf("%w: scan of %d bytes exceeds the 24-bit fragment offset", ErrFrameTooLarge, len(f.Scan))
	}
	hdr := mainHeaderSize
	if f.Type >= typeRestart {
		hdr += restartHeaderSize
	}
	first := hdr // headers of the packet at offset 0
	if f.Q >= qInBand {
		first += quantHeaderSize + len(f.Tables)
	}
	maxPayload := mtu - rtpHeaderSize
	if maxPayload <= first {
		return fmt.Errorf("%w: %d bytes, the first packet needs %d plus data", ErrMTUTooSmall, mtu, rtpHeaderSize+first)
	}
	n := 1
	if rest := len(f.Scan) - (maxPayload - first); rest > 0 {
		n += (rest + maxPayload - hdr - 1) / (maxPayload - hdr)
	}
	total := n*hdr + (first - hdr) + len(f.Scan)
	if cap(p.Buf) < total {
		p.Buf = make([]byte, total)
	}
	p.Buf = p.Buf[:total]
	if cap(p.Payloads) < n {
		p.Payloads = make([][]byte, 0, n)
	}
	p.Payloads = p.Payloads[:0]

	h := mainHeader{typ: f.Type, q: f.Q, width8: uint8((f.Width + 7) / 8), height8: uint8((f.Height + 7) / 8)}
	buf, scan := p.Buf, f.Scan
	for len(scan) > 0 {
		headers := hdr
		if h.offset == 0 {
			headers = first
		}
		size := min(maxPayload, headers+len(scan))
		pl := buf[:size:size]
		buf = buf[size:]
		h.put(pl)
		w := mainHeaderSize
		if f.Type >= typeRestart {
			pl[w], pl[w+1], pl[w+2], pl[w+3] = byte(f.RestartInterval>>8), byte(f.RestartInterval), restartAll>>8, restartAll&0xFF
			w += restartHeaderSize
		}
		if h.offset == 0 && f.Q >= qInBand {
			pl[w], pl[w+1], pl[w+2], pl[w+3] = 0, f.Precision, byte(len(f.Tables)>>8), byte(len(f.Tables))
			w += quantHeaderSize
			w += copy(pl[w:], f.Tables)
		}
		d := copy(pl[w:], scan)
		scan = scan[d:]
		h.offset += d
		p.Payloads = append(p.Payloads, pl)
	}
	return nil
}
