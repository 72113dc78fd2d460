package rtpjpeg

// stdLuminanceQuant and stdChrominanceQuant are Tables K.1 and K.2 of
// ISO 10918-1 in natural (row-major) order, as listed in RFC 2435 Appendix A.
var (
	stdLuminanceQuant = [64]byte{
		16, 11, 10, 16, 24, 40, 51, 61,
		12, 12, 14, 19, 26, 58, 60, 55,
		14, 13, 16, 24, 40, 57, 69, 56,
		14, 17, 22, 29, 51, 87, 80, 62,
		18, 22, 37, 56, 68, 109, 103, 77,
		24, 35, 55, 64, 81, 104, 113, 92,
		49, 64, 78, 87, 103, 121, 120, 101,
		72, 92, 95, 98, 112, 100, 103, 99,
	}
	stdChrominanceQuant = [64]byte{
		17, 18, 24, 47, 99, 99, 99, 99,
		18, 21, 26, 66, 99, 99, 99, 99,
		24, 26, 56, 99, 99, 99, 99, 99,
		47, 66, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	}
	// zigzag[i] is the natural-order index of the i-th coefficient in
	// zigzag order (ISO 10918-1 Figure A.6).
	zigzag = [64]byte{
		0, 1, 8, 16, 9, 2, 3, 10,
		17, 24, 32, 25, 18, 11, 4, 5,
		12, 19, 26, 33, 40, 48, 41, 34,
		27, 20, 13, 6, 7, 14, 21, 28,
		35, 42, 49, 56, 57, 50, 43, 36,
		29, 22, 15, 23, 30, 37, 44, 51,
		58, 59, 52, 45, 38, 31, 39, 46,
		53, 60, 61, 54, 47, 55, 62, 63,
	}
)

// QuantTables returns the luminance and chrominance quantization tables, in
// zigzag order as a DQT segment carries them, that Q values 1..99 stand for
// (RFC 2435 §4.2, Appendix A MakeTables: the Annex K tables scaled like the
// IJG library's quality setting; Q=50 gives the Annex K tables themselves).
// Q is clamped to 1..99.
func QuantTables(q int) (luma, chroma [64]byte) {
	q = min(max(q, 1), 99)
	var scale int
	if q < 50 {
		scale = 5000 / q
	} else {
		scale = 200 - 2*q
	}
	for i, n := range zigzag {
		luma[i] = scaleQuant(stdLuminanceQuant[n], scale)
		chroma[i] = scaleQuant(stdChrominanceQuant[n], scale)
	}
	return luma, chroma
}

// scaleQuant scales one quantizer, limited to 1..255 (Appendix A).
func scaleQuant(v byte, scale int) byte {
	return byte(min(max((int(v)*scale+50)/100, 1), 255))
}
