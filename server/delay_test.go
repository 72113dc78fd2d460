package server

import (
	"slices"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// TestDelayHistogram: each delay lands in the first bucket whose bound
// holds it (bounds inclusive), the snapshot's counts are cumulative, and
// delays above every bound count only in Count and Sum.
func TestDelayHistogram(t *testing.T) {
	var h delayHistogram
	for _, d := range []time.Duration{
		0, 250 * time.Microsecond, // first bucket, the bound included
		251 * time.Microsecond, // second
		3 * time.Millisecond,   // 4 ms
		time.Second,            // above every bound
		-time.Millisecond,      // a clock step: counted as 0
	} {
		h.observe(d)
	}
	got := h.snapshot()
	if want := []uint64{3, 4, 4, 4, 5, 5, 5, 5, 5}; !slices.Equal(got.Counts, want) {
		t.Errorf("counts %v, want %v", got.Counts, want)
	}
	if got.Count != 6 || len(got.Bounds) != len(got.Counts) || got.Bounds[0] != 0.00025 || got.Bounds[len(got.Bounds)-1] != 0.064 {
		t.Errorf("count %d, bounds %v", got.Count, got.Bounds)
	}
	if want := (250*time.Microsecond + 251*time.Microsecond + 3*time.Millisecond + time.Second).Seconds(); got.Sum != want {
		t.Errorf("sum %v s, want %v", got.Sum, want)
	}
}

// TestLiveDelayObserved: a live frame sent to a reader is timed in
// Status().LiveDelay; a frame of a path without readers is not.
func TestLiveDelayObserved(t *testing.T) {
	srv, _ := startServer(t, Config{Publish: true})
	idle, code, why := srv.cat.publishPath(srv, "/idle")
	if code != 0 {
		t.Fatalf("publishPath: %d %s", code, why)
	}
	jpg := testFrames(srv)[0]
	if err := idle.push(jpg, 0, true, idle.newEpoch(), time.Now()); err != nil {
		t.Fatal(err)
	}
	_, ls, _, rtpc := liveReaderOn(t, srv)
	go discard(rtpc)
	arrival := time.Now()
	if err := ls.push(jpg, 0, true, ls.newEpoch(), arrival); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "a live delay recorded", func() bool { return srv.Status().LiveDelay.Count > 0 })
	st := srv.Status().LiveDelay
	if st.Count != 1 {
		t.Fatalf("%d frames timed, want 1 (the path without readers is not timed)", st.Count)
	}
	if max := time.Since(arrival).Seconds(); st.Sum <= 0 || st.Sum > max {
		t.Fatalf("delay %v s, want in (0, %v]", st.Sum, max)
	}
}
