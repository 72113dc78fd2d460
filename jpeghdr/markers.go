package jpeghdr

// Marker codes (the byte after 0xFF), ISO 10918-1 Table B.1.
const (
	MarkerSOF0 = 0xC0 // baseline DCT, Huffman
	MarkerSOF1 = 0xC1 // extended sequential DCT, Huffman
	MarkerSOF2 = 0xC2 // progressive DCT, Huffman
	MarkerSOF3 = 0xC3 // lossless, Huffman
	MarkerDHT  = 0xC4 // define Huffman tables
	MarkerJPG  = 0xC8 // reserved for JPEG extensions
	MarkerDAC  = 0xCC // define arithmetic coding conditioning
	MarkerRST0 = 0xD0 // restart 0 (RST0..RST7 = D0..D7)
	MarkerRST7 = 0xD7 // restart 7
	MarkerSOI  = 0xD8 // start of image
	MarkerEOI  = 0xD9 // end of image
	MarkerSOS  = 0xDA // start of scan
	MarkerDQT  = 0xDB // define quantization tables
	MarkerDNL  = 0xDC // define number of lines
	MarkerDRI  = 0xDD // define restart interval
	MarkerAPP0 = 0xE0 // application segment 0 (APP0..APP15 = E0..EF)
	MarkerCOM  = 0xFE // comment
	MarkerTEM  = 0x01 // temporary private use in arithmetic coding (standalone)
)

// isSOF reports whether m is one of the thirteen start-of-frame markers
// (C0-C3, C5-C7, C9-CB, CD-CF); C4, C8 and CC are not frames.
func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != MarkerDHT && m != MarkerJPG && m != MarkerDAC
}

// isRST reports whether m is a restart marker RST0..RST7.
func isRST(m byte) bool { return m >= MarkerRST0 && m <= MarkerRST7 }

// isStandalone reports whether marker m has no length field (B.1.1.3).
func isStandalone(m byte) bool {
	return m == MarkerSOI || m == MarkerEOI || m == MarkerTEM || isRST(m)
}

// markerName returns a short name for error messages.
func markerName(m byte) string {
	switch {
	case m == MarkerDHT:
		return "DHT"
	case m == MarkerDAC:
		return "DAC"
	case m == MarkerJPG:
		return "JPG"
	case isSOF(m):
		return "SOF" + string("0123456789ABCDEF"[m-0xC0])
	case isRST(m):
		return "RST" + string('0'+m-MarkerRST0)
	case m == MarkerSOI:
		return "SOI"
	case m == MarkerEOI:
		return "EOI"
	case m == MarkerSOS:
		return "SOS"
	case m == MarkerDQT:
		return "DQT"
	case m == MarkerDNL:
		return "DNL"
	case m == MarkerDRI:
		return "DRI"
	case m >= MarkerAPP0 && m <= 0xEF:
		return "APP" + [16]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}[m-MarkerAPP0]
	case m == MarkerCOM:
		return "COM"
	}
	const hex = "0123456789ABCDEF"
	return "marker 0x" + string([]byte{hex[m>>4], hex[m&15]})
}
