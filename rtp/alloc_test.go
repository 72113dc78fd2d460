package rtp

import (
	"testing"
)

// TestZeroAllocs proves the per-packet paths allocate nothing (style.md habit 4).
func TestZeroAllocs(t *testing.T) {
	payload := make([]byte, 1388)
	p := Packet{Header: Header{Marker: true, PayloadType: 26, SequenceNumber: 1, Timestamp: 2, SSRC: 3}, Payload: payload}
	buf := make([]byte, 1500)
	wire, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	withCSRC := unhex(t, "b2 1a 0001 00000002 00000003 00000004 00000005 abcd 0001 01020304 99 00 02")
	var q Packet
	if err := q.Unmarshal(withCSRC); err != nil { // warm up: CSRC capacity grows once
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   func()
	}{
		{"Header.MarshalTo", func() { _, _ = p.Header.MarshalTo(buf) }},
		{"Packet.MarshalTo", func() { _, _ = p.MarshalTo(buf) }},
		{"Header.Unmarshal", func() { _, _ = q.Header.Unmarshal(wire) }},
		{"Packet.Unmarshal", func() { _ = q.Unmarshal(wire) }},
		{"Packet.Unmarshal with CSRC, extension, padding (capacity reused)", func() { _ = q.Unmarshal(withCSRC) }},
		{"PutHeader", func() { PutHeader(buf, true, 26, 1, 2, 3) }},
		{"SeqDiff", func() { _ = SeqDiff(1, 65535) }},
	}
	for _, tt := range tests {
		if a := testing.AllocsPerRun(1000, tt.fn); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, a)
		}
	}
	var fresh Packet
	if a := testing.AllocsPerRun(1000, func() { fresh = Packet{}; _ = fresh.Unmarshal(wire) }); a != 0 {
		t.Errorf("Unmarshal into a zero Packet (no CSRC): %v allocations, want 0", a)
	}
}
