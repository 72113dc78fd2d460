package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Run plays cfg.URL with cfg.Clients clients, measures for cfg.Duration and
// tears every session down. Cancelling ctx ends the window early (the
// result covers the shortened window). It fails only when the
// configuration is bad or no client could play; clients that fail to
// start are counted in Result.SetupErrors.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	host, err := hostOf(cfg.URL)
	if err != nil {
		return nil, err
	}
	res := &Result{Clients: cfg.Clients, Transport: cfg.Transport}

	// Set-up: at most MaxSetupConcurrency clients at once, starts spread
	// over Ramp.
	setupStart := time.Now()
	clients := make([]*client, cfg.Clients)
	errs := make([]error, cfg.Clients)
	sem := make(chan struct{}, cfg.MaxSetupConcurrency)
	var wg sync.WaitGroup
starting:
	for i := range clients {
		if cfg.Ramp > 0 {
			at := setupStart.Add(cfg.Ramp * time.Duration(i) / time.Duration(cfg.Clients))
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			for j := i; j < len(errs); j++ {
				errs[j] = ctx.Err()
			}
			break starting
		}
		c := &client{cfg: &cfg}
		clients[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = c.start(ctx, host)
		}()
	}
	wg.Wait()
	res.SetupS = round(time.Since(setupStart).Seconds(), 3)

	var playing []*client
	for i, c := range clients {
		if errs[i] != nil {
			res.SetupErrors++
			if res.FirstError == "" {
				res.FirstError = errs[i].Error()
			}
			continue
		}
		playing = append(playing, c)
	}
	res.ClientsPlaying = len(playing)
	res.UDPGRO = cfg.Transport == TransportUDP
	for _, c := range playing {
		res.UDPGRO = res.UDPGRO && c.gro
	}
	if len(playing) == 0 {
		return res, fmt.Errorf("%w: %s", ErrNoClients, res.FirstError)
	}

	stopKA := make(chan struct{})
	var kaWG sync.WaitGroup
	kaWG.Add(1)
	go keepalive(playing, stopKA, &kaWG)

	sleep(ctx, cfg.Warmup)

	// The window.
	snap := func() (n uint64) {
		for _, c := range playing {
			n += c.tr.windowPackets.Load()
		}
		return n
	}
	var cpu0, cpu1 time.Duration
	var cpuErr error
	if cfg.ServerPID > 0 {
		cpu0, cpuErr = procCPU(cfg.ServerPID)
	}
	self0 := selfCPU()
	pk0 := snap()
	t0 := time.Now()
	sleep(ctx, cfg.Duration)
	el := time.Since(t0)
	pk1 := snap()
	self1 := selfCPU()
	if cfg.ServerPID > 0 && cpuErr == nil {
		cpu1, cpuErr = procCPU(cfg.ServerPID)
		if rss, err := procRSS(cfg.ServerPID); err == nil {
			res.ServerRSSBytes = ptr(rss)
		}
	}

	close(stopKA)
	kaWG.Wait()
	teardownAll(playing, cfg.MaxSetupConcurrency)

	res.DurationS = round(el.Seconds(), 3)
	res.Packets = pk1 - pk0
	if el > 0 {
		res.PacketsPerS = round(float64(res.Packets)/el.Seconds(), 1)
	}
	res.BenchCPUS = round((self1 - self0).Seconds(), 3)
	if res.Packets > 0 {
		res.BenchCPUUsPerPacket = round((self1-self0).Seconds()*1e6/float64(res.Packets), 3)
	}
	if cfg.ServerPID > 0 && cpuErr == nil {
		s := (cpu1 - cpu0).Seconds()
		res.ServerCPUS = ptr(round(s, 3))
		if res.Packets > 0 {
			res.ServerCPUUsPerPacket = ptr(round(s*1e6/float64(res.Packets), 3))
		}
	}
	trs := make([]*tracker, len(playing))
	for i, c := range playing {
		trs[i] = c.tr
	}
	res.aggregate(trs)
	return res, nil
}

// teardownAll ends every session, n at a time.
func teardownAll(clients []*client, n int) {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, c := range clients {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c.teardown()
		}()
	}
	wg.Wait()
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
