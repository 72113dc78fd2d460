package bench

import (
	"context"
	"fmt"
	"time"
)

// TransportHTTP is the Result.Transport of a run of HTTP viewers.
const TransportHTTP = "http"

// runHTTP is Run for an http:// URL: cfg.Clients HTTP viewers of one
// multipart/x-mixed-replace stream.
func runHTTP(ctx context.Context, cfg Config) (*Result, error) {
	t, err := parseHTTPTarget(cfg.URL)
	if err != nil {
		return nil, err
	}
	res := &Result{Clients: cfg.Clients, Transport: TransportHTTP}
	setupStart := time.Now()
	viewers := make([]*httpViewer, cfg.Clients)
	errs := startEach(ctx, &cfg, cfg.Clients, func(i int) error {
		viewers[i] = &httpViewer{cfg: &cfg}
		return viewers[i].start(ctx, t)
	})
	res.SetupS = round(time.Since(setupStart).Seconds(), 3)
	playing := started(res, viewers, errs)
	if len(playing) == 0 {
		return res, fmt.Errorf("%w: %s", ErrNoClients, res.FirstError)
	}

	sleep(ctx, cfg.Warmup)
	snap := func() (bytes uint64) {
		for _, v := range playing {
			bytes += v.bytes.Load()
		}
		return bytes
	}
	w := openWindow(&cfg)
	by0 := snap()
	sleep(ctx, cfg.Duration)
	by1 := snap()
	w.close()
	for _, v := range playing {
		v.stop()
	}
	res.Bytes = by1 - by0
	w.report(res, 0)
	res.aggregateHTTP(playing)
	return res, nil
}

// aggregateHTTP sums the viewers' figures into r (package doc).
func (r *Result) aggregateHTTP(vs []*httpViewer) {
	var lat []time.Duration
	var evaluated uint64
	for _, v := range vs {
		r.Frames += v.frames.Load()
		r.SkippedFrames += v.skipped
		r.LateFrames += v.late
		evaluated += v.evaluated
		if v.err != nil {
			r.ClientsEndedEarly++
			if r.FirstEndError == "" {
				r.FirstEndError = v.err.Error()
			}
		}
		if !v.gotFirst {
			r.ClientsNoFrame++
			continue
		}
		lat = append(lat, max(v.firstAt.Sub(v.playAt), 0))
	}
	if n := evaluated + r.SkippedFrames; n > 0 {
		r.LateFrameRate = round(float64(r.LateFrames+r.SkippedFrames)/float64(n), 6)
	}
	r.firstFrames(lat)
}
