package jpegrecode

import (
	"fmt"
	"io"
	"slices"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// maxBlocksPerMCU is the limit of ISO 10918-1 B.2.3 on the sum of Hi*Vi
// over the components of an interleaved scan.
const maxBlocksPerMCU = 10

// component is one component of the frame header (B.2.2).
type component struct {
	id, h, v, tq byte
}

// scanComp is one component of the scan being re-coded.
type scanComp struct {
	dc, ac   *decTable // the image's tables
	edc, eac *encTable // the standard tables written instead
	blocks   int       // data units per MCU (Hi*Vi when interleaved)
}

// state is what Recode learns from the marker segments before the scan.
type state struct {
	dec      [2][4]decTable   // [class][id]: DC 0, AC 1
	enc      *[2][2]*encTable // tables to write, [class][id]
	dhtSeg   []byte           // DHT segment of enc; nil for AppendStdDHT
	comps    [4]component
	nComps   int
	width    int
	height   int
	restart  int // Ri of DRI, 0 when none
	quantDef [4]bool
	sawSOF   bool
}

// Recode appends to dst the JPEG image src with its entropy-coded data
// re-coded with the standard Huffman tables of ISO 10918-1 Annex K.3, and
// returns the extended slice. The quantized coefficients are untouched, so
// the result decodes to exactly the pixels of src, and it is what an RFC
// 2435 receiver rebuilds (RFC 2435 Appendix B) when src is otherwise
// carriable.
//
// src must be a sequential Huffman DCT image (SOF0, or SOF1 with 8-bit
// samples) with one scan holding all its components (interleaved, or the
// one component of a grayscale image). The output holds SOI, src's marker
// segments before the scan except DHT (DQT, SOF, DRI, APPn, COM) unchanged,
// one DHT segment with the four standard tables, the scan header with
// luminance tables (id 0) for the frame's first component and chrominance
// tables (id 1) for the others, the re-coded data with RSTn markers at the
// same MCU boundaries as src's, and EOI. Bytes after src's EOI are ignored.
//
// Errors wrap ErrNotJPEG, ErrUnsupported (or a more precise sentinel that
// wraps it), ErrCorrupt or ErrMissingTable; on error the returned slice is
// dst unchanged. Recode never panics, does work proportional to len(src),
// and allocates nothing when dst has room for the output (about len(src)
// plus 10%, plus 420 bytes of tables).
func Recode(dst, src []byte) ([]byte, error) {
	st := &state{enc: &stdEnc}
	out, err := st.recode(dst, src)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// errAt formats an error about the segment with marker m at offset off.
func errAt(off int, m byte, sentinel error, format string, args ...any) error {
	return fmt.Errorf("jpegrecode: marker 0x%02X at offset %d: %s: %w", m, off, fmt.Sprintf(format, args...), sentinel)
}

func (st *state) recode(dst, src []byte) ([]byte, error) {
	if len(src) < 2 || src[0] != 0xFF || src[1] != 0xD8 {
		return nil, ErrNotJPEG
	}
	dst = slices.Grow(dst, len(src)+len(src)/8+jpeghdr.StdDHTLen+64)
	dst = append(dst, 0xFF, 0xD8)
	scanned := false
	for i := 2; ; {
		// A marker: 0xFF, optional 0xFF fill bytes, the code.
		if i >= len(src) || src[i] != 0xFF {
			if i >= len(src) {
				return nil, fmt.Errorf("jpegrecode: no EOI after %d bytes: %w: %w", len(src), ErrCorrupt, io.ErrUnexpectedEOF)
			}
			return nil, fmt.Errorf("jpegrecode: byte 0x%02X at offset %d where a marker was expected: %w", src[i], i, ErrCorrupt)
		}
		for i+1 < len(src) && src[i+1] == 0xFF {
			i++
		}
		if i+1 >= len(src) {
			return nil, fmt.Errorf("jpegrecode: no EOI after %d bytes: %w: %w", len(src), ErrCorrupt, io.ErrUnexpectedEOF)
		}
		off, m := i, src[i+1]
		i += 2
		switch {
		case m == jpeghdr.MarkerEOI:
			if !scanned {
				return nil, errAt(off, m, ErrCorrupt, "image has no scan")
			}
			return append(dst, 0xFF, jpeghdr.MarkerEOI), nil
		case m == jpeghdr.MarkerSOI || m == 0x00:
			return nil, errAt(off, m, ErrCorrupt, "unexpected marker")
		case m == jpeghdr.MarkerTEM || (m >= jpeghdr.MarkerRST0 && m <= jpeghdr.MarkerRST7):
			continue // no length; nothing to keep
		}
		if i+2 > len(src) {
			return nil, errAt(off, m, fmt.Errorf("%w: %w", ErrCorrupt, io.ErrUnexpectedEOF), "truncated length")
		}
		n := int(src[i])<<8 | int(src[i+1])
		if n < 2 {
			return nil, errAt(off, m, ErrCorrupt, "length %d", n)
		}
		if i+n > len(src) {
			return nil, errAt(off, m, fmt.Errorf("%w: %w", ErrCorrupt, io.ErrUnexpectedEOF), "length %d with %d bytes left", n, len(src)-i)
		}
		seg, whole := src[i+2:i+n], src[off:i+n]
		i += n
		if scanned {
			// After the scan only EOI matters; tables and comments are
			// dropped, another scan or frame cannot be re-coded.
			switch {
			case m == jpeghdr.MarkerSOS:
				return nil, errAt(off, m, ErrMultiScan, "second scan")
			case isSOF(m):
				return nil, errAt(off, m, ErrCorrupt, "second frame header")
			}
			continue
		}
		var err error
		switch {
		case isSOF(m):
			err = st.sof(m, seg)
			dst = append(dst, whole...)
		case m == jpeghdr.MarkerDAC:
			return nil, errAt(off, m, ErrArithmetic, "conditioning table")
		case m == jpeghdr.MarkerDHT:
			err = st.dht(seg)
		case m == jpeghdr.MarkerDQT:
			err = st.dqt(seg)
			dst = append(dst, whole...)
		case m == jpeghdr.MarkerDRI:
			if len(seg) != 2 {
				err = fmt.Errorf("length %d, want 4: %w", n, ErrCorrupt)
				break
			}
			st.restart = int(seg[0])<<8 | int(seg[1])
			dst = append(dst, whole...)
		case m == jpeghdr.MarkerSOS:
			var end int
			dst, end, err = st.scan(dst, src, seg, i)
			if err != nil {
				return nil, fmt.Errorf("jpegrecode: scan at offset %d: %w", off, err)
			}
			i, scanned = end, true
		case m == jpeghdr.MarkerDNL:
			err = fmt.Errorf("DNL before the scan: %w", ErrCorrupt)
		default:
			// APPn, COM, JPGn and reserved markers: kept as they are.
			dst = append(dst, whole...)
		}
		if err != nil {
			return nil, fmt.Errorf("jpegrecode: marker 0x%02X at offset %d: %w", m, off, err)
		}
	}
}

// isSOF reports whether m is one of the start-of-frame markers C0-CF other
// than DHT (C4), JPG (C8) and DAC (CC).
func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != jpeghdr.MarkerDHT && m != jpeghdr.MarkerJPG && m != jpeghdr.MarkerDAC
}

// sof checks the frame header (B.2.2) and records its components.
func (st *state) sof(m byte, seg []byte) error {
	if st.sawSOF {
		return fmt.Errorf("second frame header: %w", ErrCorrupt)
	}
	st.sawSOF = true
	switch m {
	case jpeghdr.MarkerSOF0, jpeghdr.MarkerSOF1:
	case jpeghdr.MarkerSOF2, 0xC6:
		return ErrProgressive
	case 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
		return ErrArithmetic
	default:
		return fmt.Errorf("%w: lossless or hierarchical frame", ErrUnsupported)
	}
	if len(seg) < 6 || len(seg) != 6+3*int(seg[5]) {
		return fmt.Errorf("length %d: %w", len(seg)+2, ErrCorrupt)
	}
	if seg[0] != 8 {
		return fmt.Errorf("%d-bit samples: %w", seg[0], ErrPrecision)
	}
	st.height = int(seg[1])<<8 | int(seg[2])
	st.width = int(seg[3])<<8 | int(seg[4])
	st.nComps = int(seg[5])
	switch {
	case st.width == 0 || st.height == 0:
		return fmt.Errorf("size %dx%d (DNL is not supported): %w", st.width, st.height, ErrCorrupt)
	case st.nComps < 1 || st.nComps > 4:
		return fmt.Errorf("%d components: %w", st.nComps, ErrCorrupt)
	}
	for k := range st.nComps {
		b := seg[6+3*k:]
		c := component{id: b[0], h: b[1] >> 4, v: b[1] & 15, tq: b[2]}
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return fmt.Errorf("component %d: sampling %dx%d, table %d: %w", c.id, c.h, c.v, c.tq, ErrCorrupt)
		}
		for _, p := range st.comps[:k] {
			if p.id == c.id {
				return fmt.Errorf("duplicate component %d: %w", c.id, ErrCorrupt)
			}
		}
		st.comps[k] = c
	}
	return nil
}

