package rtp

import "testing"

func benchPacket() Packet {
	return Packet{Header: Header{Marker: true, PayloadType: 26, SequenceNumber: 1, Timestamp: 2, SSRC: 3}, Payload: make([]byte, 1388)}
}

func BenchmarkHeaderMarshalTo(b *testing.B) {
	p := benchPacket()
	buf := make([]byte, 1500)
	b.ReportAllocs()
	for b.Loop() {
		p.SequenceNumber++
		if _, err := p.Header.MarshalTo(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPutHeader(b *testing.B) {
	buf := make([]byte, HeaderSize)
	var seq uint16
	b.ReportAllocs()
	for b.Loop() {
		seq++
		PutHeader(buf, false, 26, seq, 3000, 0x12345678)
	}
}

func BenchmarkPacketMarshalTo(b *testing.B) {
	p := benchPacket()
	buf := make([]byte, 1500)
	b.ReportAllocs()
	b.SetBytes(int64(p.MarshalSize()))
	for b.Loop() {
		if _, err := p.MarshalTo(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHeaderUnmarshal(b *testing.B) {
	p := benchPacket()
	wire, _ := p.Marshal()
	var h Header
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Unmarshal(wire); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPacketUnmarshal(b *testing.B) {
	p := benchPacket()
	wire, _ := p.Marshal()
	var q Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		if err := q.Unmarshal(wire); err != nil {
			b.Fatal(err)
		}
	}
}
