package mjpeg

import (
	"errors"
	"fmt"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/jpegrecode"
)

// Conversion says what MakeCarriable did to a frame.
type Conversion int

const (
	// Unchanged means the frame was already carriable and is returned as
	// is.
	Unchanged Conversion = iota
	// Recoded means only the Huffman tables were wrong (optimized tables,
	// or non-standard table selectors): the entropy-coded data was re-coded
	// losslessly with the Annex K.3 tables (see package jpegrecode), so the
	// frame decodes to exactly the same pixels.
	Recoded
	// Transcoded means the frame was decoded and re-encoded (4:4:4,
	// progressive, grayscale, too large, ...): lossy.
	Transcoded
)

// String returns "unchanged", "recoded" or "transcoded".
func (c Conversion) String() string {
	switch c {
	case Unchanged:
		return "unchanged"
	case Recoded:
		return "recoded"
	case Transcoded:
		return "transcoded"
	}
	return fmt.Sprintf("Conversion(%d)", int(c))
}

// MakeCarriable returns frame in a form RFC 2435 can carry, and what it did
// to it. It is the one converter for files (see [Prepare]) and live sources.
//
// A frame that jpeghdr's [jpeghdr.Info.RFC2435] accepts is returned as is
// (frame[:length of the image], not copied). A frame whose only problem is
// its Huffman tables (RFC 2435 Appendix B: receivers rebuild the headers
// with the Annex K.3 tables) is re-coded losslessly with
// [jpegrecode.Recode]. Any other frame, or one Recode fails on, is
// transcoded with [Transcode] at the given quality (1..100; 0 means
// DefaultQuality) with fit: scaled down to at most 2040x2040 and padded to a
// multiple of 8, so a transcoded frame can differ in size from the source
// while unchanged and re-coded frames keep theirs. The result is checked to
// be carriable. Errors wrap the jpeghdr error for a frame that does not
// parse, or the decoder's error for one that cannot be transcoded.
func MakeCarriable(frame []byte, quality int) ([]byte, Conversion, error) {
	info, err := jpeghdr.Parse(frame)
	if err != nil {
		return nil, Unchanged, err
	}
	_, err = info.RFC2435()
	if err == nil {
		return frame[:info.Length:info.Length], Unchanged, nil
	}
	reason := err.Error()
	if nc := (*jpeghdr.NotCarriableError)(nil); errors.As(err, &nc) {
		reason = nc.Reason
	}
	out, conv, _, err := convert(frame, info, reason, quality, true)
	return out, conv, err
}

// convert makes frame, which info describes and RFC 2435 cannot carry for
// the given reason, carriable: by re-coding when only its Huffman tables are
// wrong (and, with fit, its size needs no fitting), else by transcoding. It
// also returns the description of the result.
func convert(frame []byte, info *jpeghdr.Info, reason string, quality int, fit bool) ([]byte, Conversion, *jpeghdr.Info, error) {
	if _, err := info.RFC2435IgnoringHuffman(); err == nil && !(fit && needsFit(info.Width, info.Height)) {
		out, err := jpegrecode.Recode(make([]byte, 0, info.Length+info.Length/8+jpeghdr.StdDHTLen+64), frame)
		if err == nil {
			if oi, err := carriableInfo(out); err == nil {
				return out, Recoded, oi, nil
			}
		}
		// Recode refuses what it cannot do exactly (e.g. corrupt data
		// the decoder below may still conceal); transcode instead.
	}
	t, err := Transcode(frame, quality, fit)
	if err != nil {
		return nil, Transcoded, nil, fmt.Errorf("cannot transcode (%s): %w", reason, err)
	}
	ti, err := carriableInfo(t)
	if err != nil {
		// image/jpeg always writes baseline 4:2:0 with the Annex K
		// tables; this guards the invariant that the result is
		// carriable.
		return nil, Transcoded, nil, fmt.Errorf("transcoded frame still not carriable (%s): %w", reason, err)
	}
	return t, Transcoded, ti, nil
}

// carriableInfo parses b and checks that RFC 2435 can carry it.
func carriableInfo(b []byte) (*jpeghdr.Info, error) {
	info, err := jpeghdr.Parse(b)
	if err != nil {
		return nil, err
	}
	if _, err := info.RFC2435(); err != nil {
		return nil, err
	}
	return info, nil
}
