package jpeghdr

import (
	"bytes"
	"fmt"
	"io"
)

// Parse walks the JPEG in b from its SOI marker through its EOI marker and
// describes it. It reads every marker segment (with bounds checks; fill bytes
// 0xFF before a marker are skipped), parses SOF, DQT (8- and 16-bit), DHT,
// DRI and SOS, and skips the entropy-coded data of every scan (stuffed FF 00
// and RSTn markers included) to find the next marker, so progressive images
// with several scans and their interleaved DHT segments are handled.
//
// Bytes after EOI are ignored ([Info.Length] says where the image ends).
// Errors wrap [ErrNotJPEG], [ErrMalformed] or, when b ends before EOI,
// io.ErrUnexpectedEOF, and name the segment and offset. Parse never panics.
func Parse(b []byte) (*Info, error) {
	info := new(Info)
	if err := ParseInto(info, b); err != nil {
		return nil, err
	}
	return info, nil
}

// ParseInto is [Parse] into a caller-owned Info, for callers that parse a
// frame per packetized frame and want no allocation in steady state: it
// reuses the capacity of info.Components and the tables info.Quant points to
// (so pointers kept from an earlier result see the new values). On error,
// info holds partial results.
func ParseInto(info *Info, b []byte) error {
	spare := info.spareQuant
	for k, q := range info.Quant {
		if q != nil {
			spare[k] = q
		}
	}
	*info = Info{StandardHuffman: true, Components: info.Components[:0], spareQuant: spare}
	_, err := walkInto(b, info, &info.spareQuant)
	return err
}

// FrameLength returns the length of the first whole JPEG image at the start
// of b, SOI through EOI, by walking its marker segments and entropy-coded
// data (not by searching for FF D9 FF D8, which can occur inside APPn
// segments such as EXIF thumbnails). It returns an error wrapping
// io.ErrUnexpectedEOF when b holds only part of an image, so that a reader of
// concatenated Motion-JPEG can read more and retry. It does not allocate.
func FrameLength(b []byte) (int, error) {
	return walkInto(b, nil, nil)
}

// segErr builds an error about the segment with marker m at offset off.
func segErr(off int, m byte, sentinel error, format string, args ...any) error {
	return fmt.Errorf("jpeghdr: %s at offset %d: %s: %w", markerName(m), off, fmt.Sprintf(format, args...), sentinel)
}