// dqt checks a DQT segment (B.2.4.1) and records which tables it defines.
func (st *state) dqt(seg []byte) error {
	if len(seg) == 0 {
		return fmt.Errorf("empty: %w", ErrCorrupt)
	}
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, seg[0]&15
		size := 1 + 64<<pq
		if pq > 1 || tq > 3 || len(seg) < size {
			return fmt.Errorf("table precision %d id %d with %d bytes: %w", pq, tq, len(seg), ErrCorrupt)
		}
		st.quantDef[tq] = true
		seg = seg[size:]
	}
	return nil
}

// dht builds the decoders of the tables of a DHT segment (B.2.4.2).
func (st *state) dht(seg []byte) error {
	if len(seg) == 0 {
		return fmt.Errorf("empty: %w", ErrCorrupt)
	}
	for len(seg) > 0 {
		if len(seg) < 17 {
			return fmt.Errorf("table header needs 17 bytes, %d left: %w", len(seg), ErrCorrupt)
		}
		tc, th := seg[0]>>4, seg[0]&15
		counts := (*[16]byte)(seg[1:17])
		total := 0
		for _, c := range counts {
			total += int(c)
		}
		if tc > 1 || th > 3 || total > 256 || len(seg) < 17+total {
			return fmt.Errorf("table class %d id %d with %d codes, %d bytes: %w", tc, th, total, len(seg), ErrCorrupt)
		}
		if err := st.dec[tc][th].build(counts, seg[17:17+total]); err != nil {
			return fmt.Errorf("table class %d id %d: %v: %w", tc, th, err, ErrCorrupt)
		}
		seg = seg[17+total:]
	}
	return nil
}

