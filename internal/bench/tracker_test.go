package bench

import (
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
)

// pkt is one synthetic packet: sequence, timestamp, marker, RFC 2435
// fragment offset, and arrival in ms after the start.
type pkt struct {
	seq    uint16
	ts     uint32
	marker bool
	off    int
	atMs   int
}

// frames builds n 3-packet frames at 30 fps (3000 ticks) starting at seq
// and ts, each arriving at its due time plus delay(i) ms.
func frames(n int, seq uint16, ts uint32, delay func(i int) int) []pkt {
	var out []pkt
	for i := range n {
		at := i*100/3 + delay(i)
		for j := range 3 {
			out = append(out, pkt{seq: seq, ts: ts + uint32(i*3000), marker: j == 2, off: j * 1000, atMs: at})
			seq++
		}
	}
	return out
}

func onTime(int) int { return 0 }

// loopingFrames builds 3-packet frames whose timestamp steps are steps,
// each arriving when its timestamp says (ms after the first frame).
func loopingFrames(steps []uint32) []pkt {
	var out []pkt
	var seq uint16
	var ts uint32
	for i := 0; i <= len(steps); i++ {
		if i > 0 {
			ts += steps[i-1]
		}
		for j := range 3 {
			out = append(out, pkt{seq: seq, ts: ts, marker: j == 2, off: j * 1000, atMs: int(ts / 90)})
			seq++
		}
	}
	return out
}

func feed(tr *tracker, pkts []pkt) {
	start := time.Unix(1000, 0)
	buf := make([]byte, 16)
	for _, p := range pkts {
		rtp.PutHeader(buf, p.marker, jpegPayloadType, p.seq, p.ts, 1)
		buf[12], buf[13], buf[14], buf[15] = 0, byte(p.off>>16), byte(p.off>>8), byte(p.off)
		tr.packet(buf, len(buf), start.Add(time.Duration(p.atMs)*time.Millisecond))
	}
}

func drop(pkts []pkt, idx ...int) []pkt {
	skip := map[int]bool{}
	for _, i := range idx {
		skip[i] = true
	}
	var out []pkt
	for i, p := range pkts {
		if !skip[i] {
			out = append(out, p)
		}
	}
	return out
}

func TestTracker(t *testing.T) {
	tests := []struct {
		name   string
		period int64 // 0: learn from timestamps
		pkts   []pkt
		want   struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }
	}{
		{
			name: "clean",
			pkts: frames(10, 100, 5000, onTime),
			want: struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{30, 30, 0, 10, 0, 9, 0, 0},
		},
		{
			name:   "clean, period from SDP",
			period: 3000,
			pkts:   frames(10, 100, 5000, onTime),
			want:   struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{30, 30, 0, 10, 0, 9, 0, 0},
		},
		{
			name:   "sequence wraps",
			period: 3000,
			pkts:   frames(10, 65530, 4294960000, onTime),
			want:   struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{30, 30, 0, 10, 0, 9, 0, 0},
		},
		{
			name:   "middle packet of frame 4 lost",
			period: 3000,
			pkts:   drop(frames(10, 0, 0, onTime), 13),
			want:   struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{29, 30, 1, 9, 1, 8, 0, 0},
		},
		{
			name:   "joined mid-frame",
			period: 3000,
			pkts:   frames(10, 0, 0, onTime)[1:],
			want:   struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{29, 29, 0, 9, 1, 8, 0, 0},
		},
		{
			name:   "frame 5 arrives 50 ms late",
			period: 3000,
			pkts: frames(10, 0, 0, func(i int) int {
				if i == 5 {
					return 50
				}
				return 0
			}),
			want: struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{30, 30, 0, 10, 0, 9, 1, 0},
		},
		{
			name:   "30 ms late is within one period",
			period: 3000,
			pkts: frames(10, 0, 0, func(i int) int {
				if i == 5 {
					return 30
				}
				return 0
			}),
			want: struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{30, 30, 0, 10, 0, 9, 0, 0},
		},
		{
			name:   "server skipped two frames",
			period: 3000,
			pkts: func() []pkt {
				p := frames(10, 0, 0, onTime)
				for i := 15; i < len(p); i++ { // frames 5.. jump two periods
					p[i].ts += 6000
					p[i].atMs += 67
				}
				return p
			}(),
			want: struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{30, 30, 0, 10, 0, 9, 0, 2},
		},
		{
			// An ffmpeg publisher looping a file steps 2999 then 1 at each
			// loop; a client joining between them saw a first step of 1 and
			// took a 1-tick period (2999 skipped frames per 3000-tick step).
			name: "looping publisher, period from the median step",
			pkts: loopingFrames([]uint32{1, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 2999, 1, 3000, 3000, 3000, 3000}),
			want: struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{45, 45, 0, 15, 0, 14, 0, 0},
		},
		{
			name: "stream shorter than the learning window",
			pkts: loopingFrames([]uint32{1, 3000, 3000, 9000}),
			want: struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{15, 15, 0, 5, 0, 4, 0, 2},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker(90000, tc.period, nil)
			feed(tr, tc.pkts)
			tr.learnPeriod() // as aggregate does at the end
			got := struct{ received, expected, lost, complete, incomplete, evaluated, late, skipped uint64 }{
				tr.received, tr.expected(), tr.lost(), tr.complete, tr.incomplete, tr.evaluated, tr.late, tr.skipped}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if tr.windowPackets.Load() != uint64(len(tc.pkts)) {
				t.Errorf("windowPackets %d, want %d", tr.windowPackets.Load(), len(tc.pkts))
			}
		})
	}
}

