package mjpeg

import (
	"bytes"
	"fmt"
	"strings"
)

// Format is the layout of a frame source.
type Format int

// Frame source formats.
const (
	// FormatRaw is raw concatenated JPEG (ffmpeg -f mjpeg): each frame
	// starts with SOI and ends with EOI, nothing in between. Frames are split
	// by walking marker segments, never by searching for FF D9 FF D8.
	FormatRaw Format = iota
	// FormatLab is the lab format: per frame five ASCII decimal digits, zero
	// padded, with the JPEG's length, then the JPEG. At most 99999 bytes a
	// frame.
	FormatLab
	// FormatDir is a directory of .jpg/.jpeg files, one frame each, in name
	// order. It is read, never written.
	FormatDir
	// FormatPattern marks a Video rendered from the built-in test pattern
	// ([PatternVideo]).
	FormatPattern
)

// LabMaxFrame is the largest frame the lab format can hold: its length
// header is five decimal digits.
const LabMaxFrame = 99999

// labHeaderLen is the size of a lab frame's length header.
const labHeaderLen = 5

// DetectLen is how many leading bytes [Detect] needs to decide (five length
// digits plus the SOI marker).
const DetectLen = labHeaderLen + 2

// String returns "raw", "lab", "dir" or "pattern".
func (f Format) String() string {
	switch f {
	case FormatRaw:
		return "raw"
	case FormatLab:
		return "lab"
	case FormatDir:
		return "dir"
	case FormatPattern:
		return "pattern"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat parses a --format flag value: "lab" or "raw" (the formats that
// can be written).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "raw", "mjpeg":
		return FormatRaw, nil
	case "lab":
		return FormatLab, nil
	}
	return 0, fmt.Errorf("unknown format %q (want lab or raw)", s)
}

// Detect tells the format of a frame file from its first bytes (at least
// [DetectLen] of them, fewer only if the file is that short): five ASCII
// digits followed by FF D8 is the lab format, FF D8 at the start is raw
// JPEG. Anything else is an error wrapping [ErrUnknownFormat] that names
// what was found (a PNG, an AVI, an rtpdump, text...).
func Detect(head []byte) (Format, error) {
	switch {
	case len(head) == 0:
		return 0, fmt.Errorf("%w: empty input", ErrUnknownFormat)
	case len(head) >= 2 && head[0] == 0xFF && head[1] == 0xD8:
		return FormatRaw, nil
	}
	digits := 0
	for digits < len(head) && digits < labHeaderLen && head[digits] >= '0' && head[digits] <= '9' {
		digits++
	}
	if digits == labHeaderLen {
		if len(head) >= DetectLen && head[5] == 0xFF && head[6] == 0xD8 {
			return FormatLab, nil
		}
		if len(head) < DetectLen {
			return 0, fmt.Errorf("%w: lab length header %q but only %d bytes in the file", ErrUnknownFormat, head[:5], len(head))
		}
		return 0, fmt.Errorf("%w: lab length header %q not followed by a JPEG SOI (FF D8) but by % x", ErrUnknownFormat, head[:5], head[5:7])
	}
	if len(head) < 2 && head[0] == 0xFF {
		return 0, fmt.Errorf("%w: 1-byte file", ErrUnknownFormat)
	}
	return 0, fmt.Errorf("%w: %s", ErrUnknownFormat, describe(head))
}

// magics names common files people point a frame-file tool at by mistake.
var magics = []struct {
	prefix string
	name   string
}{
	{"\x89PNG", "a PNG image"},
	{"GIF8", "a GIF image"},
	{"RIFF", "a RIFF (AVI/WAV) container"},
	{"\x1a\x45\xdf\xa3", "a Matroska/WebM container"},
	{"#!rtpplay", "an rtpdump capture"},
	{"RTSP/", "an RTSP message"},
	{"\x00\x00\x01\xba", "an MPEG program stream"},
	{"\x1f\x8b", "gzip data"},
	{"PK\x03\x04", "a zip archive"},
}

// describe renders the first bytes of an unrecognised file for an error.
func describe(head []byte) string {
	h := head
	if len(h) > 8 {
		h = h[:8]
	}
	what := ""
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			what = m.name + ", "
			break
		}
	}
	if what == "" && len(head) >= 8 && string(head[4:8]) == "ftyp" {
		what = "an MP4/QuickTime container, "
	}
	return fmt.Sprintf("%sstarts with % x (%q); want a JPEG (FF D8) or a lab length header (5 digits, then FF D8)", what, h, h)
}
