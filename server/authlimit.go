package server

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// AuthThrottle slows down password guessing: after FreeFailures wrong
// credentials from one address, that address's credentials are checked at
// most once per delay, a delay that starts at Delay and doubles with each
// further failure up to MaxDelay. Other addresses are not slowed down. The
// zero value takes the defaults below; with them 200 wrong passwords from
// one address take over three minutes (the first 3 at once, then 0.1,
// 0.2, 0.4, 0.8 s, then one a second).
type AuthThrottle struct {
	// FreeFailures is how many failures from an address are answered at
	// once. Default 3.
	FreeFailures int
	// Delay is the first delay, after FreeFailures failures. Default 100 ms.
	Delay time.Duration
	// MaxDelay caps the delay. Default 1 s.
	MaxDelay time.Duration
	// MaxWait bounds how long one attempt waits for its turn: an address
	// with that much already queued (parallel attempts) is answered at once
	// without its credentials being checked (RTSP 503, HTTP 429, with
	// Retry-After). Default 10 s.
	MaxWait time.Duration
	// Forget is how long after its last failure an address is forgotten.
	// Default 10 min.
	Forget time.Duration
	// MaxAddresses bounds how many addresses are remembered; the least
	// recently failed is forgotten first. Default 10,000 (about 1.5 MB).
	MaxAddresses int
	// LogInterval is how often a flood of failures is summed up in one log
	// line ("N more failed logins from M addresses"); the first failure
	// after a quiet interval is logged on its own. Default 10 s.
	LogInterval time.Duration
}

func (t AuthThrottle) withDefaults() AuthThrottle {
	if t.FreeFailures <= 0 {
		t.FreeFailures = 3
	}
	if t.Delay <= 0 {
		t.Delay = 100 * time.Millisecond
	}
	if t.MaxDelay <= 0 {
		t.MaxDelay = time.Second
	}
	t.MaxDelay = max(t.MaxDelay, t.Delay)
	if t.MaxWait <= 0 {
		t.MaxWait = 10 * time.Second
	}
	if t.Forget <= 0 {
		t.Forget = 10 * time.Minute
	}
	if t.MaxAddresses <= 0 {
		t.MaxAddresses = 10_000
	}
	if t.LogInterval <= 0 {
		t.LogInterval = 10 * time.Second
	}
	return t
}

// authLimiter keeps the failures of the addresses that recently gave wrong
// credentials, in a size-capped LRU map whose entries expire; its lock is
// held only for map updates, never while an attempt waits (the waiting is
// done by the connection's or HTTP request's own goroutine, in waitTurn).
type authLimiter struct {
	cfg AuthThrottle
	log *slog.Logger

	mu    sync.Mutex
	addrs map[netip.Addr]*list.Element // of *addrFailures
	lru   list.List                    // most recent failure at the front

	// Flood logging: failures after the first within quietUntil are counted
	// in more (from moreAddrs addresses, told apart by epoch) and logged by
	// flush, which timer runs at the end of the interval.
	quietUntil time.Time
	more       int
	moreAddrs  int
	epoch      uint64
	timer      *time.Timer
	stopped    bool
}

// addrFailures is what the limiter remembers of one address.
type addrFailures struct {
	addr     netip.Addr
	failures int
	// next is the earliest time the address's next credentials are checked.
	next time.Time
	// last is the time of the latest failure (for Forget).
	last time.Time
	// epoch is the log interval in which the address was last counted.
	epoch uint64
}

func newAuthLimiter(cfg AuthThrottle, log *slog.Logger) *authLimiter {
	return &authLimiter{cfg: cfg.withDefaults(), log: log, addrs: make(map[netip.Addr]*list.Element)}
}

// throttleKey is what failures are counted against: the IPv4 address, or
// the IPv6 /64 (one host usually owns a whole /64).
func throttleKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}

// lookup returns the address's live entry (nil if none or expired).
func (l *authLimiter) lookup(key netip.Addr, now time.Time) *list.Element {
	e := l.addrs[key]
	if e == nil {
		return nil
	}
	if now.Sub(e.Value.(*addrFailures).last) > l.cfg.Forget {
		l.lru.Remove(e)
		delete(l.addrs, key)
		return nil
	}
	return e
}

