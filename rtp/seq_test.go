package rtp

import "testing"

func TestSeqDiff(t *testing.T) {
	tests := []struct {
		a, b uint16
		diff int
	}{
		{0, 0, 0},
		{1, 0, 1},
		{0, 1, -1},
		{100, 90, 10},
		{2, 65534, 4},      // forward across the wrap
		{65534, 2, -4},     // backward across the wrap
		{0, 65535, 1},      // the wrap itself
		{65535, 0, -1},     //
		{32767, 0, 32767},  // largest forward distance
		{32768, 0, -32768}, // half the ring is "behind"
		{0, 32768, -32768}, //
		{40000, 10000, 30000},
		{10000, 40000, -30000},
		{10000, 50000, 25536},
	}
	for _, tt := range tests {
		if got := SeqDiff(tt.a, tt.b); got != tt.diff {
			t.Errorf("SeqDiff(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.diff)
		}
		if got, want := SeqLess(tt.a, tt.b), tt.diff < 0; got != want {
			t.Errorf("SeqLess(%d, %d) = %v, want %v", tt.a, tt.b, got, want)
		}
	}
}

// TestSeqWrapSweep walks a window across the whole ring, wrap included.
func TestSeqWrapSweep(t *testing.T) {
	for base := 0; base < 1<<16; base += 251 {
		b := uint16(base)
		for d := -1000; d <= 1000; d += 7 {
			a := uint16(base + d)
			if got := SeqDiff(a, b); got != d {
				t.Fatalf("SeqDiff(%d, %d) = %d, want %d", a, b, got, d)
			}
			if SeqLess(a, b) != (d < 0) || SeqLess(b, a) != (d > 0) {
				t.Fatalf("SeqLess wrong for %d vs %d (d=%d)", a, b, d)
			}
		}
	}
}
