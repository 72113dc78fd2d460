package jpeghdr

// Component is one image component of a frame header (ISO 10918-1 B.2.2):
// its identifier Ci, horizontal and vertical sampling factors Hi and Vi
// (1..4), and the quantization table selector Tqi (0..3).
type Component struct {
	ID, H, V, Tq uint8
}

// QuantTable is a quantization table from a DQT segment (B.2.4.1).
type QuantTable struct {
	// Precision is Pq: 0 for 8-bit values, 1 for 16-bit values.
	Precision uint8
	// Values are the 64 entries in zigzag order, exactly as carried in
	// DQT and in RFC 2435 §3.1.8 quantization table headers.
	Values [64]uint16
}

// Info describes a JPEG image as found by [Parse].
type Info struct {
	// SOF is the start-of-frame marker code: 0xC0 baseline, 0xC1 extended
	// sequential, 0xC2 progressive, 0xC3 lossless, 0xC9.. arithmetic.
	SOF byte
	// Precision is the sample precision P in bits (8 or 12 for DCT).
	Precision int
	// Width and Height are X and Y of the frame header, in pixels.
	Width, Height int
	// Components are the frame components in frame-header order.
	Components []Component
	// Quant holds the quantization tables by destination id Tq (the last
	// definition in the image wins); nil when undefined.
	Quant [4]*QuantTable
	// StandardHuffman is true when every Huffman table the image defines
	// equals the Annex K.3 table for its slot (see [StdDCLuminance]), or the
	// image defines none (Motion-JPEG "AVI1" style, implying those tables).
	StandardHuffman bool
	// RestartInterval is Ri of the DRI segment (MCUs per restart interval),
	// 0 when there is none.
	RestartInterval int
	// ScanStart is the offset of the first entropy-coded byte after the
	// first SOS header.
	ScanStart int
	// ScanEnd is the offset of the EOI marker (its 0xFF byte).
	ScanEnd int
	// Length is the number of bytes from SOI through EOI inclusive; bytes
	// after it are not part of the image.
	Length int
	// NumScans is the number of SOS segments (1 for sequential interleaved
	// images; several for progressive or non-interleaved images).
	NumScans int

	// firstScan records the components of the first scan: index into
	// Components and Huffman selectors Td<<4|Ta, for RFC2435's checks.
	firstScan    [4]scanComp
	firstScanLen int
	// spareQuant keeps tables of earlier ParseInto calls for reuse.
	spareQuant [4]*QuantTable
}

// scanComp is one component specification of a scan header (B.2.3).
type scanComp struct {
	index int  // index into Info.Components
	tdta  byte // Td<<4 | Ta
}
