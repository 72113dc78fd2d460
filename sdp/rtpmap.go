package sdp

import (
	"strconv"
	"strings"
)

// Encoding returns the encoding name and clock rate of payload type pt: from
// its a=rtpmap line ("JPEG/90000"), or, when there is none, from the static
// assignments of RFC 3551 §6 (ffmpeg's SDP for JPEG carries no rtpmap for
// the static type 26). ok is false if neither gives a usable answer.
func (m *Media) Encoding(pt int) (name string, clockRate int, ok bool) {
	if v, found := m.RTPMap[pt]; found {
		name, rest, _ := strings.Cut(v, "/")
		rate, _, _ := strings.Cut(rest, "/")
		r, err := strconv.Atoi(rate)
		if name == "" || err != nil || r <= 0 {
			return "", 0, false
		}
		return name, r, true
	}
	return staticEncoding(pt)
}

// staticEncoding is the RFC 3551 §6 table of static payload types (Tables 4
// and 5), the ones still met in practice.
func staticEncoding(pt int) (string, int, bool) {
	switch pt {
	case 0:
		return "PCMU", 8000, true
	case 3:
		return "GSM", 8000, true
	case 8:
		return "PCMA", 8000, true
	case 14:
		return "MPA", 90000, true
	case 26:
		return "JPEG", 90000, true
	case 31:
		return "H261", 90000, true
	case 32:
		return "MPV", 90000, true
	case 33:
		return "MP2T", 90000, true
	case 34:
		return "H263", 90000, true
	}
	return "", 0, false
}
