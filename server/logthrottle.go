package server

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// floodLogInterval is how often a flood of like events (refused or
// evicted connections) is summed up in one log line.
const floodLogInterval = 10 * time.Second

// logThrottle logs the first of a run of like events at once, then counts
// the ones that follow and logs their number once per interval: a
// reconnect flood of thousands of refusals a second costs a line every
// interval instead of one per connection. The summary of a run still
// counting is logged by a timer when the interval ends, or by stop.
type logThrottle struct {
	log      *slog.Logger
	level    slog.Level
	summary  string // message of the count line
	interval time.Duration

	mu sync.Mutex
	// quietUntil ends the interval in which events are only counted.
	quietUntil time.Time
	// count is the events counted since the last line.
	count uint64
	// timer logs the count when the interval ends (nil: none pending).
	timer   *time.Timer
	stopped bool
}

func newLogThrottle(log *slog.Logger, level slog.Level, summary string, interval time.Duration) *logThrottle {
	return &logThrottle{log: log, level: level, summary: summary, interval: interval}
}

// note records one event at now: logged as msg with args if no interval
// is running, else counted.
func (t *logThrottle) note(now time.Time, msg string, args ...any) {
	t.mu.Lock()
	if t.count == 0 && !now.Before(t.quietUntil) {
		t.quietUntil = now.Add(t.interval)
		t.mu.Unlock()
		t.log.Log(context.Background(), t.level, msg, args...)
		return
	}
	t.count++
	if t.timer == nil && !t.stopped {
		t.timer = time.AfterFunc(max(t.quietUntil.Sub(now), 0), t.flush)
	}
	t.mu.Unlock()
}

// flush logs the events counted so far, if any, and starts a new quiet
// interval after them.
func (t *logThrottle) flush() {
	t.mu.Lock()
	t.timer = nil
	n := t.count
	t.count = 0
	if n > 0 {
		t.quietUntil = time.Now().Add(t.interval)
	}
	t.mu.Unlock()
	t.logCount(n)
}

// stop cancels the pending timer and logs what is still counted; later
// events are still logged or counted, but only a later stop logs the count.
func (t *logThrottle) stop() {
	t.mu.Lock()
	t.stopped = true
	if t.timer != nil && !t.timer.Stop() {
		// The timer fired: its flush logs the count.
		t.mu.Unlock()
		return
	}
	t.timer = nil
	n := t.count
	t.count = 0
	t.mu.Unlock()
	t.logCount(n)
}

func (t *logThrottle) logCount(n uint64) {
	if n > 0 {
		t.log.Log(context.Background(), t.level, t.summary, "count", n, "interval", t.interval)
	}
}
