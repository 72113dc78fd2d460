package testenv

import (
	"testing"
	"time"
)

// Back-off of Poll between calls of its condition: from pollFirst, doubling
// up to pollMax. Short at first, so that a condition that holds soon is
// seen soon; longer later, so that a slow wait on a loaded machine does not
// spin.
const (
	pollFirst = 50 * time.Microsecond
	pollMax   = 20 * time.Millisecond
)

// Poll calls cond until it returns true or timeout has passed, and reports
// whether it held. It is for facts that have no event to wait on (a
// counter, a peer's state, a file a child process writes); the wait is
// bounded by timeout and cond is called once more at the deadline. Poll
// allocates nothing itself, so it may run inside testing.AllocsPerRun, and
// it may be called from any goroutine.
func Poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	pause := pollFirst
	for {
		if cond() {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		time.Sleep(min(pause, left)) // the back-off of a bounded poll, not synchronisation
		pause = min(2*pause, pollMax)
	}
}

// WaitFor waits up to timeout for cond to hold (see Poll) and fails the
// test with what it waited for otherwise. Like tb.Fatal, call it from the
// test's goroutine; elsewhere use Poll and report the failure.
func WaitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	if !Poll(timeout, cond) {
		tb.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}
