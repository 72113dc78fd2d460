package rtp

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// TestGoldenFirstPackets parses the first packets of real captures as printed
// in shared/design/interop.md ("Golden first packets").
func TestGoldenFirstPackets(t *testing.T) {
	tests := []struct {
		name    string
		wire    string
		seq     uint16
		ts      uint32
		ssrc    uint32
		payload string
	}{
		{"gst I420 q85", "80 1a 6e b2 b0 ac 62 cf ee 11 16 d4 | 00 000000 01 ff 50 3c | 00 00 0080 | 05 03 04 04 04 03 05 04",
			0x6eb2, 0xb0ac62cf, 0xee1116d4, "00 000000 01 ff 50 3c | 00 00 0080 | 05 03 04 04 04 03 05 04"},
		{"gst DRI", "80 1a 1a d9 f2 fe e4 a5 c2 a2 72 6c | 00 000000 41 ff 50 3c | 0028 ffff | 00 00 0080 | 08 0a 0a 0b",
			0x1ad9, 0xf2fee4a5, 0xc2a2726c, "00 000000 41 ff 50 3c | 0028 ffff | 00 00 0080 | 08 0a 0a 0b"},
		{"ffmpeg", "80 1a 03 3c 6d b7 24 e3 9a af 7a d0 | 00 000000 01 ff 50 3c | 00 00 0040 | 08 0a 0a 0b",
			0x033c, 0x6db724e3, 0x9aaf7ad0, "00 000000 01 ff 50 3c | 00 00 0040 | 08 0a 0a 0b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := unhex(t, tt.wire)
			var p Packet
			if err := p.Unmarshal(wire); err != nil {
				t.Fatal(err)
			}
			want := Header{Version: 2, PayloadType: 26, SequenceNumber: tt.seq, Timestamp: tt.ts, SSRC: tt.ssrc}
			if !equalHeader(&p.Header, &want) || p.PaddingSize != 0 {
				t.Errorf("header = %+v, want %+v", p.Header, want)
			}
			if !bytes.Equal(p.Payload, unhex(t, tt.payload)) {
				t.Errorf("payload = % x", p.Payload)
			}
			hdr := make([]byte, HeaderSize)
			PutHeader(hdr, false, 26, tt.seq, tt.ts, tt.ssrc)
			if !bytes.Equal(hdr, wire[:HeaderSize]) {
				t.Errorf("PutHeader = % x, want % x", hdr, wire[:HeaderSize])
			}
		})
	}
}

// readRTPDump splits a capture made of records of a 2-byte big-endian length
// followed by one whole RTP packet (the format of shared/vectors/*.rtpdump).
func readRTPDump(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			t.Fatalf("%s: trailing byte", path)
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			t.Fatalf("%s: record of %d bytes truncated", path, n)
		}
		pkts = append(pkts, b[2:2+n])
		b = b[2+n:]
	}
	return pkts
}

// TestVectors parses every packet of the captured streams: 3 JPEG frames each,
// contiguous sequence numbers, one timestamp per frame stepping by 3000
// (30 fps at 90 kHz), the marker on the last packet of each frame only, and
// the first packet's fields as measured on the wire.
func TestVectors(t *testing.T) {
	tests := []struct {
		file      string
		packets   int
		firstSeq  uint16
		firstTS   uint32
		ssrc      uint32
		firstSize int
	}{
		{"vectors/gst_rtpjpegpay_640x480_q5.rtpdump", 33, 26032, 2081904402, 0x8f511949, 1400},
		{"vectors/gst_rtpjpegpay_640x480_q5_dri_type65.rtpdump", 33, 6884, 4076793948, 0xc2a2726c, 1400},
		{"vectors/ffmpeg_rtpenc_640x480_q5_dupmatrix.rtpdump", 33, 1690, 3768785871, 0xb712ce64, 1472},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pkts := readRTPDump(t, testenv.SharedPath(t, tt.file))
			if len(pkts) != tt.packets {
				t.Fatalf("%d packets, want %d", len(pkts), tt.packets)
			}
			if len(pkts[0]) != tt.firstSize {
				t.Errorf("first packet %d bytes, want %d", len(pkts[0]), tt.firstSize)
			}
			var p Packet
			frames := 0
			for i, raw := range pkts {
				if err := p.Unmarshal(raw); err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				if p.Version != 2 || p.PayloadType != 26 || p.Padding || p.Extension || len(p.CSRC) != 0 || p.SSRC != tt.ssrc {
					t.Fatalf("packet %d: unexpected header %+v", i, p.Header)
				}
				if want := tt.firstSeq + uint16(i); p.SequenceNumber != want {
					t.Errorf("packet %d: seq %d, want %d", i, p.SequenceNumber, want)
				}
				if want := tt.firstTS + uint32(frames)*3000; p.Timestamp != want {
					t.Errorf("packet %d: ts %d, want %d", i, p.Timestamp, want)
				}
				if len(p.Payload) != len(raw)-HeaderSize {
					t.Errorf("packet %d: payload %d bytes, want %d", i, len(p.Payload), len(raw)-HeaderSize)
				}
				if p.Payload[4] != 1 && p.Payload[4] != 65 { // RFC 2435 type: 1, or 65 with restart markers
					t.Errorf("packet %d: RFC 2435 type %d", i, p.Payload[4])
				}
				if p.Marker {
					frames++
				}
				// Re-marshal gives the captured bytes back.
				out, err := p.Marshal()
				if err != nil || !bytes.Equal(out, raw) {
					t.Fatalf("packet %d: re-marshal differs (err %v)", i, err)
				}
			}
			if frames != 3 || !p.Marker {
				t.Errorf("%d frames (last marker %v), want 3 ending with a marker", frames, p.Marker)
			}
		})
	}
}