// step is the delay after n failures (n >= FreeFailures): Delay, doubled
// for each failure beyond FreeFailures, at most MaxDelay.
func (l *authLimiter) step(n int) time.Duration {
	d := l.cfg.Delay
	for i := l.cfg.FreeFailures; i < n && d < l.cfg.MaxDelay; i++ {
		d *= 2
	}
	return min(d, l.cfg.MaxDelay)
}

// turn reserves the address's next turn to have credentials checked and
// returns how long to wait for it; ok is false (and nothing is reserved)
// when the address already has MaxWait of attempts queued.
func (l *authLimiter) turn(addr netip.Addr, now time.Time) (wait time.Duration, ok bool) {
	key := throttleKey(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.lookup(key, now)
	if e == nil {
		return 0, true
	}
	f := e.Value.(*addrFailures)
	if f.failures < l.cfg.FreeFailures {
		return 0, true
	}
	slot := now
	if f.next.After(now) {
		slot = f.next
	}
	if wait = slot.Sub(now); wait > l.cfg.MaxWait {
		return wait, false
	}
	f.next = slot.Add(l.step(f.failures))
	return wait, true
}

// failed counts wrong credentials from addr and logs them (the first of a
// flood on its own line with attrs, the rest summed up per LogInterval).
func (l *authLimiter) failed(addr netip.Addr, now time.Time, attrs ...any) {
	key := throttleKey(addr)
	l.mu.Lock()
	e := l.lookup(key, now)
	if e == nil {
		for l.lru.Len() >= l.cfg.MaxAddresses {
			old := l.lru.Back()
			delete(l.addrs, old.Value.(*addrFailures).addr)
			l.lru.Remove(old)
		}
		e = l.lru.PushFront(&addrFailures{addr: key})
		l.addrs[key] = e
	} else {
		l.lru.MoveToFront(e)
	}
	f := e.Value.(*addrFailures)
	f.failures++
	f.last = now
	if f.failures >= l.cfg.FreeFailures {
		f.next = maxTime(f.next, now.Add(l.step(f.failures)))
	}
	logFirst := !now.Before(l.quietUntil)
	if logFirst {
		l.quietUntil = now.Add(l.cfg.LogInterval)
		l.epoch++
	} else {
		l.more++
		if f.epoch != l.epoch {
			f.epoch = l.epoch
			l.moreAddrs++
		}
		if l.timer == nil && !l.stopped {
			l.timer = time.AfterFunc(l.quietUntil.Sub(now), l.flush)
		}
	}
	n := f.failures
	l.mu.Unlock()
	if logFirst {
		l.log.Warn("authentication failed", append(attrs, "failures", n)...)
	}
}

// succeeded forgets the address's failures: right credentials end its
// slow-down (a user who mistyped is not slowed down once in).
func (l *authLimiter) succeeded(addr netip.Addr) {
	key := throttleKey(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.addrs[key]; e != nil {
		l.lru.Remove(e)
		delete(l.addrs, key)
	}
}

// flush logs the failures counted since the last line, and starts a new
// interval so that a flood still going on gets one line per interval.
func (l *authLimiter) flush() {
	l.mu.Lock()
	l.timer = nil
	more, addrs := l.more, l.moreAddrs
	l.more, l.moreAddrs = 0, 0
	if more > 0 && !l.stopped {
		l.quietUntil = time.Now().Add(l.cfg.LogInterval)
		l.epoch++
	}
	l.mu.Unlock()
	if more > 0 {
		l.log.Warn(fmt.Sprintf("%d more failed logins from %d addresses", more, addrs))
	}
}

// stop logs what is still counted and stops the flood timer (server
// shutdown); later failures are still counted and logged by a new
// interval's first line only.
func (l *authLimiter) stop() {
	l.mu.Lock()
	l.stopped = true
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	l.flush()
}

// addresses reports how many addresses are remembered (tests).
func (l *authLimiter) addresses() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.addrs)
}

// waitTurn waits for addr's turn to have its credentials checked, in the
// caller's goroutine; it returns false, without waiting, when the address
// has too many attempts queued or ctx ends first. retryAfter is then how
// long the address should wait.
func (l *authLimiter) waitTurn(ctx context.Context, addr netip.Addr) (ok bool, retryAfter time.Duration) {
	wait, ok := l.turn(addr, time.Now())
	if !ok {
		return false, wait
	}
	if wait <= 0 {
		return true, 0
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true, 0
	case <-ctx.Done():
		return false, 0
	}
}

// retryAfter is a Retry-After value (RFC 2326 12.31, RFC 9110 10.2.3):
// whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