// walkInto is the common marker walker. With info == nil it only validates
// structure (FrameLength); otherwise it also records what it finds, taking
// quantization tables from spare before allocating.
func walkInto(b []byte, info *Info, spare *[4]*QuantTable) (int, error) {
	if len(b) < 2 {
		if len(b) == 0 || b[0] == 0xFF {
			return 0, fmt.Errorf("jpeghdr: %d bytes, no SOI: %w", len(b), io.ErrUnexpectedEOF)
		}
		return 0, ErrNotJPEG
	}
	if b[0] != 0xFF || b[1] != MarkerSOI {
		return 0, fmt.Errorf("%w: starts with % X", ErrNotJPEG, b[:2])
	}
	var (
		w      walker
		i      = 2
		sawSOF bool
		nScans int
	)
	w.info = info
	w.spare = spare
	for {
		// Marker: 0xFF, optional fill bytes 0xFF, marker code.
		if i >= len(b) {
			return 0, fmt.Errorf("jpeghdr: no EOI after %d bytes: %w", len(b), io.ErrUnexpectedEOF)
		}
		if b[i] != 0xFF {
			return 0, fmt.Errorf("jpeghdr: byte 0x%02X at offset %d where a marker was expected: %w", b[i], i, ErrMalformed)
		}
		for i+1 < len(b) && b[i+1] == 0xFF {
			i++
		}
		if i+1 >= len(b) {
			return 0, fmt.Errorf("jpeghdr: no EOI after %d bytes: %w", len(b), io.ErrUnexpectedEOF)
		}
		off, m := i, b[i+1]
		i += 2
		switch {
		case m == MarkerEOI:
			if nScans == 0 {
				return 0, segErr(off, m, ErrMalformed, "image has no scan")
			}
			if info != nil {
				info.ScanEnd = off
				info.Length = i
				info.NumScans = nScans
			}
			return i, nil
		case m == MarkerSOI:
			return 0, segErr(off, m, ErrMalformed, "SOI inside an image")
		case m == 0x00:
			return 0, segErr(off, m, ErrMalformed, "stuffed byte outside entropy-coded data")
		case isStandalone(m):
			// RSTn or TEM outside a scan: no length, nothing to do.
			continue
		}
		// Segment with a 2-byte length that counts itself (B.1.1.4).
		if i+2 > len(b) {
			return 0, segErr(off, m, io.ErrUnexpectedEOF, "truncated length")
		}
		n := int(b[i])<<8 | int(b[i+1])
		if n < 2 {
			return 0, segErr(off, m, ErrMalformed, "length %d", n)
		}
		if i+n > len(b) {
			return 0, segErr(off, m, io.ErrUnexpectedEOF, "length %d, %d bytes left", n, len(b)-i)
		}
		seg := b[i+2 : i+n]
		i += n
		var err error
		switch {
		case isSOF(m):
			if sawSOF {
				return 0, segErr(off, m, ErrMalformed, "second frame header")
			}
			sawSOF = true
			err = w.sof(m, seg)
		case m == MarkerDQT:
			err = w.dqt(seg)
		case m == MarkerDHT:
			err = w.dht(seg)
		case m == MarkerDRI:
			if len(seg) != 2 {
				err = fmt.Errorf("length %d, want 4", n)
			} else if info != nil {
				info.RestartInterval = int(seg[0])<<8 | int(seg[1])
			}
		case m == MarkerSOS:
			if !sawSOF {
				return 0, segErr(off, m, ErrMalformed, "scan before frame header")
			}
			if err = w.sos(seg, nScans == 0); err != nil {
				break
			}
			if nScans == 0 && info != nil {
				info.ScanStart = i
			}
			nScans++
			end, eerr := scanEnd(b, i)
			if eerr != nil {
				return 0, fmt.Errorf("jpeghdr: entropy-coded data of scan %d at offset %d: %w", nScans, i, eerr)
			}
			i = end
		}
		// APPn, COM, DNL, DAC, JPGn, reserved: skipped by length.
		if err != nil {
			return 0, segErr(off, m, ErrMalformed, "%v", err)
		}
	}
}

// scanEnd returns the offset of the first marker after entropy-coded data
// starting at i: stuffed bytes FF 00 and restart markers FF D0..D7 belong to
// the data (B.1.1.5, B.1.1.2); fill bytes FF before a marker are skipped, the
// returned offset is that of the 0xFF immediately before the marker code.
func scanEnd(b []byte, i int) (int, error) {
	for {
		j := bytes.IndexByte(b[i:], 0xFF)
		if j < 0 {
			return 0, io.ErrUnexpectedEOF
		}
		i += j
		for i+1 < len(b) && b[i+1] == 0xFF {
			i++
		}
		if i+1 >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		if c := b[i+1]; c != 0 && !isRST(c) {
			return i, nil
		}
		i += 2
	}
}

// walker holds the state of one walk that spans segments.
type walker struct {
	info     *Info
	nComps   int
	compIDs  [4]byte
	compTq   [4]byte
	quantDef [4]bool
	lossless bool // SOF3/7/B/F: no quantization tables
	spare    *[4]*QuantTable
}

// sof parses a frame header (B.2.2).
func (w *walker) sof(m byte, seg []byte) error {
	if len(seg) < 6 {
		return fmt.Errorf("length %d too short", len(seg)+2)
	}
	p := seg[0]
	h := int(seg[1])<<8 | int(seg[2])
	x := int(seg[3])<<8 | int(seg[4])
	nf := int(seg[5])
	switch {
	case len(seg) != 6+3*nf:
		return fmt.Errorf("length %d for %d components", len(seg)+2, nf)
	case nf < 1 || nf > 4:
		return fmt.Errorf("%d components (1 to 4 supported)", nf)
	case p < 2 || p > 16:
		return fmt.Errorf("sample precision %d", p)
	case x == 0:
		return fmt.Errorf("zero width")
	case h == 0:
		return fmt.Errorf("zero height (height in a DNL segment is not supported)")
	}
	w.nComps = nf
	w.lossless = m&3 == 3
	var comps []Component
	if w.info != nil {
		comps = append(w.info.Components[:0], make([]Component, nf)...)
	}
	for k := range nf {
		c := seg[6+3*k:]
		id, hs, vs, tq := c[0], c[1]>>4, c[1]&15, c[2]
		if hs < 1 || hs > 4 || vs < 1 || vs > 4 {
			return fmt.Errorf("component %d sampling factors %dx%d", id, hs, vs)
		}
		if tq > 3 {
			return fmt.Errorf("component %d quantization table %d", id, tq)
		}
		for _, prev := range w.compIDs[:k] {
			if prev == id {
				return fmt.Errorf("duplicate component id %d", id)
			}
		}
		w.compIDs[k], w.compTq[k] = id, tq
		if comps != nil {
			comps[k] = Component{ID: id, H: hs, V: vs, Tq: tq}
		}
	}
	if w.info != nil {
		w.info.SOF = m
		w.info.Precision = int(p)
		w.info.Width, w.info.Height = x, h
		w.info.Components = comps
	}
	return nil
}

