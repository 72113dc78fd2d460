package recorder

import (
	"os"
	"sort"
	"time"
)

// Segment is one segment file of a recording folder.
type Segment struct {
	// Name is the file name in the folder (the temporary name for the
	// segment being written).
	Name string
	// Start is when its first frame arrived (from the name).
	Start time.Time
	// Open is true for the segment being written: it plays up to its last
	// complete frame.
	Open bool
}

// List lists a recording folder's segments in time order, complete ones
// and those being written (a recorder writes one at a time; after a crash
// a leftover is recovered when recording starts again). Files that are not
// segments are left out.
func List(dir string) ([]Segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Segment
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		if t, ok := ParseSegmentName(name); ok {
			out = append(out, Segment{Name: name, Start: t})
		} else if final := finalOfPart(name); final != "" {
			t, _ := ParseSegmentName(final)
			out = append(out, Segment{Name: name, Start: t, Open: true})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}
