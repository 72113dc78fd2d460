package recorder

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRetention: the oldest complete segments go first, by age (their last
// frame's time) and by total size (room kept for one more segment, the
// newest never deleted); other files are never touched.
func TestRetention(t *testing.T) {
	fs := frames(t, 1)
	size := int64(len(fs[0]))
	seg := func(i int) string { return SegmentName(t0.Add(time.Duration(i) * time.Minute)) }
	for _, tc := range []struct {
		name   string
		maxAge time.Duration
		maxB   int64
		now    time.Duration // after t0
		keep   []int         // segments 0..4 left after the fifth completes
	}{
		{"no limits", 0, 0, time.Hour, []int{0, 1, 2, 3, 4}},
		{"age", 150 * time.Second, 0, 4 * time.Minute, []int{2, 3, 4}},
		{"all too old but the new one", time.Minute, 0, 4 * time.Minute, []int{3, 4}},
		{"bytes", 0, 4 * size, 4 * time.Minute, []int{2, 3, 4}},
		{"bytes below one segment", 0, 1, 4 * time.Minute, []int{4}},
		{"both", 10 * time.Minute, 3 * size, 4 * time.Minute, []int{3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "keep.txt"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			now := t0
			w, err := NewWriter(Options{Dir: dir, MaxAge: tc.maxAge, MaxBytes: tc.maxB, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			// Four old segments without limits in force, then the fifth.
			lim := w.opt
			w.opt.MaxAge, w.opt.MaxBytes = 0, 0
			for i := range 4 {
				write(t, w, fs, time.Duration(i)*time.Minute)
				if err := w.CloseSegment(); err != nil {
					t.Fatal(err)
				}
			}
			w.opt = lim
			now = t0.Add(tc.now)
			write(t, w, fs, 4*time.Minute)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			want := []string{}
			for _, i := range tc.keep {
				want = append(want, seg(i))
			}
			want = append(want, "keep.txt")
			if got := dirNames(t, dir); !slices.Equal(got, want) {
				t.Fatalf("left %q, want %q", got, want)
			}
			if st := w.Stats(); st.Deleted != uint64(5-len(tc.keep)) {
				t.Errorf("deleted %d, want %d", st.Deleted, 5-len(tc.keep))
			}
		})
	}
}
