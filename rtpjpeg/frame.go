package rtpjpeg

import (
	"bytes"
	"fmt"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// Frame is one JPEG image as RFC 2435 carries it: the parameters of the
// payload headers (§3.1) and the entropy-coded scan.
type Frame struct {
	// Type is the RFC 2435 type (§3.1.3): 0 (4:2:2), 1 (4:2:0), or those
	// plus 64 when restart markers are present (§3.1.7).
	Type uint8
	// Q selects the quantization tables (§3.1.4): 1..99 computed with
	// QuantTables, 128..255 carried in Tables.
	Q uint8
	// Width and Height are in pixels, multiples of 8 as carried (the
	// header holds them divided by 8, at most 2040).
	Width, Height int
	// RestartInterval is the DRI interval in MCUs for types 64..127.
	RestartInterval uint16
	// Precision is the quantization table header's precision field
	// (§3.1.8): bit i set means table i has 16-bit values. 0 for 8-bit
	// tables, the only kind Packetize produces.
	Precision uint8
	// Tables holds the quantization tables for Q >= 128 in zigzag order,
	// concatenated: 64 bytes (one table, used for luma and chroma), 128
	// (luma then chroma, what Packetize sends), or more.
	Tables []byte
	// Scan is the entropy-coded data; Packetize includes the trailing EOI
	// marker FF D9 as GStreamer does.
	Scan []byte
}

// NewFrame describes a JPEG as RFC 2435 would carry it: Q=255 with its two
// quantization tables in-band (a single table duplicated), size rounded up
// to multiples of 8, and Scan aliasing the JPEG from the first entropy-coded
// byte through the EOI marker. The error wraps jpeghdr.ErrNotCarriable when
// RFC 2435 cannot carry the image unchanged.
func NewFrame(jpeg []byte) (*Frame, error) {
	var info jpeghdr.Info
	f := &Frame{Tables: make([]byte, 128)}
	if err := frameFromJPEG(f, &info, jpeg, (*[128]byte)(f.Tables)); err != nil {
		return nil, err
	}
	return f, nil
}

// frameFromJPEG fills f from jpeg, parsing into info and writing the tables
// into tables (f.Tables aliases it).
func frameFromJPEG(f *Frame, info *jpeghdr.Info, jpeg []byte, tables *[128]byte) error {
	if err := jpeghdr.ParseInto(info, jpeg); err != nil {
		return fmt.Errorf("rtpjpeg: %w", err)
	}
	typ, err := info.RFC2435()
	if err != nil {
		return fmt.Errorf("rtpjpeg: %w", err)
	}
	// RFC2435 guarantees three components with defined 8-bit tables.
	luma, chroma := info.Quant[info.Components[0].Tq], info.Quant[info.Components[1].Tq]
	for i := range 64 {
		tables[i] = byte(luma.Values[i])
		tables[64+i] = byte(chroma.Values[i])
	}
	*f = Frame{
		Type:            typ,
		Q:               255,
		Width:           (info.Width + 7) &^ 7,
		Height:          (info.Height + 7) &^ 7,
		RestartInterval: uint16(info.RestartInterval),
		Tables:          tables[:],
		Scan:            jpeg[info.ScanStart:info.Length],
	}
	return nil
}

// qtable is one quantization table in zigzag order.
type qtable struct {
	wide   bool // 16-bit values
	values [64]uint16
}

// tables returns the luma and chroma tables f stands for: computed for
// Q 1..99 (§4.2); for Q >= 128 parsed from Tables per Precision, a single
// table serving both, and with three or more tables the first two used
// (components 1 and 2 share table 1, as RFC 2435 Appendix B rebuilds them).
func (f *Frame) tables() (luma, chroma qtable, err error) {
	switch {
	case f.Q >= 1 && f.Q <= 99:
		l, c := QuantTables(int(f.Q))
		for i := range 64 {
			luma.values[i], chroma.values[i] = uint16(l[i]), uint16(c[i])
		}
		return luma, chroma, nil
	case f.Q < qInBand:
		return luma, chroma, fmt.Errorf("%w %d", ErrUnsupportedQ, f.Q)
	case len(f.Tables) == 0:
		return luma, chroma, fmt.Errorf("%w %d", ErrNoTables, f.Q)
	}
	var t [2]qtable
	n, b := 0, f.Tables
	for k := 0; len(b) > 0; k++ {
		if k == 4 {
			return luma, chroma, fmt.Errorf("%w: %d bytes of quantization tables with precision 0x%02x", ErrMalformedPacket, len(f.Tables), f.Precision)
		}
		wide := f.Precision>>k&1 == 1
		size := 64
		if wide {
			size = 128
		}
		if len(b) < size {
			return luma, chroma, fmt.Errorf("%w: %d bytes of quantization tables with precision 0x%02x", ErrMalformedPacket, len(f.Tables), f.Precision)
		}
		if k < 2 {
			t[k].wide = wide
			for i := range 64 {
				if wide {
					t[k].values[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
				} else {
					t[k].values[i] = uint16(b[i])
				}
			}
			n++
		}
		b = b[size:]
	}
	if n == 1 {
		t[1] = t[0]
	}
	return t[0], t[1], nil
}

// check validates the fields shared by AppendJPEG and packetizing.
func (f *Frame) check() error {
	switch {
	case f.Type&^typeRestart > 1 || f.Type >= 128:
		return fmt.Errorf("%w %d", ErrUnsupportedType, f.Type)
	case f.Width < 1 || f.Width > jpeghdr.MaxRFC2435Dimension || f.Height < 1 || f.Height > jpeghdr.MaxRFC2435Dimension:
		return fmt.Errorf("%w: size %dx%d not in 1..%d", ErrBadFrame, f.Width, f.Height, jpeghdr.MaxRFC2435Dimension)
	}
	return nil
}

// jpegHeaderMax bounds the header bytes AppendJPEG writes before the scan.
const jpegHeaderMax = 2 + 4 + 2*129 + 19 + jpeghdr.StdDHTLen + 6 + 14

// AppendJPEG appends the complete JPEG image f stands for and returns the
// extended slice: the headers RFC 2435 Appendix B rebuilds (SOI, DQT with
// the luma and chroma tables, SOF0 with components 0 (2x1 for type 0, 2x2
// for type 1) and 1, 2 (1x1, sharing table 1), DHT with the Annex K.3
// tables, DRI for types 64..127, SOS), the scan, and EOI unless the scan
// already ends with it. With 16-bit tables the frame header is SOF1
// (extended sequential), since baseline allows only 8-bit tables.
func (f *Frame) AppendJPEG(dst []byte) ([]byte, error) {
	if err := f.check(); err != nil {
		return dst, err
	}
	luma, chroma, err := f.tables()
	if err != nil {
		return dst, err
	}
	dst = append(dst, 0xFF, jpeghdr.MarkerSOI)
	// DQT with tables 0 and 1.
	size := 2 + 2*65
	if luma.wide {
		size += 64
	}
	if chroma.wide {
		size += 64
	}
	dst = append(dst, 0xFF, jpeghdr.MarkerDQT, byte(size>>8), byte(size))
	for id, t := range [2]*qtable{&luma, &chroma} {
		if t.wide {
			dst = append(dst, 0x10|byte(id))
			for _, v := range t.values {
				dst = append(dst, byte(v>>8), byte(v))
			}
		} else {
			dst = append(dst, byte(id))
			for _, v := range t.values {
				dst = append(dst, byte(v))
			}
		}
	}
	sof := byte(jpeghdr.MarkerSOF0)
	if luma.wide || chroma.wide {
		sof = jpeghdr.MarkerSOF1
	}
	lumaSampling := byte(0x21)
	if f.Type&1 == 1 {
		lumaSampling = 0x22
	}
	dst = append(dst, 0xFF, sof, 0, 17, 8,
		byte(f.Height>>8), byte(f.Height), byte(f.Width>>8), byte(f.Width), 3,
		0, lumaSampling, 0,
		1, 0x11, 1,
		2, 0x11, 1)
	dst = jpeghdr.AppendStdDHT(dst)
	if f.Type >= typeRestart && f.RestartInterval > 0 {
		dst = append(dst, 0xFF, jpeghdr.MarkerDRI, 0, 4, byte(f.RestartInterval>>8), byte(f.RestartInterval))
	}
	dst = append(dst, 0xFF, jpeghdr.MarkerSOS, 0, 12, 3, 0, 0x00, 1, 0x11, 2, 0x11, 0, 63, 0)
	dst = append(dst, f.Scan...)
	if !bytes.HasSuffix(f.Scan, []byte{0xFF, jpeghdr.MarkerEOI}) {
		dst = append(dst, 0xFF, jpeghdr.MarkerEOI)
	}
	return dst, nil
}
