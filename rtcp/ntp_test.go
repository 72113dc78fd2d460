package rtcp

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestNTPTime(t *testing.T) {
	tests := []struct {
		t   time.Time
		ntp uint64
	}{
		{time.Unix(0, 0), 0x83aa7e80_00000000},           // Unix epoch = 2208988800 s after 1900
		{time.Unix(0, 500_000_000), 0x83aa7e80_80000000}, // half a second
		{time.Unix(1, 250_000_000), 0x83aa7e81_40000000},
		{time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC), 0}, // end of NTP era 0
		{time.Date(2036, 2, 7, 6, 28, 17, 0, time.UTC), 1 << 32},
		{time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), uint64(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).Unix()+ntpEpochOffset) << 32},
	}
	for _, tt := range tests {
		if got := NTPTime(tt.t); got != tt.ntp {
			t.Errorf("NTPTime(%v) = %#x, want %#x", tt.t, got, tt.ntp)
		}
		if got := NTPToTime(tt.ntp); !got.Equal(tt.t) {
			t.Errorf("NTPToTime(%#x) = %v, want %v", tt.ntp, got, tt.t)
		}
	}
	// The fraction rounds to the nearest 2^-32 s: 0.999999999 s * 2^32 = 0xfffffffb.b.
	if got := NTPTime(time.Unix(0, 999_999_999)); got != 0x83aa7e80_fffffffc {
		t.Errorf("NTPTime(0.999999999) = %#x, want 0x83aa7e80fffffffc", got)
	}
}

// TestNTPRoundTrip converts random instants from 1970 to 2100 both ways; the
// 2^-32 s fraction keeps them within a nanosecond.
func TestNTPRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	end := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for range 10000 {
		in := time.Unix(0, r.Int64N(end)).UTC()
		out := NTPToTime(NTPTime(in))
		if d := out.Sub(in); d < -1 || d > 1 {
			t.Fatalf("round trip of %v = %v (off by %v)", in, out, d)
		}
	}
}

func TestMiddleNTP(t *testing.T) {
	if got := MiddleNTP(0x1234567890abcdef); got != 0x567890ab {
		t.Fatalf("MiddleNTP = %#x", got)
	}
}

// TestRoundTrip follows the example of RFC 3550 §6.4.1: an SR sent at T,
// held 1.5 s by the receiver, the RR arriving 0.25 s of network time later.
func TestRoundTrip(t *testing.T) {
	sent := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	lsr := MiddleNTP(NTPTime(sent))
	var stats ReceiverStats
	stats.Update(1, 0, sent)
	srArrival := sent.Add(100 * time.Millisecond)
	rrSent := srArrival.Add(1500 * time.Millisecond)
	rep := stats.Report(1, lsr, srArrival, rrSent)
	if want := uint32(1.5 * 65536); rep.DelaySinceLastSR != want {
		t.Errorf("DLSR = %d, want %d", rep.DelaySinceLastSR, want)
	}
	rtt, ok := rep.RoundTrip(rrSent.Add(150 * time.Millisecond))
	if !ok {
		t.Fatal("RoundTrip not ok")
	}
	if want := 250 * time.Millisecond; rtt < want-time.Millisecond || rtt > want+time.Millisecond {
		t.Errorf("RoundTrip = %v, want about %v", rtt, want)
	}
	if _, ok := (&ReceptionReport{}).RoundTrip(rrSent); ok {
		t.Error("RoundTrip without LSR should not be ok")
	}
	if _, ok := rep.RoundTrip(sent); ok {
		t.Error("negative round trip should not be ok")
	}
}
