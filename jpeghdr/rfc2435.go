package jpeghdr

import "fmt"

// MaxRFC2435Dimension is the largest width or height RFC 2435 can carry: the
// JPEG header (§3.1.5, §3.1.6) holds them in units of 8 pixels in one byte.
const MaxRFC2435Dimension = 2040

// Reasons reported by [Info.RFC2435] in [NotCarriableError].Reason.
const (
	ReasonProgressive   = "progressive"
	ReasonLossless      = "lossless"
	ReasonArithmetic    = "arithmetic coding"
	ReasonHierarchical  = "hierarchical"
	Reason12Bit         = "12-bit"
	ReasonGrayscale     = "grayscale"
	ReasonComponents    = "not 3 components"
	Reason444           = "4:4:4 chroma"
	ReasonSubsampling   = "unsupported chroma subsampling"
	ReasonQuant16       = "16-bit quantization tables"
	ReasonChromaQuant   = "different Cb and Cr quantization tables"
	ReasonOptimizedHuff = "optimized Huffman tables"
	ReasonHuffSelectors = "non-standard Huffman table selectors"
	ReasonMultipleScans = "multiple scans"
	ReasonTooLarge      = "too large"
)

// RFC2435 reports whether RFC 2435 can carry the image unchanged and, if so,
// its RTP/JPEG type (§3.1.3, §4.1): 0 for 4:2:2 (luma sampled 2x1), 1 for
// 4:2:0 (2x2), plus 64 when a restart interval is defined (§3.1.7).
//
// An RFC 2435 receiver rebuilds the JPEG headers itself (Appendix B), so the
// image must be exactly what it rebuilds: sequential Huffman DCT (SOF0, or
// SOF1 used within baseline limits), 8-bit samples, three components with
// luma 2x1 or 2x2 and chroma 1x1, 8-bit quantization tables with Cb and Cr
// sharing one, the Annex K.3 Huffman tables selected as table 0 for luma and
// table 1 for chroma, a single interleaved scan, and width and height at most
// 2040. Otherwise the error is a [*NotCarriableError] (wrapping
// [ErrNotCarriable]) whose Reason is one of the Reason constants; the checks
// run in the order listed there, so a 4:4:4 progressive file reports
// "progressive".
func (i *Info) RFC2435() (typ uint8, err error) {
	return i.rfc2435(false)
}

// RFC2435IgnoringHuffman is [Info.RFC2435] without the checks on Huffman
// tables (ReasonOptimizedHuff, and the table part of ReasonHuffSelectors):
// it reports whether RFC 2435 could carry the image, and with which type,
// once its entropy-coded data is re-coded with the Annex K.3 tables, table 0
// for luma and table 1 for chroma (see package jpegrecode), which changes
// nothing else. The scan must still hold the components in frame order, or
// the error's Reason is ReasonHuffSelectors.
func (i *Info) RFC2435IgnoringHuffman() (typ uint8, err error) {
	return i.rfc2435(true)
}

// rfc2435 implements RFC2435 and, with anyHuffman, RFC2435IgnoringHuffman.
func (i *Info) rfc2435(anyHuffman bool) (typ uint8, err error) {
	no := func(reason string) (uint8, error) { return 0, &NotCarriableError{Reason: reason} }
	switch i.SOF {
	case MarkerSOF0, MarkerSOF1:
	case MarkerSOF2:
		return no(ReasonProgressive)
	case MarkerSOF3:
		return no(ReasonLossless)
	case 0xC5, 0xC6, 0xC7:
		return no(ReasonHierarchical)
	default:
		return no(ReasonArithmetic)
	}
	if i.Precision != 8 {
		if i.Precision == 12 {
			return no(Reason12Bit)
		}
		return no(fmt.Sprintf("%d-bit", i.Precision))
	}
	switch len(i.Components) {
	case 3:
	case 1:
		return no(ReasonGrayscale)
	default:
		return no(ReasonComponents)
	}
	y, cb, cr := i.Components[0], i.Components[1], i.Components[2]
	switch {
	case y.H == cb.H && y.V == cb.V && cb.H == cr.H && cb.V == cr.V:
		return no(Reason444)
	case cb.H != 1 || cb.V != 1 || cr.H != 1 || cr.V != 1:
		return no(ReasonSubsampling)
	case y.H == 2 && y.V == 1:
		typ = 0
	case y.H == 2 && y.V == 2:
		typ = 1
	default:
		return no(ReasonSubsampling)
	}
	for _, c := range i.Components {
		if q := i.Quant[c.Tq]; q == nil || q.Precision != 0 {
			return no(ReasonQuant16)
		}
	}
	if cb.Tq != cr.Tq && *i.Quant[cb.Tq] != *i.Quant[cr.Tq] {
		return no(ReasonChromaQuant)
	}
	if !i.StandardHuffman && !anyHuffman {
		return no(ReasonOptimizedHuff)
	}
	if i.NumScans != 1 || i.firstScanLen != 3 {
		return no(ReasonMultipleScans)
	}
	for k, sc := range i.firstScan[:3] {
		want := byte(0x11)
		if k == 0 {
			want = 0x00
		}
		if sc.index != k || (sc.tdta != want && !anyHuffman) {
			return no(ReasonHuffSelectors)
		}
	}
	if i.Width > MaxRFC2435Dimension || i.Height > MaxRFC2435Dimension {
		return no(ReasonTooLarge)
	}
	if i.RestartInterval > 0 {
		typ += 64
	}
	return typ, nil
}
