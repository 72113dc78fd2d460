package rtcp

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// feed sends seqs to s at 1 ms intervals with timestamps advancing 90 ticks
// per arrival (constant transit, so no jitter) and returns the dup results.
func feed(s *ReceiverStats, seqs []uint16) []bool {
	dups := make([]bool, len(seqs))
	for i, q := range seqs {
		dups[i] = s.Update(q, uint32(i)*90, t0.Add(time.Duration(i)*time.Millisecond))
	}
	return dups
}

func seqRange(from, n int) []uint16 {
	s := make([]uint16, n)
	for i := range s {
		s[i] = uint16(from + i)
	}
	return s
}

func TestReceiverStats(t *testing.T) {
	tests := []struct {
		name                       string
		seqs                       []uint16
		received, expected, lost   uint64
		dups, reordered, discarded uint64
		restarts                   uint64
		extHighest                 uint32
		dupAt                      []int // indexes reported as duplicates
	}{
		{name: "in order", seqs: seqRange(100, 10), received: 10, expected: 10, extHighest: 109},
		{name: "wrap-around", seqs: seqRange(65530, 12), received: 12, expected: 12, extHighest: 1<<16 | 5},
		{name: "three wraps", seqs: seqRange(65000, 3*65536), received: 3 * 65536, expected: 3 * 65536,
			extHighest: uint32(65000 + 3*65536 - 1)},
		{name: "loss", seqs: []uint16{1, 2, 4, 7}, received: 4, expected: 7, lost: 3, extHighest: 7},
		{name: "loss across wrap", seqs: []uint16{65534, 1}, received: 2, expected: 4, lost: 2, extHighest: 1<<16 | 1},
		{name: "large gap within dropout", seqs: []uint16{1, 2000}, received: 2, expected: 2000, lost: 1998, extHighest: 2000},
		{name: "duplicate of highest", seqs: []uint16{1, 2, 2, 3}, received: 3, expected: 3, dups: 1, extHighest: 3, dupAt: []int{2}},
		{name: "duplicate of older", seqs: []uint16{1, 2, 3, 1, 2}, received: 3, expected: 3, dups: 2, extHighest: 3, dupAt: []int{3, 4}},
		{name: "duplicate across wrap", seqs: []uint16{65535, 0, 65535, 0}, received: 2, expected: 2, dups: 2,
			extHighest: 1 << 16, dupAt: []int{2, 3}},
		{name: "reorder", seqs: []uint16{1, 3, 2, 4}, received: 4, expected: 4, reordered: 1, extHighest: 4},
		{name: "reorder then duplicate of the late one", seqs: []uint16{1, 3, 2, 2, 4}, received: 4, expected: 4,
			reordered: 1, dups: 1, extHighest: 4, dupAt: []int{3}},
		{name: "reorder across wrap", seqs: []uint16{65534, 0, 65535, 1}, received: 4, expected: 4, reordered: 1,
			extHighest: 1<<16 | 1},
		{name: "late before the first packet", seqs: []uint16{10, 9, 11}, received: 3, expected: 3, reordered: 1, extHighest: 11},
		{name: "late before the first packet across wrap", seqs: []uint16{0, 65535, 1}, received: 3, expected: 3,
			reordered: 1, extHighest: 1},
		{name: "reorder and loss", seqs: []uint16{1, 5, 3, 6}, received: 4, expected: 6, lost: 2, reordered: 1, extHighest: 6},
		{name: "jump discarded", seqs: []uint16{1, 2, 10000, 3}, received: 3, expected: 3, discarded: 1, extHighest: 3},
		{name: "jump confirmed is a restart", seqs: []uint16{1, 2, 10000, 10001, 10002}, received: 4, expected: 4,
			discarded: 1, restarts: 1, extHighest: 10002},
		{name: "restart after loss keeps counting", seqs: []uint16{1, 3, 40000, 40001, 40003}, received: 4, expected: 6,
			lost: 2, discarded: 1, restarts: 1, extHighest: 40003},
		{name: "too far behind is a jump", seqs: append(seqRange(1, 300), 5), received: 300, expected: 300,
			discarded: 1, extHighest: 300},
		{name: "window bits of skipped numbers are cleared", seqs: []uint16{5, 262, 261}, received: 3,
			expected: 258, lost: 255, reordered: 1, extHighest: 262},
		{name: "gap larger than the window", seqs: []uint16{1, 1001, 1000, 1001}, received: 3, expected: 1001, lost: 998,
			reordered: 1, dups: 1, extHighest: 1001, dupAt: []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s ReceiverStats
			dups := feed(&s, tt.seqs)
			if s.Received != tt.received || s.Expected() != tt.expected || s.Lost() != tt.lost ||
				s.Duplicates != tt.dups || s.Reordered != tt.reordered || s.Discarded != tt.discarded ||
				s.Restarts != tt.restarts || s.ExtendedHighest() != tt.extHighest {
				t.Errorf("received %d expected %d lost %d dups %d reordered %d discarded %d restarts %d ext %#x;\n"+
					"want     %d          %d      %d      %d           %d           %d          %d     %#x",
					s.Received, s.Expected(), s.Lost(), s.Duplicates, s.Reordered, s.Discarded, s.Restarts, s.ExtendedHighest(),
					tt.received, tt.expected, tt.lost, tt.dups, tt.reordered, tt.discarded, tt.restarts, tt.extHighest)
			}
			want := make([]bool, len(tt.seqs))
			for _, i := range tt.dupAt {
				want[i] = true
			}
			for i := range dups {
				if dups[i] != want[i] {
					t.Errorf("Update #%d (seq %d) dup = %v, want %v", i, tt.seqs[i], dups[i], want[i])
				}
			}
			if s.Jitter() != 0 {
				t.Errorf("constant transit gave jitter %v", s.Jitter())
			}
		})
	}
}

