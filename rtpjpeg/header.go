package rtpjpeg

// RFC 2435 §3.1 payload headers. Every payload starts with the main JPEG
// header:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Type-specific |              Fragment Offset                  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      Type     |       Q       |     Width     |     Height    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Types 64-127 add the restart marker header (§3.1.7):
//
//	|       Restart Interval        |F|L|       Restart Count       |
//
// Q 128-255 add, in the packet at fragment offset 0 only, the quantization
// table header (§3.1.8) followed by Length bytes of tables:
//
//	|      MBZ      |   Precision   |             Length            |
const (
	mainHeaderSize    = 8
	restartHeaderSize = 4
	quantHeaderSize   = 4

	offTypeSpecific = 0
	offFragment     = 1 // 24 bits
	offType         = 4
	offQ            = 5
	offWidth        = 6
	offHeight       = 7

	// maxFragmentOffset is the largest 24-bit fragment offset.
	maxFragmentOffset = 1<<24 - 1
	// restartAll is F=1, L=1, Restart Count 0x3FFF: the packet is not
	// aligned on restart intervals, reassemble the whole frame first
	// (§3.1.7); what GStreamer sends.
	restartAll = 0xFFFF
	// qInBand is the first Q whose tables travel in-band (§3.1.4).
	qInBand = 128
	// typeRestart is added to the type when restart markers are present.
	typeRestart = 64
)

// mainHeader holds the fields of the main JPEG header.
type mainHeader struct {
	typeSpecific uint8
	offset       int
	typ, q       uint8
	width8       uint8 // width / 8
	height8      uint8 // height / 8
}

func (h *mainHeader) unmarshal(b []byte) {
	h.typeSpecific = b[offTypeSpecific]
	h.offset = int(b[offFragment])<<16 | int(b[offFragment+1])<<8 | int(b[offFragment+2])
	h.typ, h.q, h.width8, h.height8 = b[offType], b[offQ], b[offWidth], b[offHeight]
}

func (h *mainHeader) put(b []byte) {
	b[offTypeSpecific] = h.typeSpecific
	b[offFragment], b[offFragment+1], b[offFragment+2] = byte(h.offset>>16), byte(h.offset>>8), byte(h.offset)
	b[offType], b[offQ], b[offWidth], b[offHeight] = h.typ, h.q, h.width8, h.height8
}
