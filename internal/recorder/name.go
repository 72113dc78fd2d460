package recorder

import (
	"strings"
	"time"
)

// Ext is the extension of a complete segment.
const Ext = ".mjpeg"

// partSuffix ends the temporary name of a segment being written.
const partSuffix = ".part"

// nameLayout is a segment's start time in UTC, to the millisecond, with '-'
// instead of ':' (which Windows and some file servers refuse). Names sort in
// time order.
const nameLayout = "2006-01-02T15-04-05.000Z"

// SegmentName is the file name of a segment whose first frame arrived at
// start, e.g. "2026-12-04T17-30-00.250Z.mjpeg".
func SegmentName(start time.Time) string {
	return start.UTC().Format(nameLayout) + Ext
}

// ParseSegmentName returns the start time a segment's file name (without
// folder) encodes; ok is false for any other name, including temporary
// ones.
func ParseSegmentName(name string) (start time.Time, ok bool) {
	base, found := strings.CutSuffix(name, Ext)
	if !found {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(nameLayout, base, time.UTC)
	if err != nil || t.Format(nameLayout) != base {
		return time.Time{}, false
	}
	return t, true
}

// partName is the temporary name of the segment whose final name is final.
func partName(final string) string { return "." + final + partSuffix }

// finalOfPart returns the final name of a temporary name, or "" when name
// is not one of ours.
func finalOfPart(name string) string {
	inner, ok := strings.CutPrefix(name, ".")
	if !ok {
		return ""
	}
	final, ok := strings.CutSuffix(inner, partSuffix)
	if !ok {
		return ""
	}
	if _, ok := ParseSegmentName(final); !ok {
		return ""
	}
	return final
}
