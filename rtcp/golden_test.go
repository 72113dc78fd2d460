package rtcp

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex with spaces and '|' separators; t may be nil in
// package-level tables (a bad literal then panics at init).
func unhex(t testing.TB, s string) []byte {
	if t != nil {
		t.Helper()
	}
	s = strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		if t == nil {
			panic(err)
		}
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func hexText(s string) string { return hex.EncodeToString([]byte(s)) }

// goldenPackets are laid out by hand from the RFC 3550 §6.4-§6.6 diagrams.
var goldenPackets = []struct {
	name string
	wire string
	pkt  Packet
}{
	{
		name: "SR with one report block (§6.4.1)",
		// V=2 P=0 RC=1 | PT=200 | length 12 (52 bytes)
		wire: "81 c8 000c | 12345678 | e6a01234 80000000 | 0001e240 | 00000064 | 0000c350 |" +
			" 9abcdef0 | 40 fffffe | 00010005 | 00000010 | a0123480 | 00018000",
		pkt: &SenderReport{SSRC: 0x12345678, NTPTime: 0xe6a0123480000000, RTPTime: 123456, PacketCount: 100, OctetCount: 50000,
			Reports: []ReceptionReport{{SSRC: 0x9abcdef0, FractionLost: 0x40, TotalLost: -2, LastSeq: 0x00010005,
				Jitter: 16, LastSR: 0xa0123480, DelaySinceLastSR: 0x18000}}},
	},
	{
		name: "SR without blocks",
		wire: "80 c8 0006 | 00000001 | 00000002 00000003 | 00000004 | 00000005 | 00000006",
		pkt:  &SenderReport{SSRC: 1, NTPTime: 2<<32 | 3, RTPTime: 4, PacketCount: 5, OctetCount: 6},
	},
	{
		name: "SR with profile extension",
		wire: "80 c8 0007 | 00000001 | 00000000 00000000 | 00000000 | 00000000 | 00000000 | cafebabe",
		pkt:  &SenderReport{SSRC: 1, ProfileExtensions: []byte{0xca, 0xfe, 0xba, 0xbe}},
	},
	{
		name: "empty RR (§6.4.2)",
		wire: "80 c9 0001 | 12345678",
		pkt:  &ReceiverReport{SSRC: 0x12345678},
	},
	{
		name: "RR with two blocks, max positive loss",
		wire: "82 c9 000d | 00000001 |" +
			" 00000002 | ff 7fffff | ffffffff | 00000000 | 00000000 | 00000000 |" +
			" 00000003 | 00 800000 | 00000000 | ffffffff | 00000001 | 00000002",
		pkt: &ReceiverReport{SSRC: 1, Reports: []ReceptionReport{
			{SSRC: 2, FractionLost: 255, TotalLost: MaxTotalLost, LastSeq: 0xffffffff},
			{SSRC: 3, TotalLost: MinTotalLost, Jitter: 0xffffffff, LastSR: 1, DelaySinceLastSR: 2},
		}},
	},
	{
		name: "SDES CNAME (§6.5.1), one null octet ends the chunk",
		// chunk: SSRC(4) + 01 09 "user@host"(11) + 00 = 16 bytes
		wire: "81 ca 0004 | 12345678 | 01 09 " + hexText("user@host") + " 00",
		pkt:  NewCNAME(0x12345678, "user@host"),
	},
	{
		name: "SDES items ending on a word boundary need a whole null word",
		// SSRC(4) + 01 02 "ab" = 8, + 00 000000 = 12
		wire: "81 ca 0003 | 00000001 | 01 02 " + hexText("ab") + " | 00 00 00 00",
		pkt:  NewCNAME(1, "ab"),
	},
	{
		name: "SDES two chunks, several items, empty chunk",
		wire: "83 ca 0009 | 00000001 | 01 01 " + hexText("a") + " 06 04 " + hexText("tool") + " 00 00 00 |" +
			" 00000002 | 00 000000 | 00000003 | 02 03 " + hexText("bob") + " 08 00 00",
		pkt: &SourceDescription{Chunks: []SDESChunk{
			{SSRC: 1, Items: []SDESItem{{Type: SDESCNAME, Text: "a"}, {Type: SDESTool, Text: "tool"}}},
			{SSRC: 2},
			{SSRC: 3, Items: []SDESItem{{Type: SDESName, Text: "bob"}, {Type: SDESPrivate, Text: ""}}},
		}},
	},
	{
		name: "empty SDES",
		wire: "80 ca 0000",
		pkt:  &SourceDescription{},
	},
	{
		name: "BYE with reason (§6.6)",
		// SSRC + 06 "closed" 00 (padding to the word)
		wire: "81 cb 0003 | 12345678 | 06 " + hexText("closed") + " 00",
		pkt:  &Goodbye{Sources: []uint32{0x12345678}, Reason: "closed"},
	},
	{
		name: "BYE two sources, no reason",
		wire: "82 cb 0002 | 00000001 | 00000002",
		pkt:  &Goodbye{Sources: []uint32{1, 2}},
	},
	{
		name: "BYE reason filling the word",
		wire: "81 cb 0002 | 00000001 | 03 " + hexText("end"),
		pkt:  &Goodbye{Sources: []uint32{1}, Reason: "end"},
	},
	{
		name: "APP kept as Raw (§6.7)",
		wire: "81 cc 0003 | 12345678 | " + hexText("TEST") + " | 01020304",
		pkt:  &Raw{Type: TypeApplication, Count: 1, Body: unhex(nil, "12345678"+hexText("TEST")+"01020304")},
	},
	{
		name: "XR kept as Raw",
		wire: "80 cf 0001 | 00000001",
		pkt:  &Raw{Type: TypeExtendedReport, Body: []byte{0, 0, 0, 1}},
	},
}

func TestGolden(t *testing.T) {
	for _, tt := range goldenPackets {
		t.Run(tt.name, func(t *testing.T) {
			wire := unhex(t, tt.wire)
			if s := tt.pkt.MarshalSize(); s != len(wire) {
				t.Errorf("MarshalSize = %d, want %d", s, len(wire))
			}
			got, err := Marshal(tt.pkt)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !bytes.Equal(got, wire) {
				t.Errorf("Marshal =\n% x\nwant\n% x", got, wire)
			}
			pkts, err := Unmarshal(wire)
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if len(pkts) != 1 || !reflect.DeepEqual(pkts[0], tt.pkt) {
				t.Errorf("Unmarshal = %#v, want %#v", pkts, tt.pkt)
			}
			// The typed Unmarshal methods agree with the compound decoder.
			var one Packet
			switch tt.pkt.(type) {
			case *SenderReport:
				one = new(SenderReport)
			case *ReceiverReport:
				one = new(ReceiverReport)
			case *SourceDescription:
				one = new(SourceDescription)
			case *Goodbye:
				one = new(Goodbye)
			case *Raw:
				one = new(Raw)
			}
			if err := one.(interface{ Unmarshal([]byte) error }).Unmarshal(wire); err != nil {
				t.Fatalf("typed Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(one, tt.pkt) {
				t.Errorf("typed Unmarshal = %#v, want %#v", one, tt.pkt)
			}
		})
	}
}

// TestCompound round-trips a compound packet as a server sends it: SR, SDES
// CNAME, BYE; and checks padding on the last packet is accepted.
func TestCompound(t *testing.T) {
	pkts := []Packet{
		&SenderReport{SSRC: 7, NTPTime: 1 << 40, RTPTime: 3000, PacketCount: 11, OctetCount: 15000},
		NewCNAME(7, "rtpstream@host"),
		&Goodbye{Sources: []uint32{7}, Reason: "end of stream"},
	}
	b, err := Marshal(pkts...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, pkts) {
		t.Fatalf("round trip = %#v, want %#v", got, pkts)
	}
	if sd := got[1].(*SourceDescription); sd.CNAME(7) != "rtpstream@host" || sd.CNAME(8) != "" {
		t.Errorf("CNAME lookup wrong")
	}

	// AppendMarshal appends after existing bytes.
	prefix := []byte{0xaa, 0xbb}
	out, err := AppendMarshal(prefix, pkts...)
	if err != nil || !bytes.Equal(out[:2], prefix) || !bytes.Equal(out[2:], b) {
		t.Fatalf("AppendMarshal = % x, %v", out, err)
	}

	// RR + SDES where the last packet carries 8 bytes of padding (RFC 3550 §6.4.1).
	padded := unhex(t, "80 c9 0001 00000009 | a1 ca 0005 00000009 01 02 "+hexText("hi")+" 00 000000 | 00000000 00000008")
	got, err = Unmarshal(padded)
	if err != nil {
		t.Fatal(err)
	}
	want := []Packet{&ReceiverReport{SSRC: 9}, NewCNAME(9, "hi")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("padded = %#v, want %#v", got, want)
	}
}
