package rtp

import (
	"bytes"
	"errors"
	"testing"
)

func TestPacketGolden(t *testing.T) {
	tests := []struct {
		name string
		wire string
		p    Packet
	}{
		{
			name: "payload no padding",
			wire: "80 9a 0001 00000bb8 12345678 | 00 000000 01 ff 50 3c",
			p: Packet{Header: Header{Version: 2, Marker: true, PayloadType: 26, SequenceNumber: 1, Timestamp: 3000, SSRC: 0x12345678},
				Payload: []byte{0, 0, 0, 0, 1, 0xff, 0x50, 0x3c}},
		},
		{
			name: "padding 4 (RFC 3550 5.1: last octet counts itself)",
			wire: "a0 1a 0002 00000000 00000001 | aa bb cc | 00 00 00 04",
			p: Packet{Header: Header{Version: 2, Padding: true, PayloadType: 26, SequenceNumber: 2, SSRC: 1},
				Payload: []byte{0xaa, 0xbb, 0xcc}, PaddingSize: 4},
		},
		{
			name: "padding only, empty payload",
			wire: "a0 1a 0003 00000000 00000001 | 01",
			p: Packet{Header: Header{Version: 2, Padding: true, PayloadType: 26, SequenceNumber: 3, SSRC: 1},
				Payload: []byte{}, PaddingSize: 1},
		},
		{
			name: "CSRC, extension and padding",
			wire: "b1 60 0004 00000005 00000006 | 00000007 | abcd 0001 01020304 | 99 | 00 02",
			p: Packet{Header: Header{Version: 2, Padding: true, Extension: true, PayloadType: 96, SequenceNumber: 4, Timestamp: 5, SSRC: 6,
				CSRC: []uint32{7}, ExtensionProfile: 0xabcd, ExtensionPayload: []byte{1, 2, 3, 4}},
				Payload: []byte{0x99}, PaddingSize: 2},
		},
		{
			name: "empty payload",
			wire: "80 1a 0005 00000000 00000001",
			p:    Packet{Header: Header{Version: 2, PayloadType: 26, SequenceNumber: 5, SSRC: 1}, Payload: []byte{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := unhex(t, tt.wire)
			var got Packet
			if err := got.Unmarshal(wire); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !equalHeader(&got.Header, &tt.p.Header) || !bytes.Equal(got.Payload, tt.p.Payload) || got.PaddingSize != tt.p.PaddingSize {
				t.Errorf("Unmarshal = %+v, want %+v", got, tt.p)
			}
			if s := tt.p.MarshalSize(); s != len(wire) {
				t.Errorf("MarshalSize = %d, want %d", s, len(wire))
			}
			out, err := tt.p.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !bytes.Equal(out, wire) {
				t.Errorf("Marshal = % x, want % x", out, wire)
			}
		})
	}
}

func TestPacketUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want error
	}{
		{"header short", "80 1a 00", ErrShortBuffer},
		{"bad version", "40 1a 0000 00000000 00000000 00", ErrBadVersion},
		{"P bit, no byte after header", "a0 1a 0000 00000000 00000000", ErrBadPadding},
		{"padding count zero", "a0 1a 0000 00000000 00000000 aa 00", ErrBadPadding},
		{"padding count into header", "a0 1a 0000 00000000 00000000 aa 03", ErrBadPadding},
		{"padding count into extension", "b0 1a 0000 00000000 00000000 0001 0001 00000000 05", ErrBadPadding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			if err := p.Unmarshal(unhex(t, tt.wire)); !errors.Is(err, tt.want) {
				t.Fatalf("Unmarshal error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestPacketMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		buf  int
		want error
	}{
		{"Padding without size", Packet{Header: Header{Padding: true}}, 100, ErrBadPadding},
		{"short for payload", Packet{Payload: make([]byte, 10)}, 21, ErrShortBuffer},
		{"short for padding", Packet{Payload: make([]byte, 10), PaddingSize: 3}, 24, ErrShortBuffer},
		{"bad header", Packet{Header: Header{PayloadType: 200}}, 100, ErrBadPayloadType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.p.MarshalTo(make([]byte, tt.buf)); !errors.Is(err, tt.want) {
				t.Fatalf("MarshalTo error = %v, want %v", err, tt.want)
			}
			if _, err := tt.p.Marshal(); tt.want != ErrShortBuffer && !errors.Is(err, tt.want) {
				t.Fatalf("Marshal error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestPacketMarshalClearsPadding checks that reused buffers do not leak stale
// bytes into padding.
func TestPacketMarshalClearsPadding(t *testing.T) {
	p := Packet{Header: Header{PayloadType: 26}, Payload: []byte{1}, PaddingSize: 4}
	buf := bytes.Repeat([]byte{0xff}, 32)
	n, err := p.MarshalTo(buf)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "a0 1a 0000 00000000 00000000 01 000000 04"); !bytes.Equal(buf[:n], want) {
		t.Fatalf("MarshalTo = % x, want % x", buf[:n], want)
	}
}

func TestPacketAliasesAndClone(t *testing.T) {
	wire := unhex(t, "91 1a 0001 00000002 00000003 00000004 0001 0001 05060708 aa bb")
	var p Packet
	if err := p.Unmarshal(wire); err != nil {
		t.Fatal(err)
	}
	c := p.Clone()
	wire[len(wire)-1] = 0xcc // payload aliases input
	wire[len(wire)-3] = 0x77 // extension aliases input
	if p.Payload[1] != 0xcc || p.ExtensionPayload[3] != 0x77 {
		t.Error("Payload/ExtensionPayload do not alias the input")
	}
	if c.Payload[1] != 0xbb || c.ExtensionPayload[3] != 0x08 || c.CSRC[0] != 4 {
		t.Errorf("Clone shares memory with the original: %+v", c)
	}
	// Appending to the payload must not overwrite the caller's buffer.
	if cap(p.Payload) != len(p.Payload) || cap(p.ExtensionPayload) != len(p.ExtensionPayload) {
		t.Error("aliased slices should have capacity clipped to their length")
	}
}
