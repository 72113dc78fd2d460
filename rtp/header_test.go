package rtp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
)

// unhex decodes hex with spaces and '|' separators, as printed in interop.md.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// equalHeader compares headers treating nil and empty slices as equal.
func equalHeader(a, b *Header) bool {
	return a.Version == b.Version && a.Padding == b.Padding && a.Extension == b.Extension &&
		a.Marker == b.Marker && a.PayloadType == b.PayloadType &&
		a.SequenceNumber == b.SequenceNumber && a.Timestamp == b.Timestamp && a.SSRC == b.SSRC &&
		slices.Equal(a.CSRC, b.CSRC) && a.ExtensionProfile == b.ExtensionProfile &&
		bytes.Equal(a.ExtensionPayload, b.ExtensionPayload)
}

// TestHeaderGolden checks hand-built bytes laid out from the RFC 3550 §5.1 and
// §5.3.1 diagrams in both directions.
func TestHeaderGolden(t *testing.T) {
	tests := []struct {
		name string
		wire string
		h    Header
	}{
		{
			name: "fixed header only",
			wire: "80 1a 6e b2 b0 ac 62 cf ee 11 16 d4",
			h:    Header{Version: 2, PayloadType: 26, SequenceNumber: 0x6eb2, Timestamp: 0xb0ac62cf, SSRC: 0xee1116d4},
		},
		{
			name: "marker, max payload type, wrapped fields",
			wire: "80 ff ff ff ff ff ff ff 00 00 00 00",
			h:    Header{Version: 2, Marker: true, PayloadType: 127, SequenceNumber: 0xffff, Timestamp: 0xffffffff},
		},
		{
			name: "two CSRC",
			// V=2 CC=2 | M=1 PT=96 | seq 1 | ts 2 | ssrc 3 | csrc 0x11111111 0x22222222
			wire: "82 e0 0001 00000002 00000003 11111111 22222222",
			h: Header{Version: 2, Marker: true, PayloadType: 96, SequenceNumber: 1, Timestamp: 2, SSRC: 3,
				CSRC: []uint32{0x11111111, 0x22222222}},
		},
		{
			name: "extension 0xBEDE two words",
			// V=2 X=1 CC=0 | PT=26 | seq | ts | ssrc | BEDE 0002 | 8 bytes
			wire: "90 1a 1234 00000000 deadbeef bede 0002 10 aa 00 00 21 bb cc 00",
			h: Header{Version: 2, Extension: true, PayloadType: 26, SequenceNumber: 0x1234, SSRC: 0xdeadbeef,
				ExtensionProfile: 0xbede, ExtensionPayload: []byte{0x10, 0xaa, 0, 0, 0x21, 0xbb, 0xcc, 0}},
		},
		{
			name: "empty extension with CSRC",
			wire: "91 1a 0000 00000000 00000000 cafebabe 1000 0000",
			h: Header{Version: 2, Extension: true, PayloadType: 26, CSRC: []uint32{0xcafebabe},
				ExtensionProfile: 0x1000, ExtensionPayload: []byte{}},
		},
		{
			name: "padding bit",
			wire: "a0 1a 0000 00000000 00000000",
			h:    Header{Version: 2, Padding: true, PayloadType: 26},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := unhex(t, tt.wire)
			var got Header
			n, err := got.Unmarshal(wire)
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if n != len(wire) {
				t.Errorf("Unmarshal length = %d, want %d", n, len(wire))
			}
			if !equalHeader(&got, &tt.h) {
				t.Errorf("Unmarshal = %+v, want %+v", got, tt.h)
			}
			if s := tt.h.MarshalSize(); s != len(wire) {
				t.Errorf("MarshalSize = %d, want %d", s, len(wire))
			}
			buf := make([]byte, len(wire)+8)
			n, err = tt.h.MarshalTo(buf)
			if err != nil {
				t.Fatalf("MarshalTo: %v", err)
			}
			if !bytes.Equal(buf[:n], wire) {
				t.Errorf("MarshalTo = % x, want % x", buf[:n], wire)
			}
		})
	}
}

func TestHeaderUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want error
	}{
		{"empty", "", ErrShortBuffer},
		{"11 bytes", "80 1a 0000 00000000 000000", ErrShortBuffer},
		{"version 0", "00 1a 0000 00000000 00000000", ErrBadVersion},
		{"version 1", "40 1a 0000 00000000 00000000", ErrBadVersion},
		{"version 3", "c0 1a 0000 00000000 00000000", ErrBadVersion},
		{"CSRC missing", "81 1a 0000 00000000 00000000", ErrShortBuffer},
		{"CSRC truncated", "82 1a 0000 00000000 00000000 00000001 0000", ErrShortBuffer},
		{"extension header missing", "90 1a 0000 00000000 00000000 bede", ErrShortBuffer},
		{"extension body truncated", "90 1a 0000 00000000 00000000 bede 0002 00000000", ErrShortBuffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Header
			if _, err := h.Unmarshal(unhex(t, tt.wire)); !errors.Is(err, tt.want) {
				t.Fatalf("Unmarshal error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHeaderMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		h    Header
		buf  int
		want error
	}{
		{"short buffer", Header{}, 11, ErrShortBuffer},
		{"short for CSRC", Header{CSRC: []uint32{1}}, 12, ErrShortBuffer},
		{"version 1", Header{Version: 1}, 12, ErrBadVersion},
		{"payload type 128", Header{PayloadType: 128}, 12, ErrBadPayloadType},
		{"16 CSRC", Header{CSRC: make([]uint32, 16)}, 100, ErrTooManyCSRC},
		{"extension not words", Header{Extension: true, ExtensionPayload: []byte{1, 2, 3}}, 100, ErrBadExtension},
		{"extension too long", Header{Extension: true, ExtensionPayload: make([]byte, 0x10000*4)}, 0x50000, ErrBadExtension},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.h.MarshalTo(make([]byte, tt.buf)); !errors.Is(err, tt.want) {
				t.Fatalf("MarshalTo error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestHeaderZeroVersion checks that a zero Version marshals as 2.
func TestHeaderZeroVersion(t *testing.T) {
	h := Header{PayloadType: 26, SequenceNumber: 7}
	buf := make([]byte, HeaderSize)
	if _, err := h.MarshalTo(buf); err != nil {
		t.Fatal(err)
	}
	if buf[0] != 0x80 {
		t.Fatalf("first byte = %#x, want 0x80", buf[0])
	}
}

// TestHeaderUnmarshalReusesCSRC checks that CSRC capacity is reused and that
// state from a previous packet (extension, CSRC) does not leak.
func TestHeaderUnmarshalReusesCSRC(t *testing.T) {
	var h Header
	withCSRC := unhex(t, "92 1a 0000 00000000 00000000 00000001 00000002 bede 0001 11223344")
	if _, err := h.Unmarshal(withCSRC); err != nil {
		t.Fatal(err)
	}
	backing := &h.CSRC[0]
	plain := unhex(t, "81 1a 0000 00000000 00000000 00000009")
	if _, err := h.Unmarshal(plain); err != nil {
		t.Fatal(err)
	}
	if &h.CSRC[0] != backing {
		t.Error("CSRC backing array was not reused")
	}
	if !slices.Equal(h.CSRC, []uint32{9}) || h.Extension || h.ExtensionProfile != 0 || h.ExtensionPayload != nil {
		t.Errorf("stale state after second Unmarshal: %+v", h)
	}
}

func TestPutHeader(t *testing.T) {
	tests := []struct {
		marker bool
		pt     uint8
		seq    uint16
		ts     uint32
		ssrc   uint32
		want   string
	}{
		{false, 26, 0x6eb2, 0xb0ac62cf, 0xee1116d4, "80 1a 6e b2 b0 ac 62 cf ee 11 16 d4"},
		{true, 26, 0x1ad9, 0xf2fee4a5, 0xc2a2726c, "80 9a 1a d9 f2 fe e4 a5 c2 a2 72 6c"},
		{true, 0xff, 0xffff, 0, 0, "80 ff ff ff 00 00 00 00 00 00 00 00"},
	}
	for _, tt := range tests {
		buf := bytes.Repeat([]byte{0xee}, HeaderSize+2)
		PutHeader(buf, tt.marker, tt.pt, tt.seq, tt.ts, tt.ssrc)
		want := unhex(t, tt.want)
		if !bytes.Equal(buf[:HeaderSize], want) || buf[HeaderSize] != 0xee {
			t.Errorf("PutHeader(%v,%d,%d,%d,%d) = % x, want % x", tt.marker, tt.pt, tt.seq, tt.ts, tt.ssrc, buf, want)
		}
		// PutHeader and MarshalTo agree.
		h := Header{Marker: tt.marker, PayloadType: tt.pt & 0x7f, SequenceNumber: tt.seq, Timestamp: tt.ts, SSRC: tt.ssrc}
		other := make([]byte, HeaderSize)
		if _, err := h.MarshalTo(other); err != nil || !bytes.Equal(other, want) {
			t.Errorf("MarshalTo = % x, %v; want % x", other, err, want)
		}
	}
}