// dqt parses the quantization tables of one DQT segment (B.2.4.1).
func (w *walker) dqt(seg []byte) error {
	if len(seg) == 0 {
		return fmt.Errorf("empty")
	}
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, seg[0]&15
		if pq > 1 || tq > 3 {
			return fmt.Errorf("table precision %d id %d", pq, tq)
		}
		size := 64 << pq
		if len(seg) < 1+size {
			return fmt.Errorf("table %d needs %d bytes, %d left", tq, size, len(seg)-1)
		}
		w.quantDef[tq] = true
		if w.info != nil {
			t := w.info.Quant[tq]
			if t == nil {
				if t = w.spare[tq]; t == nil {
					t = new(QuantTable)
				}
				w.info.Quant[tq] = t
			}
			t.Precision = pq
			for k := range 64 {
				if pq == 0 {
					t.Values[k] = uint16(seg[1+k])
				} else {
					t.Values[k] = uint16(seg[1+2*k])<<8 | uint16(seg[2+2*k])
				}
			}
		}
		seg = seg[1+size:]
	}
	return nil
}

// dht parses the Huffman tables of one DHT segment (B.2.4.2) and compares
// each with the Annex K.3 table for its slot.
func (w *walker) dht(seg []byte) error {
	if len(seg) == 0 {
		return fmt.Errorf("empty")
	}
	for len(seg) > 0 {
		if len(seg) < 17 {
			return fmt.Errorf("table header needs 17 bytes, %d left", len(seg))
		}
		tc, th := seg[0]>>4, seg[0]&15
		if tc > 1 || th > 3 {
			return fmt.Errorf("table class %d id %d", tc, th)
		}
		total := 0
		for _, c := range seg[1:17] {
			total += int(c)
		}
		if total > 256 {
			return fmt.Errorf("table %d/%d has %d codes", tc, th, total)
		}
		if len(seg) < 17+total {
			return fmt.Errorf("table %d/%d needs %d values, %d left", tc, th, total, len(seg)-17)
		}
		if w.info != nil && w.info.StandardHuffman {
			std := stdTable(tc, th)
			if std == nil || [16]byte(seg[1:17]) != std.Counts || !bytes.Equal(seg[17:17+total], std.Values) {
				w.info.StandardHuffman = false
			}
		}
		seg = seg[17+total:]
	}
	return nil
}

// sos parses a scan header (B.2.3); the entropy-coded data follows it.
func (w *walker) sos(seg []byte, first bool) error {
	if len(seg) < 1 {
		return fmt.Errorf("empty")
	}
	ns := int(seg[0])
	if ns < 1 || ns > 4 || len(seg) != 1+2*ns+3 {
		return fmt.Errorf("length %d for %d components", len(seg)+2, ns)
	}
	for k := range ns {
		cs, tdta := seg[1+2*k], seg[2+2*k]
		idx := -1
		for j, id := range w.compIDs[:w.nComps] {
			if id == cs {
				idx = j
				break
			}
		}
		if idx < 0 {
			return fmt.Errorf("scan component %d not in the frame", cs)
		}
		if tdta>>4 > 3 || tdta&15 > 3 {
			return fmt.Errorf("component %d Huffman tables %d/%d", cs, tdta>>4, tdta&15)
		}
		if !w.lossless && !w.quantDef[w.compTq[idx]] {
			return fmt.Errorf("component %d uses undefined quantization table %d", cs, w.compTq[idx])
		}
		if first && w.info != nil {
			w.info.firstScan[k] = scanComp{index: idx, tdta: tdta}
		}
	}
	if first && w.info != nil {
		w.info.firstScanLen = ns
	}
	return nil
}
