package rtp

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	pionrtp "github.com/pion/rtp"
)

// randPacket returns a random packet with every header feature exercised:
// CSRC, a non-RFC 8285 extension profile, padding, marker.
func randPacket(r *rand.Rand) Packet {
	p := Packet{Header: Header{
		Version:        2,
		Marker:         r.IntN(2) == 0,
		PayloadType:    uint8(r.IntN(128)),
		SequenceNumber: uint16(r.Uint32()),
		Timestamp:      r.Uint32(),
		SSRC:           r.Uint32(),
	}}
	if n := r.IntN(MaxCSRC + 1); n > 0 && r.IntN(2) == 0 {
		p.CSRC = make([]uint32, n)
		for i := range p.CSRC {
			p.CSRC[i] = r.Uint32()
		}
	}
	if r.IntN(2) == 0 {
		p.Extension = true
		for {
			p.ExtensionProfile = uint16(r.Uint32())
			if p.ExtensionProfile != pionrtp.ExtensionProfileOneByte && p.ExtensionProfile != pionrtp.ExtensionProfileTwoByte {
				break
			}
		}
		p.ExtensionPayload = make([]byte, 4*r.IntN(5))
		fill(r, p.ExtensionPayload)
	}
	p.Payload = make([]byte, r.IntN(1500))
	fill(r, p.Payload)
	if r.IntN(3) == 0 {
		p.PaddingSize = uint8(1 + r.IntN(255))
		p.Padding = true
	}
	return p
}

func fill(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

// toPion converts our packet to pion's representation.
func toPion(t *testing.T, p *Packet) *pionrtp.Packet {
	t.Helper()
	pp := &pionrtp.Packet{
		Header: pionrtp.Header{
			Version: p.Version, Padding: p.Padding, Marker: p.Marker, PayloadType: p.PayloadType,
			SequenceNumber: p.SequenceNumber, Timestamp: p.Timestamp, SSRC: p.SSRC,
			CSRC: slices.Clone(p.CSRC), PaddingSize: p.PaddingSize,
		},
		Payload: p.Payload,
	}
	if p.Extension {
		pp.Extension = true
		pp.ExtensionProfile = p.ExtensionProfile
		if len(p.ExtensionPayload) > 0 {
			if err := pp.SetExtension(0, p.ExtensionPayload); err != nil {
				t.Fatal(err)
			}
		}
	}
	return pp
}

// TestPionOursToPion marshals random packets with this package and decodes them
// with pion/rtp, then compares the fields.
func TestPionOursToPion(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		p := randPacket(r)
		wire, err := p.Marshal()
		if err != nil {
			t.Fatalf("case %d: Marshal: %v", i, err)
		}
		var pp pionrtp.Packet
		if err := pp.Unmarshal(wire); err != nil {
			t.Fatalf("case %d: pion Unmarshal: %v", i, err)
		}
		h := pp.Header
		var ext []byte
		if h.Extension {
			ext = h.GetExtension(0)
		}
		if h.Version != 2 || h.Padding != p.Padding || h.Extension != p.Extension || h.Marker != p.Marker ||
			h.PayloadType != p.PayloadType || h.SequenceNumber != p.SequenceNumber || h.Timestamp != p.Timestamp ||
			h.SSRC != p.SSRC || !slices.Equal(h.CSRC, p.CSRC) || h.PaddingSize != p.PaddingSize ||
			(p.Extension && h.ExtensionProfile != p.ExtensionProfile) || !bytes.Equal(ext, p.ExtensionPayload) ||
			!bytes.Equal(pp.Payload, p.Payload) {
			t.Fatalf("case %d: pion decoded %+v, want %+v", i, h, p.Header)
		}
	}
}

// TestPionPionToOurs marshals random packets with pion/rtp and decodes them
// with this package; re-marshalling with this package must give pion's bytes.
func TestPionPionToOurs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		want := randPacket(r)
		pp := toPion(t, &want)
		wire, err := pp.Marshal()
		if err != nil {
			t.Fatalf("case %d: pion Marshal: %v", i, err)
		}
		var got Packet
		if err := got.Unmarshal(wire); err != nil {
			t.Fatalf("case %d: Unmarshal: %v", i, err)
		}
		if !equalHeader(&got.Header, &want.Header) || !bytes.Equal(got.Payload, want.Payload) || got.PaddingSize != want.PaddingSize {
			t.Fatalf("case %d: decoded %+v, want %+v", i, got.Header, want.Header)
		}
		ours, err := got.Marshal()
		if err != nil || !bytes.Equal(ours, wire) {
			t.Fatalf("case %d: re-marshal differs from pion's bytes (err %v)", i, err)
		}
	}
}

// TestPionOneByteExtension checks that RFC 8285 one-byte extensions written by
// pion survive a decode/encode through this package byte for byte.
func TestPionOneByteExtension(t *testing.T) {
	pp := &pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: 26, SequenceNumber: 9, SSRC: 1}, Payload: []byte{1, 2, 3}}
	if err := pp.SetExtension(1, []byte{0xaa}); err != nil {
		t.Fatal(err)
	}
	if err := pp.SetExtension(5, []byte{0xbb, 0xcc, 0xdd}); err != nil {
		t.Fatal(err)
	}
	wire, err := pp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var p Packet
	if err := p.Unmarshal(wire); err != nil {
		t.Fatal(err)
	}
	if p.ExtensionProfile != 0xbede || len(p.ExtensionPayload) != 8 || !bytes.Equal(p.Payload, []byte{1, 2, 3}) {
		t.Fatalf("decoded %+v payload % x", p.Header, p.Payload)
	}
	out, err := p.Marshal()
	if err != nil || !bytes.Equal(out, wire) {
		t.Fatalf("re-marshal % x, want % x (err %v)", out, wire, err)
	}
}
