package player

import (
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
)

func TestEngineDue(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	type in struct {
		ts      uint32
		arrival time.Duration
	}
	tests := []struct {
		name    string
		jitter  time.Duration
		lab     bool
		frames  []in
		want    []time.Duration // due, from t0
		rebased uint64
	}{
		{"steady 30 fps", 100 * ms, false,
			[]in{{0, 0}, {3000, 33 * ms}, {6000, 70 * ms}},
			[]time.Duration{100 * ms, 133333333, 166666666}, 0},
		{"early and late within the buffer", 100 * ms, false,
			[]in{{0, 0}, {3000, 120 * ms}, {6000, 40 * ms}},
			[]time.Duration{100 * ms, 133333333, 164666666}, 0}, // frame 3 is early: the anchor slews 2 ms
		{"later than the buffer re-anchors", 100 * ms, false,
			[]in{{0, 0}, {3000, 200 * ms}, {6000, 210 * ms}},
			[]time.Duration{100 * ms, 300 * ms, 331333333}, 1},
		{"timestamp wrap", 100 * ms, false,
			[]in{{0xFFFFF000, 0}, {0x00001328, 100 * ms}},
			[]time.Duration{100 * ms, 200 * ms}, 0},
		{"jump ahead re-anchors", 100 * ms, false,
			[]in{{0, 0}, {90000 * 60, 33 * ms}},
			[]time.Duration{100 * ms, 133 * ms}, 1},
		{"resume after pause re-anchors", 100 * ms, false,
			[]in{{0, 0}, {3000, 5 * time.Second}},
			[]time.Duration{100 * ms, 5100 * ms}, 1},
		{"lab: arrival clock", 100 * ms, true,
			[]in{{1700000000, 0}, {1700000000, 50 * ms}, {1700000001, 100 * ms}},
			[]time.Duration{100 * ms, 150 * ms, 200 * ms}, 0},
		{"no buffer", 0, false,
			[]in{{0, 0}, {3000, 33334 * time.Microsecond}},
			[]time.Duration{0, 33334 * time.Microsecond}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(nil, tt.jitter, tt.lab, nil, nil)
			for i, f := range tt.frames {
				got := e.due(client.Frame{Timestamp: f.ts, Arrival: t0.Add(f.arrival)}).Sub(t0)
				if d := got - tt.want[i]; d < -time.Microsecond || d > time.Microsecond {
					t.Errorf("frame %d due at %v, want %v", i, got, tt.want[i])
				}
			}
			if got := e.rebased.Load(); got != tt.rebased {
				t.Errorf("re-anchored %d times, want %d", got, tt.rebased)
			}
		})
	}
}

// TestEngineDropsLateFrames: of the frames already due, only the newest is
// decoded.
// TestEngineSlews: a first frame that came early does not leave the
// buffer shorter than asked for: the anchor follows the lowest transit.
func TestEngineSlews(t *testing.T) {
	t0 := time.Now()
	e := newEngine(nil, 100*time.Millisecond, false, nil, nil)
	e.due(client.Frame{Timestamp: 0, Arrival: t0})
	var due, arrival time.Time
	for i := 1; i < 5*transitWindow; i++ {
		ts := uint32(i * 3000)
		arrival = t0.Add(time.Duration(i)*time.Second/30 + 40*time.Millisecond) // all later than the first by 40 ms
		due = e.due(client.Frame{Timestamp: ts, Arrival: arrival})
	}
	if buf := due.Sub(arrival); buf < 95*time.Millisecond || buf > 105*time.Millisecond {
		t.Errorf("buffer %v after the slew, want 100 ms", buf)
	}
}

func TestEngineDropsLateFrames(t *testing.T) {
	e := newEngine(nil, 0, false, nil, nil)
	past := time.Now().Add(-time.Second)
	for i := range 5 {
		e.enqueue(client.Frame{Timestamp: uint32(i * 3000), Arrival: past.Add(time.Duration(i) * 33 * time.Millisecond)})
	}
	q, ok := e.next()
	if !ok || q.frame.Timestamp != 4*3000 {
		t.Fatalf("next = frame ts %d, want the newest (12000)", q.frame.Timestamp)
	}
	if got := e.late.Load(); got != 4 {
		t.Errorf("late = %d, want 4", got)
	}
}

func TestEngineQueueBounded(t *testing.T) {
	e := newEngine(nil, time.Hour, false, nil, nil)
	now := time.Now()
	for i := range maxQueue + 10 {
		e.enqueue(client.Frame{Timestamp: uint32(i), Arrival: now})
	}
	if len(e.queue) != maxQueue || e.overflow.Load() != 10 {
		t.Errorf("queue %d, overflow %d; want %d, 10", len(e.queue), e.overflow.Load(), maxQueue)
	}
}

// TestScreenCoalesces: while the UI goroutine is busy, newer pictures
// replace the waiting one instead of queuing.
func TestScreenCoalesces(t *testing.T) {
	var queued []func()
	s := &screen{do: func(f func()) { queued = append(queued, f) }, video: nil, now: time.Now}
	s.video = newTestImage()
	pics := make([]*picture, 3)
	for i := range pics {
		pics[i] = &picture{img: image.NewRGBA(image.Rect(0, 0, 2, 2)), arrival: time.Now()}
		s.offer(pics[i])
	}
	if len(queued) != 1 || s.dropped.Load() != 2 {
		t.Fatalf("%d UI calls, %d dropped; want 1, 2", len(queued), s.dropped.Load())
	}
	queued[0]()
	if s.video.Image != pics[2].img || s.shown.Load() != 1 {
		t.Errorf("shown %d, newest on screen %v; want 1, true", s.shown.Load(), s.video.Image == pics[2].img)
	}
	if l := s.takeLatency(); l.n != 1 {
		t.Errorf("latency samples %d, want 1", l.n)
	}
}

func TestDecodeToRGBA(t *testing.T) {
	s := &screen{}
	e := newEngine(nil, 0, false, nil, s.buffer)
	img, err := e.decode(solidJPEG(t, 32, 16, color.RGBA{0, 200, 0, 255}))
	if err != nil {
		t.Fatal(err)
	}
	if img.Rect.Dx() != 32 || img.Rect.Dy() != 16 {
		t.Errorf("size %v", img.Rect)
	}
	if c := img.RGBAAt(5, 5); c.G < 180 || c.R > 30 || c.B > 30 {
		t.Errorf("pixel %v, want green", c)
	}
	if _, err := e.decode([]byte{0xFF, 0xD8, 0xFF}); err == nil {
		t.Error("truncated JPEG decoded")
	}
}

func BenchmarkDecode640x480(b *testing.B) {
	jpg := solidJPEG(b, 640, 480, color.RGBA{10, 20, 30, 255})
	s := &screen{}
	e := newEngine(nil, 0, false, nil, s.buffer)
	b.ReportAllocs()
	for b.Loop() {
		img, err := e.decode(jpg)
		if err != nil {
			b.Fatal(err)
		}
		s.release(img)
	}
}
