package mjpeg

import (
	"strconv"
	"strings"
)

// rateComment starts the JPEG comment (COM) segment that declares a
// file's frame rate: "rtpstream fps=30". Raw and lab files have no field
// for it; a player reading the file ignores comments, and RFC 2435 does
// not carry them.
const rateComment = "rtpstream fps="

// WithRate returns frame with a COM segment declaring fps inserted right
// after its SOI marker (`rtpstream gen` writes it into every frame, so a
// server plays the file at the rate it was made for). A frame that does
// not start with SOI is returned unchanged.
func WithRate(frame []byte, fps float64) []byte {
	if len(frame) < 2 || frame[0] != 0xFF || frame[1] != 0xD8 {
		return frame
	}
	text := rateComment + strconv.FormatFloat(fps, 'f', -1, 64)
	n := len(text) + 2
	out := make([]byte, 0, len(frame)+2+n)
	out = append(out, 0xFF, 0xD8, 0xFF, 0xFE, byte(n>>8), byte(n))
	out = append(out, text...)
	return append(out, frame[2:]...)
}

// RateOf returns the frame rate a frame declares in a COM segment written
// by WithRate, looking only at the segments before the first scan; ok is
// false when it declares none (or a rate outside (0, 1000]).
func RateOf(frame []byte) (fps float64, ok bool) {
	if len(frame) < 4 || frame[0] != 0xFF || frame[1] != 0xD8 {
		return 0, false
	}
	for p := 2; p+4 <= len(frame); {
		if frame[p] != 0xFF {
			return 0, false
		}
		m := frame[p+1]
		if m == 0xFF { // fill byte
			p++
			continue
		}
		if m == 0xDA || m == 0xD9 { // SOS, EOI: no more headers
			return 0, false
		}
		n := int(frame[p+2])<<8 | int(frame[p+3])
		if n < 2 || p+2+n > len(frame) {
			return 0, false
		}
		if m == 0xFE {
			if v, found := strings.CutPrefix(string(frame[p+4:p+2+n]), rateComment); found {
				f, err := strconv.ParseFloat(v, 64)
				if err == nil && f > 0 && f <= 1000 {
					return f, true
				}
			}
		}
		p += 2 + n
	}
	return 0, false
}
