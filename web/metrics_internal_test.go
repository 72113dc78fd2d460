package web

import (
	"slices"
	"testing"
)

// TestTotalsNeverGoDown: readers come, grow, leave and restart their
// counters; the per-label totals only grow, and forget nobody's last
// seen counts.
func TestTotalsNeverGoDown(t *testing.T) {
	tt := newTotals()
	steps := []struct {
		name string
		now  map[string]sample
		want map[string][]uint64
	}{
		{"first reader", map[string]sample{"a": {"udp", []uint64{10, 100}}},
			map[string][]uint64{"udp": {10, 100}}},
		{"it grows, another comes", map[string]sample{"a": {"udp", []uint64{15, 150}}, "b": {"tcp", []uint64{1, 2}}},
			map[string][]uint64{"udp": {15, 150}, "tcp": {1, 2}}},
		{"a leaves", map[string]sample{"b": {"tcp", []uint64{3, 4}}},
			map[string][]uint64{"udp": {15, 150}, "tcp": {3, 4}}},
		{"b restarts its counters", map[string]sample{"b": {"tcp", []uint64{1, 1}}},
			map[string][]uint64{"udp": {15, 150}, "tcp": {4, 5}}},
		{"a is back over another transport", map[string]sample{"a": {"tcp", []uint64{2, 2}}, "b": {"tcp", []uint64{1, 1}}},
			map[string][]uint64{"udp": {15, 150}, "tcp": {6, 7}}},
		{"everyone leaves", map[string]sample{},
			map[string][]uint64{"udp": {15, 150}, "tcp": {6, 7}}},
	}
	for _, s := range steps {
		got := tt.update(s.now, 2)
		for l, w := range s.want {
			if !slices.Equal(got[l], w) {
				t.Errorf("%s: %s = %v, want %v", s.name, l, got[l], w)
			}
		}
		if len(got) != len(s.want) {
			t.Errorf("%s: labels %v, want %v", s.name, got, s.want)
		}
	}
	if len(tt.last) != 0 {
		t.Errorf("remembers %d gone readers", len(tt.last))
	}
}
