package server

import (
	"testing"
	"time"
)

// TestTimeline: one source's steps are kept, a new source or a jump is
// bridged by the wall clock, sources without timestamps follow the wall
// clock, and the timeline never goes back.
func TestTimeline(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	type step struct {
		src    uint32
		hasSrc bool
		epoch  uint64
		at     time.Time
		want   uint32
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"source steps kept", []step{
			{5000, true, 1, ms(0), 0}, {8000, true, 1, ms(40), 3000}, {11003, true, 1, ms(70), 6003},
		}},
		{"wrap of the source's timestamp", []step{
			{0xFFFFF000, true, 1, ms(0), 0}, {0x00000BB8 - 0x1000 + 0x1000, true, 1, ms(33), 0x1000 + 0xBB8},
		}},
		{"new source: wall clock", []step{
			{5000, true, 1, ms(0), 0}, {123456, true, 2, ms(500), 45000}, {126456, true, 2, ms(533), 48000},
		}},
		{"jump and step back: wall clock", []step{
			{5000, true, 1, ms(0), 0}, {5000 + 20*90000, true, 1, ms(100), 9000}, {1000, true, 1, ms(200), 18000},
		}},
		{"no source timestamps", []step{
			{0, false, 1, ms(0), 0}, {0, false, 1, ms(40), 3600}, {0, false, 1, ms(40), 3601},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tl timeline
			for i, s := range tc.steps {
				if got := tl.next(s.src, s.hasSrc, s.epoch, s.at); got != s.want {
					t.Fatalf("step %d: %d, want %d", i, got, s.want)
				}
			}
			last := tc.steps[len(tc.steps)-1]
			if got := tl.at(last.at.Add(time.Second)); got != last.want+90000 {
				t.Errorf("at(+1 s) = %d, want %d", got, last.want+90000)
			}
		})
	}
}
