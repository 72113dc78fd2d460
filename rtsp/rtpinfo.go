package rtsp

import (
	"fmt"
	"strconv"
	"strings"
)

// RTPInfo is an RTP-Info header value (RFC 2326 §12.33): one entry per
// stream, telling the client the sequence number and RTP timestamp that
// correspond to the start of the PLAY range.
type RTPInfo []RTPInfoEntry

// RTPInfoEntry is one stream of an RTP-Info header:
// "url=rtsp://h/test/stream=0;seq=N;rtptime=T".
type RTPInfoEntry struct {
	URL        string
	Seq        uint16
	HasSeq     bool
	RTPTime    uint32
	HasRTPTime bool
}

// ParseRTPInfo parses an RTP-Info header value. Entries are separated by
// commas, parameters by semicolons; the url may be quoted; unknown
// parameters (ssrc) are ignored; every entry needs a url.
func ParseRTPInfo(s string) (RTPInfo, error) {
	var info RTPInfo
	for _, ent := range splitOutsideQuotes(s, ',') {
		if trimOWS(ent) == "" {
			continue
		}
		var e RTPInfoEntry
		hasURL := false
		for _, p := range splitOutsideQuotes(ent, ';') {
			k, v, _ := strings.Cut(p, "=")
			k, v = strings.ToLower(trimOWS(k)), trimOWS(v)
			switch k {
			case "url":
				var ok bool
				if e.URL, ok = unquoteSimple(v); !ok || e.URL == "" {
					return nil, fmt.Errorf("%w: RTP-Info url %q", ErrBadHeader, v)
				}
				hasURL = true
			case "seq":
				n, ok := parseDigits(v, 5)
				if !ok || n > 0xFFFF {
					return nil, fmt.Errorf("%w: RTP-Info seq %q", ErrBadHeader, v)
				}
				e.Seq, e.HasSeq = uint16(n), true
			case "rtptime":
				n, ok := parseDigits(v, 10)
				if !ok || n > 0xFFFFFFFF {
					return nil, fmt.Errorf("%w: RTP-Info rtptime %q", ErrBadHeader, v)
				}
				e.RTPTime, e.HasRTPTime = uint32(n), true
			}
		}
		if !hasURL {
			return nil, fmt.Errorf("%w: RTP-Info entry without url: %q", ErrBadHeader, ent)
		}
		info = append(info, e)
	}
	if len(info) == 0 {
		return nil, fmt.Errorf("%w: empty RTP-Info", ErrBadHeader)
	}
	return info, nil
}

// String formats the entry as "url=U;seq=N;rtptime=T" (absent parts left
// out). A URL containing ',' or ';' is quoted.
func (e RTPInfoEntry) String() string {
	b := make([]byte, 0, 64)
	b = append(b, "url="...)
	if needsListQuotes(e.URL) {
		b = appendInQuotes(b, e.URL)
	} else {
		b = append(b, e.URL...)
	}
	if e.HasSeq {
		b = append(b, ";seq="...)
		b = strconv.AppendUint(b, uint64(e.Seq), 10)
	}
	if e.HasRTPTime {
		b = append(b, ";rtptime="...)
		b = strconv.AppendUint(b, uint64(e.RTPTime), 10)
	}
	return string(b)
}

// String formats the header value, entries separated by ",".
func (info RTPInfo) String() string {
	s := make([]string, len(info))
	for i, e := range info {
		s[i] = e.String()
	}
	return strings.Join(s, ",")
}
