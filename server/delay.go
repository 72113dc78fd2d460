package server

import (
	"sync/atomic"
	"time"
)

// liveDelayBounds are the upper bounds of the buckets of Status.LiveDelay:
// from a quarter of a millisecond (an idle server's relay on a fast
// machine) to 64 ms (two frame periods at 30 fps: something stalls).
var liveDelayBounds = [...]time.Duration{
	250 * time.Microsecond, 500 * time.Microsecond, time.Millisecond, 2 * time.Millisecond,
	4 * time.Millisecond, 8 * time.Millisecond, 16 * time.Millisecond, 32 * time.Millisecond, 64 * time.Millisecond,
}

// delayHistogram counts live frames by how long they stayed in the server.
// The scheduler goroutine observes; Status reads at any time, so the
// counts are atomic (a snapshot may be a frame behind in one bucket).
type delayHistogram struct {
	// counts[i] is frames within liveDelayBounds[i] and above the bound
	// before; the last slot is frames above every bound.
	counts [len(liveDelayBounds) + 1]atomic.Uint64
	sum    atomic.Int64 // nanoseconds
}

// observe counts one frame that stayed d.
func (h *delayHistogram) observe(d time.Duration) {
	d = max(d, 0) // a clock step backwards
	i := 0
	for i < len(liveDelayBounds) && d > liveDelayBounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(int64(d))
}

// DelayHistogram is a distribution of delays in the form Prometheus
// histograms take: Counts[i] is how many took at most Bounds[i] seconds
// (cumulative), Count how many in all, Sum their total in seconds.
type DelayHistogram struct {
	Bounds []float64 `json:"bounds_seconds"`
	Counts []uint64  `json:"counts"`
	Count  uint64    `json:"count"`
	Sum    float64   `json:"sum_seconds"`
}

// snapshot returns the distribution so far.
func (h *delayHistogram) snapshot() DelayHistogram {
	out := DelayHistogram{
		Bounds: make([]float64, len(liveDelayBounds)),
		Counts: make([]uint64, len(liveDelayBounds)),
		Sum:    time.Duration(h.sum.Load()).Seconds(),
	}
	for i, b := range liveDelayBounds {
		out.Count += h.counts[i].Load()
		out.Bounds[i], out.Counts[i] = b.Seconds(), out.Count
	}
	out.Count += h.counts[len(liveDelayBounds)].Load()
	return out
}
