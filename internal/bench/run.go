package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// Run plays cfg.URL with cfg.Clients clients, measures for cfg.Duration and
// tears every session down. An http:// URL (an MJPEG stream such as our
// /PATH/stream.mjpeg) is watched by HTTP viewers instead (see the package
// doc). Cancelling ctx ends the window early (the
// result covers the shortened window). It fails only when the
// configuration is bad or no client could play; clients that fail to
// start are counted in Result.SetupErrors.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if isHTTPURL(cfg.URL) {
		return runHTTP(ctx, cfg)
	}
	host, err := hostOf(cfg.URL)
	if err != nil {
		return nil, err
	}
	res := &Result{Clients: cfg.Clients, Transport: cfg.Transport}

	var pub *publishing
	if cfg.Publish != "" {
		if pub, err = startPublishing(ctx, &cfg); err != nil {
			return nil, err
		}
		res.PublishTransport = cfg.PublishTransport
		// The publisher outlives the clients: it stops after their
		// TEARDOWN (or on an early return).
		defer func() {
			if e := pub.stop(); e != nil && res.PublishError == "" {
				res.PublishError = e.Error()
			}
		}()
	}

	// Set-up: at most MaxSetupConcurrency clients at once, starts spread
	// over Ramp.
	setupStart := time.Now()
	clients := make([]*client, cfg.Clients)
	errs := startEach(ctx, &cfg, cfg.Clients, func(i int) error {
		c := &client{cfg: &cfg}
		if pub != nil {
			c.relay = pub.log
		}
		clients[i] = c
		return c.start(ctx, host)
	})
	res.SetupS = round(time.Since(setupStart).Seconds(), 3)

	playing := started(res, clients, errs)
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
	snap := func() (n, bytes uint64) {
		for _, c := range playing {
			n += c.tr.windowPackets.Load()
			bytes += c.tr.windowBytes.Load()
		}
		return n, bytes
	}
	var pf0, pf1 uint64
	w := openWindow(&cfg)
	pk0, by0 := snap()
	if pub != nil {
		pub.log.measuring.Store(true)
		pf0 = pub.p.Stats().Frames
	}
	sleep(ctx, cfg.Duration)
	if pub != nil {
		pub.log.measuring.Store(false)
		pf1 = pub.p.Stats().Frames
	}
	pk1, by1 := snap()
	w.close()

	close(stopKA)
	kaWG.Wait()
	teardownAll(playing, cfg.MaxSetupConcurrency)

	res.Packets = pk1 - pk0
	res.Bytes = by1 - by0
	res.PublishFrames = pf1 - pf0
	w.report(res, res.Packets)
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

// publishing is the publisher of a Publish run, running in its own
// goroutine.
type publishing struct {
	p      *Publisher
	log    *sentLog
	cancel context.CancelFunc
	done   chan error
}

// startPublishing loads cfg.Publish, sets the publisher up and returns
// once its first frame is out (so that the path exists for the clients).
func startPublishing(ctx context.Context, cfg *Config) (*publishing, error) {
	video, err := mjpeg.LoadContext(ctx, cfg.Publish, mjpeg.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPublish, err)
	}
	pc, err := PublishConfig{URL: cfg.URL, Frames: video.Frames, FPS: cfg.FPS, Transport: cfg.PublishTransport,
		RequestTimeout: cfg.RequestTimeout}.withDefaults()
	if err != nil {
		return nil, err
	}
	pub := &publishing{log: newSentLog(), done: make(chan error, 1)}
	if pub.p, err = dialPublisher(ctx, pc, pub.log); err != nil {
		return nil, err
	}
	// Not ctx: the publisher must outlive the clients' TEARDOWN.
	var pctx context.Context
	pctx, pub.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go func() { pub.done <- pub.p.Run(pctx) }()
	select {
	case <-pub.p.firstSent:
		return pub, nil
	case err := <-pub.done:
		pub.cancel()
		if err == nil {
			err = fmt.Errorf("%w: stopped before its first frame", ErrPublish)
		}
		return nil, err
	case <-ctx.Done():
		_ = pub.stop()
		return nil, ctx.Err()
	}
}

// stop ends the publisher (TEARDOWN) and returns why it stopped early, if
// it did.
func (pub *publishing) stop() error {
	pub.cancel()
	return <-pub.done
}
