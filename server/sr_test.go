package server

import (
	"testing"
	"time"
)

// TestSRDue checks the sender-report schedule: the first report at once,
// then one per srInterval boundary of the wall clock, so that sessions that
// started at different times report in the same tick.
func TestSRDue(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // a multiple of srInterval
	for _, c := range []struct {
		last, now time.Duration // after base; last < 0 means never
		want      bool
	}{
		{-1, 0, true},
		{-1, 3 * time.Second, true},
		{time.Second, 2 * time.Second, false},
		{time.Second, srInterval - time.Millisecond, false},
		{time.Second, srInterval, true},
		{srInterval - 10*time.Millisecond, srInterval + 20*time.Millisecond, true},
		{srInterval, srInterval + 33*time.Millisecond, false},
		{srInterval + time.Second, 2*srInterval - time.Millisecond, false},
		{srInterval + time.Second, 2 * srInterval, true},
	} {
		var last time.Time
		if c.last >= 0 {
			last = base.Add(c.last)
		}
		if got := srDue(last, base.Add(c.now)); got != c.want {
			t.Errorf("srDue(last %v, now %v) = %v, want %v", c.last, c.now, got, c.want)
		}
	}
	// Two sessions that started 1.7 s apart report in the same tick.
	a, b := base.Add(100*time.Millisecond), base.Add(1800*time.Millisecond)
	for now := base.Add(2 * time.Second); now.Before(base.Add(3 * srInterval)); now = now.Add(33 * time.Millisecond) {
		da, db := srDue(a, now), srDue(b, now)
		if da != db {
			t.Fatalf("at %v one session reports and the other does not", now.Sub(base))
		}
		if da {
			a, b = now, now
		}
	}
}
