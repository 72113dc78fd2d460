package testenv

import (
	"testing"
	"time"
)

// TestPoll: Poll returns as soon as the condition holds, and false after
// the timeout when it never does, having called it at the deadline too.
func TestPoll(t *testing.T) {
	tests := []struct {
		name      string
		holdsFrom int // the call from which cond holds; 0: never
		timeout   time.Duration
		want      bool
	}{
		{"at once", 1, time.Second, true},
		{"after some calls", 5, 10 * time.Second, true},
		{"never", 0, 20 * time.Millisecond, false},
		{"no time left", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			start := time.Now()
			got := Poll(tc.timeout, func() bool {
				calls++
				return tc.holdsFrom > 0 && calls >= tc.holdsFrom
			})
			took := time.Since(start)
			if got != tc.want {
				t.Fatalf("Poll = %v after %d calls, want %v", got, calls, tc.want)
			}
			if tc.want && calls != tc.holdsFrom {
				t.Errorf("%d calls, want %d", calls, tc.holdsFrom)
			}
			if !tc.want && took < tc.timeout {
				t.Errorf("gave up after %v, before the %v timeout", took, tc.timeout)
			}
			if calls < 1 {
				t.Error("cond never called")
			}
		})
	}
}

// TestPollAllocs: Poll allocates nothing (tests call it inside
// testing.AllocsPerRun).
func TestPollAllocs(t *testing.T) {
	n := 0
	if a := testing.AllocsPerRun(20, func() { Poll(time.Second, func() bool { n++; return n%3 == 0 }) }); a != 0 {
		t.Errorf("%v allocations per Poll", a)
	}
}
