package jpegrecode

import "encoding/binary"

// bitReader reads the entropy-coded data of one scan (ISO 10918-1 F.2.2.5):
// it removes the stuffed zero byte after each 0xFF data byte and stops at
// the first marker, after which it supplies zero bits that decode reports
// as an overrun.
type bitReader struct {
	data    []byte // the input from the scan's first byte on
	pos     int    // next byte of data to load; at a marker once stopped
	acc     uint64 // the next n bits, left-aligned; the rest is zero
	n       uint
	stopped bool // pos is at a marker or the end of data
}

// fill loads bytes until acc holds more than 56 bits or a marker is reached.
func (r *bitReader) fill() {
	for r.n <= 56 && !r.stopped {
		if r.pos >= len(r.data) {
			r.stopped = true
			return
		}
		b := r.data[r.pos]
		if b == 0xFF {
			if r.pos+1 >= len(r.data) || r.data[r.pos+1] != 0 {
				r.stopped = true
				return
			}
			r.pos++
		}
		r.pos++
		r.acc |= uint64(b) << (56 - r.n)
		r.n += 8
	}
}

// decode reads one Huffman-coded symbol with t. ok is false for a code t
// does not define or one that runs past the data.
func (r *bitReader) decode(t *decTable) (sym byte, ok bool) {
	if r.n < 16 {
		r.fill()
	}
	if e := t.lut[r.acc>>(64-lutBits)]; e != 0 {
		l := uint(e >> 8)
		if l > r.n {
			return 0, false
		}
		r.acc <<= l
		r.n -= l
		return byte(e), true
	}
	code := int32(r.acc >> 48)
	for l := uint(lutBits + 1); l <= 16; l++ {
		c := code >> (16 - l)
		if c <= t.maxCode[l] {
			i := t.valPtr[l] + c
			if l > r.n || i < 0 || i >= t.nVals {
				return 0, false
			}
			r.acc <<= l
			r.n -= l
			return t.vals[i], true
		}
	}
	return 0, false
}

// bits reads s (0..16) raw bits, right-aligned.
func (r *bitReader) bits(s uint) (v uint32, ok bool) {
	if r.n < s {
		r.fill()
		if r.n < s {
			return 0, false
		}
	}
	v = uint32(r.acc >> 32 >> (32 - s)) // s == 0 gives 0
	r.acc <<= s
	r.n -= s
	return v, true
}

// skipToMarker drops the bits left in the current entropy-coded segment
// (the 1-bit padding of F.1.2.3, or junk) and returns the offset in data of
// the next marker's 0xFF, after any fill bytes, and its code; ok is false
// when data ends first.
func (r *bitReader) skipToMarker() (off int, m byte, ok bool) {
	r.acc, r.n = 0, 0
	i := r.pos
	for i < len(r.data) {
		if r.data[i] != 0xFF {
			i++
			continue
		}
		for i+1 < len(r.data) && r.data[i+1] == 0xFF {
			i++
		}
		if i+1 >= len(r.data) {
			break
		}
		if c := r.data[i+1]; c != 0 {
			return i, c, true
		}
		i += 2
	}
	r.pos, r.stopped = len(r.data), true
	return len(r.data), 0, false
}

// restartAt makes r read the next entropy-coded segment, which starts at
// data[i].
func (r *bitReader) restartAt(i int) {
	r.pos, r.acc, r.n, r.stopped = i, 0, 0, false
}

// bitWriter writes entropy-coded data, stuffing a zero byte after every
// 0xFF (F.1.2.3).
type bitWriter struct {
	buf []byte
	acc uint64 // the low n bits are pending output
	n   uint
}

// put appends the low size bits of v (size <= 32).
func (w *bitWriter) put(v uint32, size uint) {
	w.acc = w.acc<<size | uint64(v)
	w.n += size
	if w.n < 32 {
		return
	}
	w.n -= 32
	word := uint32(w.acc >> w.n)
	if x := ^word; (x-0x01010101)&^x&0x80808080 == 0 {
		// No 0xFF byte: the common case.
		w.buf = binary.BigEndian.AppendUint32(w.buf, word)
		return
	}
	for shift := 24; shift >= 0; shift -= 8 {
		w.byte(byte(word >> shift))
	}
}

// byte appends one byte of entropy-coded data.
func (w *bitWriter) byte(b byte) {
	if b == 0xFF {
		w.buf = append(w.buf, 0xFF, 0x00)
		return
	}
	w.buf = append(w.buf, b)
}

// flush pads the pending bits with 1-bits to a byte boundary (F.1.2.3) and
// writes them, ending an entropy-coded segment.
func (w *bitWriter) flush() {
	if pad := (8 - w.n%8) % 8; pad != 0 {
		w.acc = w.acc<<pad | (1<<pad - 1)
		w.n += pad
	}
	for w.n > 0 {
		w.n -= 8
		w.byte(byte(w.acc >> w.n))
	}
	w.acc = 0
}
