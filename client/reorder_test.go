package client

import (
	"slices"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
)

func TestReorderBuffer(t *testing.T) {
	const delay = 50 * time.Millisecond
	type step struct {
		seq    int // -1: advance the clock by delay and expire
		expect []uint16
	}
	for _, tc := range []struct {
		name  string
		steps []step
		late  uint64
	}{
		{"in order", []step{{10, []uint16{10}}, {11, []uint16{11}}, {12, []uint16{12}}}, 0},
		{"swap", []step{{10, []uint16{10}}, {12, nil}, {11, []uint16{11, 12}}, {13, []uint16{13}}}, 0},
		{"wrap", []step{{65534, []uint16{65534}}, {0, nil}, {65535, []uint16{65535, 0}}, {1, []uint16{1}}}, 0},
		{"gap expires", []step{{10, []uint16{10}}, {12, nil}, {13, nil}, {-1, []uint16{12, 13}}, {11, nil}, {14, []uint16{14}}}, 1},
		{"duplicate held", []step{{10, []uint16{10}}, {12, nil}, {12, nil}, {11, []uint16{11, 12}}}, 1},
		{"late duplicate", []step{{10, []uint16{10}}, {10, nil}}, 1},
		{"overflow", []step{{1, []uint16{1}}, {3, nil}, {4, nil}, {5, nil}, {6, nil}, {7, []uint16{3, 4, 5, 6, 7}}, {2, nil}}, 1},
		{"resync", []step{{100, []uint16{100}}, {102, nil}, {40000, []uint16{102, 40000}}, {40001, []uint16{40001}}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newReorderBuffer(4, delay)
			now := time.Unix(1000, 0)
			for i, st := range tc.steps {
				var out []*rtp.Packet
				if st.seq < 0 {
					now = now.Add(delay)
					out = b.expire(now, nil)
				} else {
					p := &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(st.seq)}, Payload: []byte{byte(st.seq)}}
					out = b.push(p, now, nil)
				}
				var got []uint16
				for _, p := range out {
					got = append(got, p.SequenceNumber)
				}
				if !slices.Equal(got, st.expect) {
					t.Fatalf("step %d (seq %d): delivered %v, want %v", i, st.seq, got, st.expect)
				}
			}
			if b.late != tc.late {
				t.Fatalf("late %d, want %d", b.late, tc.late)
			}
		})
	}
}

// TestReorderBufferCopiesHeld checks that a held packet does not alias the
// caller's buffer, which the UDP loop reuses.
func TestReorderBufferCopiesHeld(t *testing.T) {
	b := newReorderBuffer(4, time.Second)
	now := time.Now()
	b.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 1}}, now, nil)
	buf := []byte{7}
	b.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 3}, Payload: buf}, now, nil)
	buf[0] = 9
	out := b.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 2}}, now, nil)
	if len(out) != 2 || out[1].Payload[0] != 7 {
		t.Fatalf("held packet changed with the caller's buffer")
	}
}

func BenchmarkReorderInOrder(b *testing.B) {
	rb := newReorderBuffer(8, 50*time.Millisecond)
	p := &rtp.Packet{}
	out := make([]*rtp.Packet, 0, 16)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		p.SequenceNumber++
		out = rb.push(p, now, out[:0])
	}
}