func TestReceiverStatsZero(t *testing.T) {
	var s ReceiverStats
	if s.Expected() != 0 || s.Lost() != 0 || s.ExtendedHighest() != 0 || s.Jitter() != 0 || s.JitterDuration() != 0 {
		t.Fatal("zero value not empty")
	}
	r := s.Report(5, 0, time.Time{}, t0)
	if r != (ReceptionReport{SSRC: 5}) {
		t.Fatalf("Report of zero stats = %+v", r)
	}
}

// TestReceiverStatsReport checks the fraction lost per interval (RFC 3550
// Appendix A.3) and the cumulative fields of successive reports.
func TestReceiverStatsReport(t *testing.T) {
	var s ReceiverStats
	feed(&s, seqRange(65531, 10)) // 65531..4, across the wrap, nothing lost
	now := t0.Add(time.Second)
	r := s.Report(0xabc, 0x11112222, now.Add(-time.Second/2), now)
	want := ReceptionReport{SSRC: 0xabc, LastSeq: 1<<16 | 4, LastSR: 0x11112222, DelaySinceLastSR: 0x8000}
	if r != want {
		t.Fatalf("first report %+v, want %+v", r, want)
	}
	// Next interval: 5..14 expected, 4 of 10 lost.
	feed(&s, []uint16{5, 7, 9, 11, 13, 14})
	r = s.Report(0xabc, 0, time.Time{}, now)
	want = ReceptionReport{SSRC: 0xabc, FractionLost: 4 * 256 / 10, TotalLost: 4, LastSeq: 1<<16 | 14}
	if r != want {
		t.Fatalf("second report %+v, want %+v", r, want)
	}
	// Late arrivals of two lost packets: the interval received more than it
	// expected, so the fraction is 0 (not negative) and the total drops.
	feed(&s, []uint16{6, 8})
	r = s.Report(0xabc, 0, time.Time{}, now)
	want = ReceptionReport{SSRC: 0xabc, FractionLost: 0, TotalLost: 2, LastSeq: 1<<16 | 14}
	if r != want {
		t.Fatalf("third report %+v, want %+v", r, want)
	}
	// Everything lost but the last of 256: fraction 255/256.
	feed(&s, []uint16{14 + 256})
	r = s.Report(0xabc, 0, time.Time{}, now)
	if r.FractionLost != 255 || r.TotalLost != 257 {
		t.Fatalf("fourth report %+v, want fraction 255 and 257 lost", r)
	}
}