func TestTrackerNotRTP(t *testing.T) {
	tr := newTracker(0, 0, nil)
	tr.packet([]byte{1, 2, 3}, 3, time.Now())
	tr.packet(make([]byte, 20), 20, time.Now()) // version 0
	if tr.bad != 2 || tr.received != 0 || tr.expected() != 0 {
		t.Errorf("bad=%d received=%d expected=%d", tr.bad, tr.received, tr.expected())
	}
}

func TestAggregate(t *testing.T) {
	a, b := newTracker(90000, 3000, nil), newTracker(90000, 3000, nil)
	feed(a, frames(10, 0, 0, onTime))
	feed(b, drop(frames(10, 0, 0, onTime), 1))
	a.playAt.Store(time.Unix(1000, 0).Add(-5 * time.Millisecond).UnixNano())
	b.playAt.Store(time.Unix(1000, 0).UnixNano())
	var r Result
	r.aggregate([]*tracker{a, b, newTracker(90000, 0, nil)})
	if r.PacketsLost != 1 || r.PacketsExpected != 60 || r.LossRate != round(1.0/60, 6) {
		t.Errorf("loss %d/%d rate %v", r.PacketsLost, r.PacketsExpected, r.LossRate)
	}
	if r.ClientsNoFrame != 1 || r.Frames != 19 || r.FramesIncomplete != 1 {
		t.Errorf("no-frame %d frames %d incomplete %d", r.ClientsNoFrame, r.Frames, r.FramesIncomplete)
	}
	// a: first frame 5 ms after PLAY; b: its frame 1 (due 33 ms) is first.
	if r.FirstFrameMsP50 == nil || *r.FirstFrameMsP50 != 5 || *r.FirstFrameMsP99 != 33 {
		t.Errorf("first frame p50 %v p99 %v", deref(r.FirstFrameMsP50), deref(r.FirstFrameMsP99))
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestPercentile(t *testing.T) {
	var v []time.Duration
	for i := 1; i <= 100; i++ {
		v = append(v, time.Duration(i))
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {0, 1}, {1, 1}} {
		if got := percentile(v, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("empty percentile")
	}
}

func TestHostOf(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"rtsp://127.0.0.1:8554/test", "127.0.0.1:8554"},
		{"rtsp://h/test", "h:554"},
		{"rtsp://u:p@h:1/x?y", "h:1"},
		{"rtsp://[::1]:9/x", "[::1]:9"},
		{"rtsp://[::1]/x", "[::1]:554"},
	} {
		got, err := hostOf(tc.url)
		if err != nil || got != tc.want {
			t.Errorf("hostOf(%q) = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
	for _, bad := range []string{"http://h/x", "rtsp:///x", ""} {
		if _, err := hostOf(bad); err == nil {
			t.Errorf("hostOf(%q) accepted", bad)
		}
	}
}
