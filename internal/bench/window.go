package bench

import (
	"context"
	"sync"
	"time"
)

// startEach runs start(i) for every i in [0, n), at most
// cfg.MaxSetupConcurrency at once, their starts spread over cfg.Ramp, and
// returns their errors; the ones not started because ctx ended get
// ctx.Err().
func startEach(ctx context.Context, cfg *Config, n int, start func(i int) error) []error {
	t0 := time.Now()
	errs := make([]error, n)
	sem := make(chan struct{}, cfg.MaxSetupConcurrency)
	var wg sync.WaitGroup
	for i := range n {
		if cfg.Ramp > 0 {
			sleep(ctx, time.Until(t0.Add(cfg.Ramp*time.Duration(i)/time.Duration(n))))
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			for j := i; j < n; j++ {
				errs[j] = ctx.Err()
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = start(i)
		}()
	}
	wg.Wait()
	return errs
}

// started returns the items whose start succeeded and counts the others
// in res (SetupErrors, FirstError, ClientsPlaying).
func started[T any](res *Result, items []T, errs []error) []T {
	var ok []T
	for i, it := range items {
		if errs[i] != nil {
			res.SetupErrors++
			if res.FirstError == "" {
				res.FirstError = errs[i].Error()
			}
			continue
		}
		ok = append(ok, it)
	}
	res.ClientsPlaying = len(ok)
	return ok
}

// window is the measurement window: the server's and the generator's CPU
// time at its start and end.
type window struct {
	pid        int
	t0         time.Time
	el         time.Duration
	cpu0, cpu1 time.Duration
	cpuErr     error
	self0      time.Duration
	self1      time.Duration
	rss        *int64
}

// openWindow starts the window now.
func openWindow(cfg *Config) *window {
	w := &window{pid: cfg.ServerPID}
	if w.pid > 0 {
		w.cpu0, w.cpuErr = procCPU(w.pid)
	}
	w.self0 = selfCPU()
	w.t0 = time.Now()
	return w
}

// close ends the window now (and reads the server's RSS).
func (w *window) close() {
	w.el = time.Since(w.t0)
	w.self1 = selfCPU()
	if w.pid > 0 && w.cpuErr == nil {
		w.cpu1, w.cpuErr = procCPU(w.pid)
		if rss, err := procRSS(w.pid); err == nil {
			w.rss = &rss
		}
	}
}

// report fills in the window's figures: duration, CPU, CPU per packet
// (when packets > 0) and per kB of res.Bytes.
func (w *window) report(res *Result, packets uint64) {
	res.DurationS = round(w.el.Seconds(), 3)
	res.ServerRSSBytes = w.rss
	self := (w.self1 - w.self0).Seconds()
	res.BenchCPUS = round(self, 3)
	if w.el > 0 {
		res.PacketsPerS = round(float64(packets)/w.el.Seconds(), 1)
	}
	if packets > 0 {
		res.BenchCPUUsPerPacket = round(self*1e6/float64(packets), 3)
	}
	if w.pid <= 0 || w.cpuErr != nil {
		return
	}
	s := (w.cpu1 - w.cpu0).Seconds()
	res.ServerCPUS = ptr(round(s, 3))
	if packets > 0 {
		res.ServerCPUUsPerPacket = ptr(round(s*1e6/float64(packets), 3))
	}
	if res.Bytes > 0 {
		res.ServerCPUUsPerKB = ptr(round(s*1e6/(float64(res.Bytes)/1000), 4))
	}
}