// jitterRef is the reference computation of RFC 3550 Appendix A.8 written
// from absolute transit times: transit = arrival (in timestamp units) - ts,
// with ts unwrapped; J += (|D| - J)/16.
func jitterRef(arrivalsUS []int64, ts []int64, rate float64) float64 {
	var j, prev float64
	for i := range arrivalsUS {
		transit := float64(arrivalsUS[i])*rate/1e6 - float64(ts[i])
		if i > 0 {
			d := math.Abs(transit - prev)
			j += (d - j) / 16
		}
		prev = transit
	}
	return j
}

func TestReceiverStatsJitter(t *testing.T) {
	t.Run("hand computed", func(t *testing.T) {
		// Frames every 33.333 ms (3000 ticks); the second arrives 10 ms
		// (900 ticks) late, the third on time: D = 900 then 900.
		var s ReceiverStats
		s.Update(1, 0, t0)
		s.Update(2, 3000, t0.Add(time.Second/30+10*time.Millisecond))
		if got := s.Jitter(); math.Abs(got-56.25) > 1e-4 {
			t.Fatalf("jitter after one late packet = %v, want 56.25", got)
		}
		s.Update(3, 6000, t0.Add(2*time.Second/30))
		want := 56.25 + (900-56.25)/16
		if got := s.Jitter(); math.Abs(got-want) > 1e-4 {
			t.Fatalf("jitter = %v, want %v", got, want)
		}
		if got, want := s.JitterDuration(), time.Duration(want/90000*1e9); got < want-time.Microsecond || got > want+time.Microsecond {
			t.Fatalf("JitterDuration = %v, want %v", got, want)
		}
		if r := s.Report(1, 0, time.Time{}, t0); r.Jitter != uint32(want) {
			t.Fatalf("report jitter %d, want %d", r.Jitter, uint32(want))
		}
	})
	for _, tc := range []struct {
		name    string
		rate    uint32
		step    int64 // timestamp step per packet
		period  int64 // µs between packets
		startTS int64
	}{
		{"video 90 kHz, 30 fps, 11 packets per frame", 0, 3000, 33333, 1_000},
		{"video 90 kHz, timestamp wraps", 90000, 3000, 33333, 1<<32 - 50_000},
		{"audio 8 kHz", 8000, 160, 20000, 123},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			s := ReceiverStats{ClockRate: tc.rate}
			rate := float64(tc.rate)
			if rate == 0 {
				rate = 90000
			}
			var arr, ts []int64
			seq := uint16(60000)
			for i := range 3000 {
				frame := int64(i / 11) // several packets per timestamp, like JPEG fragments
				at := frame*tc.period + int64(i%11)*300 + r.Int64N(5000)
				stamp := tc.startTS + frame*tc.step
				arr, ts = append(arr, at), append(ts, stamp)
				s.Update(seq, uint32(stamp), t0.Add(time.Duration(at)*time.Microsecond))
				seq++
			}
			want := jitterRef(arr, ts, rate)
			if got := s.Jitter(); math.Abs(got-want) > 1e-6*want || want == 0 {
				t.Fatalf("jitter = %v, reference %v", got, want)
			}
			if got, w := s.JitterDuration().Seconds(), want/rate; math.Abs(got-w) > 1e-6 {
				t.Fatalf("JitterDuration = %vs, want %vs", got, w)
			}
		})
	}
}

func TestReceiverStatsAllocs(t *testing.T) {
	var s ReceiverStats
	var seq uint16
	if a := testing.AllocsPerRun(1000, func() { seq++; s.Update(seq, uint32(seq)*3000, t0) }); a != 0 {
		t.Fatalf("Update allocates %v times", a)
	}
}

func BenchmarkReceiverStatsUpdate(b *testing.B) {
	var s ReceiverStats
	var seq uint16
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		seq++
		s.Update(seq, uint32(seq)*3000, now)
	}
}

func TestDLSR(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want uint32
	}{
		{0, 0},
		{time.Second, 1 << 16},
		{1500 * time.Millisecond, 0x18000},
		{time.Second / 65536, 0}, // 15258 ns truncates just below one unit
		{65535*time.Second + time.Second/2, 0xffff8000},
		{65536 * time.Second, math.MaxUint32},
		{100 * time.Hour, math.MaxUint32},
	} {
		if got := dlsr(tc.d); got != tc.want {
			t.Errorf("dlsr(%v) = %#x, want %#x", tc.d, got, tc.want)
		}
	}
}
