package rtpjpeg

import (
	"bytes"
	"testing"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// encodeFuzzPackets encodes packets for FuzzDepacketize: per packet a flags
// byte (bit 0 marker, bits 1-3 timestamp step in frames, bit 4 step back),
// a 2-byte big-endian payload length (mod 4096) and the payload.
func encodeFuzzPackets(frames [][][]byte, shuffle bool) []byte {
	var out []byte
	for k, pls := range frames {
		order := make([]int, len(pls))
		for i := range order {
			order[i] = i
		}
		if shuffle && len(order) > 2 {
			order[0], order[len(order)-1] = order[len(order)-1], order[0]
		}
		for j, i := range order {
			flags := byte(0)
			if i == len(pls)-1 {
				flags |= 1
			}
			if j == 0 && k > 0 {
				flags |= 1 << 1
			}
			out = append(out, flags, byte(len(pls[i])>>8), byte(len(pls[i])))
			out = append(out, pls[i]...)
		}
	}
	return out
}

func fuzzDepacketizeSeeds(t testing.TB) [][]byte {
	var frames [][][]byte
	for _, src := range [][]byte{encodeGo(t, 48, 32, 50), encodeGo(t, 40, 24, 90)} {
		p, err := Packetize(src, 300)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, p.Payloads)
	}
	_, q50 := frameWith(t, func(f *Frame) { f.Q = 50; f.Tables = nil; f.Scan = f.Scan[len(f.Scan)-600:] })
	_, t64 := frameWith(t, func(f *Frame) { f.Tables = f.Tables[:64]; f.Type = 65; f.RestartInterval = 4; f.Scan = f.Scan[:300] })
	_, t0 := frameWith(t, func(f *Frame) { f.Tables = nil; f.Scan = f.Scan[:100] })
	lab := encodeGo(t, 16, 16, 50)
	return [][]byte{
		encodeFuzzPackets(frames, false),
		encodeFuzzPackets(frames, true),
		encodeFuzzPackets([][][]byte{q50, t64, t0}, false),
		encodeFuzzPackets([][][]byte{{lab}, frames[0]}, false),
		{1, 0, 8, 0, 0, 0, 0, 1, 50, 1, 1},
	}
}

func FuzzDepacketize(f *testing.F) {
	for _, s := range fuzzDepacketizeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxFrame = 64 << 10
		d := Depacketizer{MaxFrameBytes: maxFrame}
		ts := uint32(0)
		for len(data) >= 3 {
			flags, n := data[0], (int(data[1])<<8|int(data[2]))%4096
			data = data[3:]
			n = min(n, len(data))
			payload := data[:n]
			data = data[n:]
			step := uint32(flags>>1&7) * 3000
			if flags&0x10 != 0 {
				ts -= step
			} else {
				ts += step
			}
			jpg, err := d.PushPayload(ts, flags&1 == 1, payload)
			if jpg != nil && err != nil {
				t.Fatalf("both a frame and error %v", err)
			}
			if jpg == nil {
				continue
			}
			if bytes.Equal(jpg, payload) && bytes.HasPrefix(payload, []byte{0xFF, 0xD8}) {
				continue // lab dialect: whole JPEG payloads pass through
			}
			if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 || !bytes.HasSuffix(jpg, []byte{0xFF, 0xD9}) {
				t.Fatalf("returned %d bytes not a JPEG: % x", len(jpg), jpg[:min(8, len(jpg))])
			}
			if len(jpg) > maxFrame+jpegHeaderMax+2 {
				t.Fatalf("frame of %d bytes beyond the limit", len(jpg))
			}
		}
		c := d.Drops
		if d.FramesDropped != c.Incomplete+c.Overlap+c.Inconsistent+c.TooLarge+c.Unsupported+c.NoTables+c.Malformed {
			t.Fatalf("FramesDropped %d != sum of %+v", d.FramesDropped, c)
		}
	})
}

func FuzzPacketize(f *testing.F) {
	for _, s := range [][]byte{
		encodeGo(f, 24, 16, 75),
		encodeGo(f, 8, 8, 10),
		readShared(f, "vectors/frames_640x480_q5_dri/00002.jpg")[:2000],
		{0xFF, 0xD8, 0xFF, 0xD9},
	} {
		f.Add(s, uint16(1400))
		f.Add(s, uint16(200))
	}
	f.Fuzz(func(t *testing.T, jpeg []byte, mtu uint16) {
		p, err := Packetize(jpeg, int(mtu))
		if err != nil {
			return
		}
		info, err := jpeghdr.Parse(jpeg)
		if err != nil {
			t.Fatalf("Packetize accepted what Parse rejects: %v", err)
		}
		m := int(mtu)
		if m == 0 {
			m = DefaultMTU
		}
		for i, pl := range p.Payloads {
			if len(pl) > m-12 || (i < len(p.Payloads)-1 && len(pl) != m-12) {
				t.Fatalf("payload %d: %d bytes for mtu %d", i, len(pl), m)
			}
		}
		var d Depacketizer
		var got []byte
		for _, pk := range packets(p.Payloads, 0, 0) {
			jpg, err := d.Push(pk)
			if err != nil {
				t.Fatalf("own packets rejected: %v", err)
			}
			if jpg != nil {
				got = jpg
			}
		}
		scan := jpeg[info.ScanStart:info.Length]
		if got == nil || !bytes.HasSuffix(got, scan) {
			t.Fatalf("round trip lost the scan (%d frames)", d.FramesComplete)
		}
		if _, err := jpeghdr.Parse(got); err != nil {
			t.Fatalf("rebuilt JPEG does not parse: %v", err)
		}
	})
}
