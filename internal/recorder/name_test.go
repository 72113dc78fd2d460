package recorder

import (
	"testing"
	"time"
)

func TestSegmentName(t *testing.T) {
	if got, want := SegmentName(t0), "2026-12-04T17-30-00.250Z.mjpeg"; got != want {
		t.Fatalf("SegmentName = %q, want %q", got, want)
	}
	local := t0.In(time.FixedZone("X", 3600))
	if SegmentName(local) != SegmentName(t0) {
		t.Fatalf("the name depends on the zone: %q", SegmentName(local))
	}
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"2026-12-04T17-30-00.250Z.mjpeg", true},
		{"2026-12-04T17-30-00.000Z.mjpeg", true},
		{"2026-12-04T17-30-00Z.mjpeg", false},
		{"2026-12-04T17-30-00.25Z.mjpeg", false},
		{"2026-12-04T17-30-00.250Z.mjpg", false},
		{".2026-12-04T17-30-00.250Z.mjpeg.part", false},
		{"2026-13-04T17-30-00.250Z.mjpeg", false},
		{"movie.mjpeg", false},
		{"", false},
	} {
		start, ok := ParseSegmentName(tc.name)
		if ok != tc.ok || ok && !start.Equal(t0.Truncate(time.Second).Add(time.Duration(start.Nanosecond()))) {
			t.Errorf("ParseSegmentName(%q) = %v, %v; want ok %v", tc.name, start, ok, tc.ok)
		}
	}
	if got, _ := ParseSegmentName(SegmentName(t0)); !got.Equal(t0) {
		t.Errorf("round trip: %v, want %v", got, t0)
	}
	for _, tc := range []struct{ in, want string }{
		{".2026-12-04T17-30-00.250Z.mjpeg.part", "2026-12-04T17-30-00.250Z.mjpeg"},
		{"2026-12-04T17-30-00.250Z.mjpeg.part", ""},
		{".movie.mjpeg.part", ""},
		{".2026-12-04T17-30-00.250Z.mjpeg", ""},
	} {
		if got := finalOfPart(tc.in); got != tc.want {
			t.Errorf("finalOfPart(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
