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

// TestBufferLines: Lines keeps the lines holding every substring, and
// WaitLine sees a line written while it waits.
func TestBufferLines(t *testing.T) {
	var b Buffer
	_, _ = b.Write([]byte("level=INFO msg=one\nlevel=WARN msg=two\n"))
	tests := []struct {
		subs []string
		want int
	}{
		{[]string{"level="}, 2},
		{[]string{"level=WARN", "two"}, 1},
		{[]string{"level=WARN", "one"}, 0},
		{nil, 3}, // with the empty unfinished line
	}
	for _, tc := range tests {
		if got := b.Lines(tc.subs...); len(got) != tc.want {
			t.Errorf("Lines(%q) = %q, want %d lines", tc.subs, got, tc.want)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = b.Write([]byte("level=INFO msg=three\n"))
	}()
	if l, ok := b.WaitLine(5*time.Second, "three"); !ok || l != "level=INFO msg=three" {
		t.Errorf("WaitLine = %q, %v", l, ok)
	}
	<-done
	if _, ok := b.WaitLine(10*time.Millisecond, "four"); ok {
		t.Error("WaitLine found a line never written")
	}
}
