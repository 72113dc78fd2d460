package rtcp

import (
	"errors"
	"strings"
	"testing"
)

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want error
	}{
		{"empty", "", ErrTruncated},
		{"3 bytes", "80 c9 00", ErrTruncated},
		{"version 1", "40 c9 0001 00000001", ErrBadVersion},
		{"version 0 in second packet", "80 c9 0001 00000001 00 c9 0001 00000001", ErrBadVersion},
		{"length past the end", "80 c9 0002 00000001", ErrTruncated},
		{"trailing garbage", "80 c9 0001 00000001 80", ErrTruncated},
		{"padding count 0", "a0 c9 0002 00000001 00000000", ErrBadPadding},
		{"padding count not a multiple of 4", "a0 c9 0002 00000001 00000003", ErrBadPadding},
		{"padding count past the body", "a0 c9 0002 00000001 0000000c", ErrBadPadding},
		{"padding on empty packet", "a0 cc 0000", ErrBadPadding},
		{"RR count beyond body", "81 c9 0001 00000001", ErrBadLength},
		{"RR without SSRC", "80 c9 0000", ErrBadLength},
		{"SR too short", "80 c8 0002 00000001 00000000", ErrBadLength},
		{"SR count beyond body", "81 c8 0006 00000001 00000000 00000000 00000000 00000000 00000000", ErrBadLength},
		{"SDES chunk missing", "81 ca 0000", ErrMalformed},
		{"SDES unterminated", "81 ca 0002 00000001 01 02 6162", ErrMalformed},
		{"SDES item past end", "81 ca 0002 00000001 01 09 6162", ErrMalformed},
		{"SDES item header cut", "81 ca 0002 00000001 01 01 61 01", ErrMalformed},
		{"SDES second chunk missing", "82 ca 0002 00000001 00000000", ErrMalformed},
		{"BYE count beyond body", "82 cb 0001 00000001", ErrBadLength},
		{"BYE reason past end", "81 cb 0002 00000001 09 616263", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Unmarshal(unhex(t, tt.wire)); !errors.Is(err, tt.want) {
				t.Fatalf("Unmarshal error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTypedUnmarshalErrors(t *testing.T) {
	rr := unhex(t, "80 c9 0001 00000001")
	if err := new(SenderReport).Unmarshal(rr); !errors.Is(err, ErrWrongType) {
		t.Errorf("SR.Unmarshal(RR) = %v, want ErrWrongType", err)
	}
	if err := new(ReceiverReport).Unmarshal(append(rr, rr...)); !errors.Is(err, ErrBadLength) {
		t.Errorf("RR.Unmarshal(two packets) = %v, want ErrBadLength", err)
	}
	if err := new(Raw).Unmarshal(append(rr, 0)); !errors.Is(err, ErrBadLength) {
		t.Errorf("Raw.Unmarshal(extra byte) = %v, want ErrBadLength", err)
	}
	if err := new(Goodbye).Unmarshal(rr[:3]); !errors.Is(err, ErrTruncated) {
		t.Errorf("BYE.Unmarshal(3 bytes) = %v, want ErrTruncated", err)
	}
}

func TestMarshalErrors(t *testing.T) {
	long := strings.Repeat("x", 256)
	tests := []struct {
		name string
		pkt  Packet
		want error
	}{
		{"SR with 32 blocks", &SenderReport{Reports: make([]ReceptionReport, 32)}, ErrTooMany},
		{"RR with 32 blocks", &ReceiverReport{Reports: make([]ReceptionReport, 32)}, ErrTooMany},
		{"SR extension not words", &SenderReport{ProfileExtensions: []byte{1}}, ErrBadLength},
		{"RR extension not words", &ReceiverReport{ProfileExtensions: []byte{1, 2}}, ErrBadLength},
		{"SDES 32 chunks", &SourceDescription{Chunks: make([]SDESChunk, 32)}, ErrTooMany},
		{"SDES text too long", NewCNAME(1, long), ErrTextTooLong},
		{"SDES END item", &SourceDescription{Chunks: []SDESChunk{{Items: []SDESItem{{Type: SDESEnd}}}}}, ErrMalformed},
		{"BYE 32 sources", &Goodbye{Sources: make([]uint32, 32)}, ErrTooMany},
		{"BYE reason too long", &Goodbye{Reason: long}, ErrTextTooLong},
		{"Raw count 32", &Raw{Type: 204, Count: 32}, ErrTooMany},
		{"Raw body not words", &Raw{Type: 204, Body: []byte{1}}, ErrBadLength},
		{"Raw body too large", &Raw{Type: 204, Body: make([]byte, 0x40000)}, ErrBadLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Marshal(tt.pkt); !errors.Is(err, tt.want) {
				t.Fatalf("Marshal error = %v, want %v", err, tt.want)
			}
		})
	}
	// Short destination buffers.
	for _, tt := range goldenPackets {
		buf := make([]byte, tt.pkt.MarshalSize()-1)
		if _, err := tt.pkt.MarshalTo(buf); !errors.Is(err, ErrShortBuffer) {
			t.Errorf("%s: MarshalTo(short) = %v, want ErrShortBuffer", tt.name, err)
		}
	}
}

// TestTotalLostClamped checks the 24-bit clamp of the cumulative loss.
func TestTotalLostClamped(t *testing.T) {
	for _, tc := range []struct {
		in, out int32
	}{{1 << 24, MaxTotalLost}, {-1 << 24, MinTotalLost}, {-1, -1}, {5, 5}} {
		b, err := Marshal(&ReceiverReport{Reports: []ReceptionReport{{TotalLost: tc.in}}})
		if err != nil {
			t.Fatal(err)
		}
		pkts, err := Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := pkts[0].(*ReceiverReport).Reports[0].TotalLost; got != tc.out {
			t.Errorf("TotalLost %d -> %d, want %d", tc.in, got, tc.out)
		}
	}
}
