package jpegrecode

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error [Recode] returns wraps one of these, with the
// offending marker segment and its offset. The unsupported kinds
// (ErrProgressive, ErrArithmetic, ErrPrecision, ErrMultiScan) also wrap
// ErrUnsupported, so callers that only care whether the image is of a kind
// Recode cannot handle (and must be transcoded instead) test for that.
var (
	// ErrNotJPEG means the input does not start with an SOI marker (FF D8).
	ErrNotJPEG = errors.New("jpegrecode: not a JPEG (no SOI marker)")
	// ErrUnsupported means the image is a JPEG of a kind Recode does not
	// re-code: lossless or hierarchical (ISO 10918-1 Annex H, J), or one
	// of the kinds below.
	ErrUnsupported = errors.New("jpegrecode: unsupported JPEG")
	// ErrProgressive means a progressive DCT frame (SOF2, Annex G).
	ErrProgressive = fmt.Errorf("%w: progressive", ErrUnsupported)
	// ErrArithmetic means arithmetic entropy coding (SOF9..SOF15, DAC,
	// Annex F.1.4 and D).
	ErrArithmetic = fmt.Errorf("%w: arithmetic coding", ErrUnsupported)
	// ErrPrecision means a sample precision other than 8 bits (12-bit
	// extended sequential images need categories the standard tables lack).
	ErrPrecision = fmt.Errorf("%w: sample precision is not 8 bits", ErrUnsupported)
	// ErrMultiScan means more than one scan, or a scan that does not hold
	// every component of the frame (non-interleaved sequential images).
	ErrMultiScan = fmt.Errorf("%w: not a single scan of all components", ErrUnsupported)
	// ErrCorrupt means the marker segments or the entropy-coded data violate
	// ISO 10918-1 (bad lengths, invalid Huffman code, wrong restart marker,
	// data ending before the last MCU, a symbol baseline 8-bit coding
	// cannot produce, ...). Truncated input also wraps io.ErrUnexpectedEOF.
	ErrCorrupt = errors.New("jpegrecode: corrupt JPEG")
	// ErrMissingTable means the scan uses a Huffman or quantization table
	// that no DHT or DQT segment before it defines.
	ErrMissingTable = errors.New("jpegrecode: table not defined")
)
