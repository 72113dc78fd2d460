package testenv

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// Buffer is an io.Writer that tests read while something else writes it:
// a logger's handler, a child process's stdout or stderr. The zero value
// is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Lines returns the lines written so far that contain every one of subs
// (all of them, the last one possibly unfinished, when subs is empty).
func (b *Buffer) Lines(subs ...string) []string {
	var out []string
next:
	for _, l := range strings.Split(b.String(), "\n") {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// WaitLine waits up to d (see Poll) for a line that contains every one of
// subs and returns the first such line, or false when none came.
func (b *Buffer) WaitLine(d time.Duration, subs ...string) (string, bool) {
	var line string
	ok := Poll(d, func() bool {
		if ls := b.Lines(subs...); len(ls) > 0 {
			line = ls[0]
			return true
		}
		return false
	})
	return line, ok
}
