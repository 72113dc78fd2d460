package rtcp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	pionrtcp "github.com/pion/rtcp"
)

func randBytes(r *rand.Rand, n int) []byte {
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func randText(r *rand.Rand, max int) string {
	b := make([]byte, r.IntN(max+1))
	for i := range b {
		b[i] = byte(' ' + r.IntN(95))
	}
	return string(b)
}

func randReports(r *rand.Rand) []ReceptionReport {
	n := r.IntN(4)
	if n == 0 {
		return nil
	}
	rs := make([]ReceptionReport, n)
	for i := range rs {
		rs[i] = ReceptionReport{SSRC: r.Uint32(), FractionLost: uint8(r.Uint32()),
			TotalLost: MinTotalLost + r.Int32N(MaxTotalLost-MinTotalLost+1), LastSeq: r.Uint32(),
			Jitter: r.Uint32(), LastSR: r.Uint32(), DelaySinceLastSR: r.Uint32()}
	}
	return rs
}

// randCompound returns a random compound packet of the four typed kinds plus
// an unknown type kept as Raw.
func randCompound(r *rand.Rand) []Packet {
	var pkts []Packet
	for range 1 + r.IntN(5) {
		switch r.IntN(5) {
		case 0:
			pkts = append(pkts, &SenderReport{SSRC: r.Uint32(), NTPTime: r.Uint64(), RTPTime: r.Uint32(),
				PacketCount: r.Uint32(), OctetCount: r.Uint32(), Reports: randReports(r),
				ProfileExtensions: randBytes(r, 4*r.IntN(3))})
		case 1:
			pkts = append(pkts, &ReceiverReport{SSRC: r.Uint32(), Reports: randReports(r),
				ProfileExtensions: randBytes(r, 4*r.IntN(3))})
		case 2:
			sd := &SourceDescription{}
			for range 1 + r.IntN(3) {
				c := SDESChunk{SSRC: r.Uint32()}
				for range r.IntN(4) {
					c.Items = append(c.Items, SDESItem{Type: uint8(1 + r.IntN(8)), Text: randText(r, 40)})
				}
				sd.Chunks = append(sd.Chunks, c)
			}
			pkts = append(pkts, sd)
		case 3:
			bye := &Goodbye{}
			for range 1 + r.IntN(3) {
				bye.Sources = append(bye.Sources, r.Uint32())
			}
			if r.IntN(2) == 0 {
				bye.Reason = randText(r, 60)
			}
			pkts = append(pkts, bye)
		case 4:
			pkts = append(pkts, &Raw{Type: 210 + uint8(r.IntN(40)), Count: uint8(r.IntN(32)), Body: randBytes(r, 4*r.IntN(4))})
		}
	}
	return pkts
}

func toPionReports(rs []ReceptionReport) []pionrtcp.ReceptionReport {
	var out []pionrtcp.ReceptionReport
	for _, x := range rs {
		out = append(out, pionrtcp.ReceptionReport{SSRC: x.SSRC, FractionLost: x.FractionLost,
			TotalLost: uint32(x.TotalLost) & 0xffffff, LastSequenceNumber: x.LastSeq, Jitter: x.Jitter,
			LastSenderReport: x.LastSR, Delay: x.DelaySinceLastSR})
	}
	return out
}

func fromPionReports(rs []pionrtcp.ReceptionReport) []ReceptionReport {
	var out []ReceptionReport
	for _, x := range rs {
		out = append(out, ReceptionReport{SSRC: x.SSRC, FractionLost: x.FractionLost,
			TotalLost: int32(x.TotalLost<<8) >> 8, LastSeq: x.LastSequenceNumber, Jitter: x.Jitter,
			LastSR: x.LastSenderReport, DelaySinceLastSR: x.Delay})
	}
	return out
}

func toPion(t *testing.T, p Packet) pionrtcp.Packet {
	switch p := p.(type) {
	case *SenderReport:
		return &pionrtcp.SenderReport{SSRC: p.SSRC, NTPTime: p.NTPTime, RTPTime: p.RTPTime, PacketCount: p.PacketCount,
			OctetCount: p.OctetCount, Reports: toPionReports(p.Reports), ProfileExtensions: p.ProfileExtensions}
	case *ReceiverReport:
		return &pionrtcp.ReceiverReport{SSRC: p.SSRC, Reports: toPionReports(p.Reports), ProfileExtensions: p.ProfileExtensions}
	case *SourceDescription:
		sd := &pionrtcp.SourceDescription{}
		for _, c := range p.Chunks {
			pc := pionrtcp.SourceDescriptionChunk{Source: c.SSRC}
			for _, it := range c.Items {
				pc.Items = append(pc.Items, pionrtcp.SourceDescriptionItem{Type: pionrtcp.SDESType(it.Type), Text: it.Text})
			}
			sd.Chunks = append(sd.Chunks, pc)
		}
		return sd
	case *Goodbye:
		return &pionrtcp.Goodbye{Sources: p.Sources, Reason: p.Reason}
	case *Raw:
		b, err := p.marshal()
		if err != nil {
			t.Fatal(err)
		}
		raw := pionrtcp.RawPacket(b)
		return &raw
	}
	t.Fatalf("unexpected %T", p)
	return nil
}

func fromPion(t *testing.T, p pionrtcp.Packet) Packet {
	switch p := p.(type) {
	case *pionrtcp.SenderReport:
		return &SenderReport{SSRC: p.SSRC, NTPTime: p.NTPTime, RTPTime: p.RTPTime, PacketCount: p.PacketCount,
			OctetCount: p.OctetCount, Reports: fromPionReports(p.Reports), ProfileExtensions: nilIfEmpty(p.ProfileExtensions)}
	case *pionrtcp.ReceiverReport:
		return &ReceiverReport{SSRC: p.SSRC, Reports: fromPionReports(p.Reports), ProfileExtensions: nilIfEmpty(p.ProfileExtensions)}
	case *pionrtcp.SourceDescription:
		sd := &SourceDescription{}
		for _, c := range p.Chunks {
			oc := SDESChunk{SSRC: c.Source}
			for _, it := range c.Items {
				oc.Items = append(oc.Items, SDESItem{Type: uint8(it.Type), Text: it.Text})
			}
			sd.Chunks = append(sd.Chunks, oc)
		}
		return sd
	case *pionrtcp.Goodbye:
		return &Goodbye{Sources: p.Sources, Reason: p.Reason}
	case *pionrtcp.RawPacket:
		var raw Raw
		if err := raw.Unmarshal(*p); err != nil {
			t.Fatal(err)
		}
		return &raw
	}
	t.Fatalf("unexpected pion packet %T", p)
	return nil
}

// marshal is a test helper returning one packet's bytes.
func (p *Raw) marshal() ([]byte, error) { return Marshal(p) }

// TestPionOursToPion marshals random compound packets with this package and
// decodes them with pion/rtcp.
func TestPionOursToPion(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 1000 {
		pkts := randCompound(r)
		b, err := Marshal(pkts...)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		pp, err := pionrtcp.Unmarshal(b)
		if err != nil {
			t.Fatalf("case %d: pion Unmarshal: %v\n% x", i, err, b)
		}
		var got []Packet
		for _, p := range pp {
			got = append(got, fromPion(t, p))
		}
		if !reflect.DeepEqual(got, pkts) {
			t.Fatalf("case %d: pion decoded\n%s\nwant\n%s", i, dump(got), dump(pkts))
		}
	}
}

// TestPionPionToOurs marshals random compound packets with pion/rtcp and
// decodes them with this package; re-marshalling gives pion's bytes.
func TestPionPionToOurs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 1000 {
		want := randCompound(r)
		var pp []pionrtcp.Packet
		for _, p := range want {
			pp = append(pp, toPion(t, p))
		}
		b, err := pionrtcp.Marshal(pp)
		if err != nil {
			t.Fatalf("case %d: pion Marshal: %v", i, err)
		}
		got, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("case %d: Unmarshal: %v\n% x", i, err, b)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: decoded\n%s\nwant\n%s", i, dump(got), dump(want))
		}
		ours, err := Marshal(got...)
		if err != nil || !bytes.Equal(ours, b) {
			t.Fatalf("case %d: re-marshal differs from pion (err %v)\n% x\n% x", i, err, ours, b)
		}
	}
}

func dump(pkts []Packet) string {
	var b strings.Builder
	for _, p := range pkts {
		fmt.Fprintf(&b, "%#v\n", p)
	}
	return b.String()
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
