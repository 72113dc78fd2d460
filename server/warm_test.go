package server

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// sameMemory tells whether a and b start in the same backing array.
func sameMemory(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// TestWarmBuf: refill prepares one buffer of the size last asked for (and
// an eighth more), get hands it out once; a request it cannot hold gets a
// fresh buffer, and the next refill is sized for it.
func TestWarmBuf(t *testing.T) {
	var w warmBuf
	w.refill() // nothing asked for yet: nothing to prepare
	if w.spare != nil {
		t.Fatal("refill prepared a buffer before any get")
	}
	first := w.get(1000)
	if len(first) != 0 || cap(first) < 1000 {
		t.Fatalf("get(1000) = len %d cap %d", len(first), cap(first))
	}
	w.refill()
	spare := w.spare
	if cap(spare) != 1000+1000/8 {
		t.Fatalf("refill prepared %d bytes, want %d", cap(spare), 1000+1000/8)
	}
	w.refill() // not handed out yet: kept
	if !sameMemory(w.spare, spare) {
		t.Fatal("a second refill replaced an unused spare")
	}
	if b := w.get(1100); !sameMemory(b, spare) || len(b) != 0 {
		t.Fatal("get did not hand out the prepared buffer")
	}
	if w.spare != nil {
		t.Fatal("the spare was handed out but kept")
	}
	w.refill()
	big := w.get(5000) // more than the spare (1237 bytes) holds
	if sameMemory(big, w.spare) || cap(big) < 5000 {
		t.Fatalf("get(5000) = cap %d from a %d-byte spare", cap(big), cap(w.spare))
	}
	w.refill()
	if cap(w.spare) != 5000+5000/8 {
		t.Fatalf("after a larger get, refill prepared %d bytes, want %d", cap(w.spare), 5000+5000/8)
	}
}

// TestWarmBufConcurrent: the source's get and the scheduler's refill run on
// different goroutines (run with -race); no buffer is handed out twice.
func TestWarmBufConcurrent(t *testing.T) {
	var w warmBuf
	const n = 2000
	got := make(chan []byte, n)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range n {
			got <- w.get(64)
		}
		close(got)
	}()
	go func() {
		defer wg.Done()
		for range n {
			w.refill()
		}
	}()
	seen := map[*byte]bool{}
	for b := range got {
		p := &b[:1][0]
		if seen[p] {
			t.Fatal("a buffer was handed out twice")
		}
		seen[p] = true
	}
	wg.Wait()
}

// TestLiveFramesUseWarmBuffers: a publisher's frame goes out in the
// buffers the scheduler prepared after the frame before (its JPEG from the
// depacketizer, its packets from push).
func TestLiveFramesUseWarmBuffers(t *testing.T) {
	srv, ls, _, _ := liveReaderOn(t, listeningServer(t, Config{Publish: true}))
	ep := ls.newEpoch()
	frames := testFrames(srv)
	p := &publisher{ls: ls, pt: 26}
	p.depack.Alloc = ls.warmJPEG.get
	p.epoch.Store(ep)
	p.recording.Store(true)
	send := func(jpg []byte, ts uint32) *liveFrame {
		t.Helper()
		pk, err := rtpjpeg.Packetize(jpg, srv.cfg.MTU)
		if err != nil {
			t.Fatal(err)
		}
		before := ls.frames
		for i, pl := range pk.Payloads {
			b := make([]byte, 12, 12+len(pl))
			rtp.PutHeader(b, i == len(pk.Payloads)-1, 26, uint16(i), ts, 1)
			p.ingest(append(b, pl...), time.Now())
		}
		if ls.frames != before+1 {
			t.Fatalf("frame at %d not pushed", ts)
		}
		return ls.last
	}
	send(frames[0], 0)
	ls.warm()
	jpegSpare, pkSpare := ls.warmJPEG.spare, ls.warmPk.spare
	if jpegSpare == nil || pkSpare == nil {
		t.Fatal("warm prepared no buffers")
	}
	f := send(frames[0], 3000)
	if !sameMemory(f.jpeg, jpegSpare) {
		t.Error("the JPEG is not in the prepared buffer")
	}
	if !sameMemory(f.pk.Buf, pkSpare) {
		t.Error("the packets are not in the prepared buffer")
	}
}

// TestSchedulerSent: after a wake-up's live frames went out (the flush),
// the scheduler calls sent once per frame, so the buffers of the next frame
// are made off the frame's path and the delay covers the whole send.
func TestSchedulerSent(t *testing.T) {
	var mu sync.Mutex
	var events []string
	note := func(s string) {
		mu.Lock()
		events = append(events, s)
		mu.Unlock()
	}
	sc := newScheduler(func(dueEntry, time.Time) (time.Time, bool) { return time.Time{}, false }, func() { note("flush") })
	a, b := &liveStream{}, &liveStream{}
	name := map[*liveStream]string{a: "a", b: "b"}
	sc.deliver = func(ls *liveStream, _ *liveFrame, _ time.Time) { note("deliver " + name[ls]) }
	prepared := make(chan struct{})
	sc.sent = func(ls *liveStream, _ *liveFrame, _ time.Time) {
		note("sent " + name[ls])
		if ls == b {
			close(prepared)
		}
	}
	sc.mu.Lock()
	sc.posts = append(sc.posts, livePost{a, &liveFrame{}}, livePost{b, &liveFrame{}})
	sc.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sc.run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-prepared:
	case <-time.After(10 * time.Second):
		t.Fatal("no sent after 10 s")
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"deliver a", "deliver b", "flush", "sent a", "sent b"}; !slices.Equal(events, want) {
		t.Fatalf("events %q, want %q", events, want)
	}
}