// scan checks the scan header seg (B.2.3), appends the standard DHT, the
// new scan header and the re-coded data to dst, and returns the offset in
// src of the marker after the scan's entropy-coded data, which starts at
// src[start].
func (st *state) scan(dst, src, seg []byte, start int) ([]byte, int, error) {
	if !st.sawSOF {
		return nil, 0, fmt.Errorf("scan before frame header: %w", ErrCorrupt)
	}
	if len(seg) < 1 || len(seg) != 1+2*int(seg[0])+3 {
		return nil, 0, fmt.Errorf("header length %d: %w", len(seg)+2, ErrCorrupt)
	}
	ns := int(seg[0])
	if ns != st.nComps {
		return nil, 0, fmt.Errorf("%d of %d components: %w", ns, st.nComps, ErrMultiScan)
	}
	if ss, se, a := seg[1+2*ns], seg[2+2*ns], seg[3+2*ns]; ss != 0 || se != 63 || a != 0 {
		return nil, 0, fmt.Errorf("spectral selection %d..%d, approximation 0x%02X in a sequential scan: %w", ss, se, a, ErrCorrupt)
	}
	var (
		comps  [4]scanComp
		hmax   byte = 1
		vmax   byte = 1
		blocks int
	)
	for _, c := range st.comps[:st.nComps] {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	if st.dhtSeg == nil {
		dst = jpeghdr.AppendStdDHT(dst)
	} else {
		dst = append(dst, st.dhtSeg...)
	}
	dst = append(dst, 0xFF, jpeghdr.MarkerSOS, 0, byte(6+2*ns), byte(ns))
	for k := range ns {
		cs, tdta := seg[1+2*k], seg[2+2*k]
		idx := -1
		for j, c := range st.comps[:st.nComps] {
			if c.id == cs {
				idx = j
				break
			}
		}
		if idx < 0 {
			return nil, 0, fmt.Errorf("component %d not in the frame: %w", cs, ErrCorrupt)
		}
		for j := range k {
			if seg[1+2*j] == cs {
				return nil, 0, fmt.Errorf("component %d twice: %w", cs, ErrCorrupt)
			}
		}
		td, ta := tdta>>4, tdta&15
		if td > 3 || ta > 3 || !st.dec[0][td].defined || !st.dec[1][ta].defined {
			return nil, 0, fmt.Errorf("component %d uses Huffman tables DC %d AC %d: %w", cs, td, ta, ErrMissingTable)
		}
		c := st.comps[idx]
		if !st.quantDef[c.tq] {
			return nil, 0, fmt.Errorf("component %d uses quantization table %d: %w", cs, c.tq, ErrMissingTable)
		}
		std := byte(1)
		if idx == 0 {
			std = 0
		}
		comps[k] = scanComp{dc: &st.dec[0][td], ac: &st.dec[1][ta], edc: st.enc[0][std], eac: st.enc[1][std], blocks: 1}
		if ns > 1 {
			comps[k].blocks = int(c.h) * int(c.v)
		}
		blocks += comps[k].blocks
		dst = append(dst, cs, std<<4|std)
	}
	if blocks > maxBlocksPerMCU {
		return nil, 0, fmt.Errorf("%d blocks per MCU: %w", blocks, ErrCorrupt)
	}
	dst = append(dst, 0, 63, 0)
	// MCU grid (A.2): one block per MCU in a single-component scan, whose
	// size is then that of the component (A.1.1); Hmax x Vmax blocks
	// otherwise.
	mw, mh := 8*int(hmax), 8*int(vmax)
	if ns == 1 {
		c := st.comps[0]
		w := (st.width*int(c.h) + int(hmax) - 1) / int(hmax)
		h := (st.height*int(c.v) + int(vmax) - 1) / int(vmax)
		return st.data(dst, src[start:], comps[:1], (w+7)/8*((h+7)/8), start)
	}
	mcus := (st.width + mw - 1) / mw * ((st.height + mh - 1) / mh)
	return st.data(dst, src[start:], comps[:ns], mcus, start)
}

// data re-codes mcus MCUs of entropy-coded data from data (which starts at
// offset base of the image) and returns the offset of the marker after it.
func (st *state) data(dst, data []byte, comps []scanComp, mcus, base int) ([]byte, int, error) {
	r := bitReader{data: data}
	w := bitWriter{buf: dst}
	left := st.restart // MCUs left in the restart interval
	var rst byte       // next restart marker number
	for mcu := range mcus {
		if st.restart > 0 {
			if left == 0 {
				off, m, ok := r.skipToMarker()
				if !ok || m != jpeghdr.MarkerRST0+rst {
					return nil, 0, fmt.Errorf("MCU %d: marker 0x%02X at offset %d, want RST%d: %w", mcu, m, base+off, rst, ErrCorrupt)
				}
				r.restartAt(off + 2)
				w.flush()
				w.buf = append(w.buf, 0xFF, jpeghdr.MarkerRST0+rst)
				rst = (rst + 1) & 7
				left = st.restart
			}
			left--
		}
		for k := range comps {
			c := &comps[k]
			for range c.blocks {
				if !recodeBlock(&r, &w, c) {
					return nil, 0, r.blockErr(mcu, mcus, base)
				}
			}
		}
	}
	w.flush()
	// Whatever is left up to the next marker other than RSTn is not
	// image data.
	for {
		off, m, ok := r.skipToMarker()
		if !ok {
			return nil, 0, fmt.Errorf("no marker after the scan: %w: %w", ErrCorrupt, io.ErrUnexpectedEOF)
		}
		if m < jpeghdr.MarkerRST0 || m > jpeghdr.MarkerRST7 {
			return w.buf, base + off, nil
		}
		r.restartAt(off + 2)
	}
}

// recodeBlock re-codes the Huffman symbols of one 8x8 block (F.1.2.1,
// F.1.2.2): the DC difference category and up to 63 AC run/size symbols,
// each followed by its extra bits, which are copied. It reports false for
// data that is invalid or that baseline 8-bit coding cannot produce (DC
// category above 11, AC size above 10, run/size with size 0 other than EOB
// and ZRL, coefficients past the 64th).
func recodeBlock(r *bitReader, w *bitWriter, c *scanComp) bool {
	s, ok := r.decode(c.dc)
	size := uint(c.edc.size[s])
	if !ok || size == 0 {
		return false
	}
	extra, ok := r.bits(uint(s))
	if !ok {
		return false
	}
	w.put(uint32(c.edc.code[s])<<s|extra, size+uint(s))
	for k := 1; k < 64; {
		rs, ok := r.decode(c.ac)
		size := uint(c.eac.size[rs])
		if !ok || size == 0 {
			return false
		}
		run, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			w.put(uint32(c.eac.code[rs]), size)
			if run == 0 { // EOB
				return true
			}
			k += 16 // ZRL
			continue
		}
		if k += run; k > 63 {
			return false
		}
		k++
		extra, ok := r.bits(s)
		if !ok {
			return false
		}
		w.put(uint32(c.eac.code[rs])<<s|extra, size+s)
	}
	return true
}

// blockErr describes a failure to re-code a block of MCU mcu, which is
// truncation when the data ended without a marker.
func (r *bitReader) blockErr(mcu, mcus, base int) error {
	if r.stopped && r.pos >= len(r.data)-1 { // no marker: at the end, or a lone 0xFF there
		return fmt.Errorf("MCU %d of %d: data ends at offset %d: %w: %w", mcu, mcus, base+r.pos, ErrCorrupt, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("MCU %d of %d: invalid Huffman code or too few bits before offset %d: %w", mcu, mcus, base+r.pos, ErrCorrupt)
}
