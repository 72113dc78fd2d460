package rtpjpeg

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/rtp"
)

// pushAll feeds packets and returns the JPEGs produced.
func pushAll(t testing.TB, d *Depacketizer, pkts []*rtp.Packet) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range pkts {
		jpg, _ := d.Push(p)
		if jpg != nil {
			out = append(out, jpg)
		}
	}
	return out
}

// Depacketizing real captures yields frames that decode to the source
// frames' pixels: GStreamer type 1, GStreamer type 65 with restart markers,
// and ffmpeg (128 bytes: the single table duplicated, no trailing EOI).
func TestDepacketizeCaptures(t *testing.T) {
	tests := []struct{ dump, frames string }{
		{"vectors/gst_rtpjpegpay_640x480_q5.rtpdump", "frames_640x480_q5"},
		{"vectors/gst_rtpjpegpay_640x480_q5_dri_type65.rtpdump", "frames_640x480_q5_dri"},
		{"vectors/ffmpeg_rtpenc_640x480_q5_dupmatrix.rtpdump", "frames_640x480_q5"},
	}
	for _, tt := range tests {
		t.Run(tt.dump, func(t *testing.T) {
			var d Depacketizer
			got := pushAll(t, &d, readRTPDump(t, tt.dump))
			src := vectorFrames(t, tt.frames)
			if len(got) != len(src) || d.FramesComplete != 3 || d.FramesDropped != 0 {
				t.Fatalf("%d frames (complete %d dropped %d), want %d", len(got), d.FramesComplete, d.FramesDropped, len(src))
			}
			for k := range got {
				samePixels(t, got[k], src[k])
				info, err := jpeghdr.Parse(got[k])
				if err != nil || info.Length != len(got[k]) {
					t.Fatalf("rebuilt JPEG: %v", err)
				}
				if typ, err := info.RFC2435(); err != nil || typ != readRTPDump(t, tt.dump)[0].Payload[4] {
					t.Fatalf("rebuilt JPEG type %d, %v", typ, err)
				}
			}
		})
	}
}

// Packetize then depacketize, for several MTUs and fragments in random
// order, with duplicates: the decoded pixels equal the source's.
func TestRoundTripReordered(t *testing.T) {
	sources := append(vectorFrames(t, "frames_640x480_q5_dri"), encodeGo(t, 70, 50, 90), encodeGo(t, 640, 480, 30))
	rng := rand.New(rand.NewPCG(1, 2))
	var d Depacketizer
	ts := uint32(1000)
	for _, src := range sources {
		for _, mtu := range []int{200, 576, 1400, 9000} {
			p, err := Packetize(src, mtu)
			if err != nil {
				t.Fatal(err)
			}
			pkts := packets(p.Payloads, ts, 0)
			ts += 3000
			rng.Shuffle(len(pkts), func(i, j int) { pkts[i], pkts[j] = pkts[j], pkts[i] })
			if len(pkts) > 2 {
				pkts = append(pkts, pkts[1]) // duplicate, arriving last
				pkts[0], pkts[len(pkts)-1] = pkts[len(pkts)-1], pkts[0]
			}
			got := pushAll(t, &d, pkts)
			if len(got) != 1 {
				t.Fatalf("mtu %d: %d frames, want 1 (dropped %d: %+v)", mtu, len(got), d.FramesDropped, d.Drops)
			}
			samePixels(t, got[0], src)
		}
	}
	if d.FramesDropped != 0 || d.DuplicateFragments == 0 {
		t.Fatalf("dropped %d duplicates %d", d.FramesDropped, d.DuplicateFragments)
	}
}

// frameWith packetizes the vector frame 00002 with modified Frame fields.
func frameWith(t testing.TB, mod func(f *Frame)) (src []byte, payloads [][]byte) {
	t.Helper()
	src = readShared(t, "vectors/frames_640x480_q5/00002.jpg")
	f, err := NewFrame(src)
	if err != nil {
		t.Fatal(err)
	}
	mod(f)
	var p Packetized
	if err := f.PacketizeTo(&p, 1400); err != nil {
		t.Fatal(err)
	}
	return src, p.Payloads
}

// The quantization table variants a receiver must accept (§3.1.8): 64 bytes
// (one table for both, as ffmpeg sends for single-table JPEGs), 192 bytes
// (components use tables 0, 1, 1), 16-bit tables, and length 0 reusing the
// tables received earlier for the same Q.
func TestDepacketizeTableVariants(t *testing.T) {
	tests := []struct {
		name string
		mod  func(f *Frame)
	}{
		{"64 bytes", func(f *Frame) { f.Tables = f.Tables[:64] }},
		{"192 bytes", func(f *Frame) { f.Tables = append(bytes.Clone(f.Tables), bytes.Repeat([]byte{99}, 64)...) }},
		{"16-bit", func(f *Frame) {
			wide := make([]byte, 256)
			for i, v := range f.Tables {
				wide[2*i+1] = v
			}
			f.Tables, f.Precision = wide, 3
		}},
		{"Q 128", func(f *Frame) { f.Q = 128 }},
		{"4:2:2 type 0 header", func(f *Frame) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, pls := frameWith(t, tt.mod)
			var d Depacketizer
			got := pushAll(t, &d, packets(pls, 0, 0))
			if len(got) != 1 {
				t.Fatalf("no frame: %+v", d.Drops)
			}
			samePixels(t, got[0], src)
		})
	}
}

func TestDepacketizeTablesReused(t *testing.T) {
	src, first := frameWith(t, func(f *Frame) { f.Q = 200 })
	_, second := frameWith(t, func(f *Frame) { f.Q = 200; f.Tables = nil })
	if q := second[0][8:12]; !bytes.Equal(q, []byte{0, 0, 0, 0}) {
		t.Fatalf("quantization header % x, want length 0", q)
	}
	// Length 0 before any tables for that Q: dropped.
	var d Depacketizer
	_, err := d.Push(packets(second, 0, 0)[0])
	if !errors.Is(err, ErrNoTables) || d.Drops.NoTables != 1 {
		t.Fatalf("error %v drops %+v, want ErrNoTables", err, d.Drops)
	}
	got := pushAll(t, &d, append(packets(first, 3000, 0), packets(second, 6000, 20)...))
	if len(got) != 2 {
		t.Fatalf("%d frames, drops %+v", len(got), d.Drops)
	}
	samePixels(t, got[1], src)
}

// Q 1..99: tables computed from Q (§4.2). Go's encoder uses the same
// scaling, so a Go JPEG at quality q sent with Q=q decodes identically.
func TestDepacketizeComputedTables(t *testing.T) {
	for _, q := range []uint8{10, 50, 75, 99} {
		src := encodeGo(t, 256, 192, int(q))
		f, err := NewFrame(src)
		if err != nil {
			t.Fatal(err)
		}
		f.Q, f.Tables = q, nil
		var p Packetized
		if err := f.PacketizeTo(&p, 300); err != nil {
			t.Fatal(err)
		}
		if len(p.Payloads[0]) != 288 || p.Payloads[0][5] != q {
			t.Fatalf("Q=%d: first payload % x", q, p.Payloads[0][:8])
		}
		var d Depacketizer
		got := pushAll(t, &d, packets(p.Payloads, 0, 0))
		if len(got) != 1 {
			t.Fatalf("Q=%d: no frame: %+v", q, d.Drops)
		}
		samePixels(t, got[0], src)
	}
}

// Loss, overlap, inconsistency, late packets: frames are dropped and
// counted by reason; the next good frame still comes out.
func TestDepacketizeDrops(t *testing.T) {
	src, pls := frameWith(t, func(*Frame) {})
	good := func(ts uint32) []*rtp.Packet { return packets(pls, ts, 0) }
	corrupt := func(ts uint32, i int, mod func(pl []byte) []byte) []*rtp.Packet {
		pk := good(ts)
		pk[i] = &rtp.Packet{Header: pk[i].Header, Payload: mod(bytes.Clone(pk[i].Payload))}
		return pk
	}
	without := func(ts uint32, i int) []*rtp.Packet { pk := good(ts); return append(pk[:i], pk[i+1:]...) }
	tests := []struct {
		name    string
		pkts    []*rtp.Packet
		reason  func(*DropCounts) uint64
		wantErr error
	}{
		{"lost middle fragment", without(0, 3), func(c *DropCounts) uint64 { return c.Incomplete }, ErrIncompleteFrame},
		{"lost first fragment", without(0, 0), func(c *DropCounts) uint64 { return c.Incomplete }, ErrIncompleteFrame},
		{"lost marker packet", without(0, len(pls)-1), func(c *DropCounts) uint64 { return c.Incomplete }, ErrIncompleteFrame},
		{"overlap", corrupt(0, 2, func(pl []byte) []byte { pl[3] += 10; return pl }), func(c *DropCounts) uint64 { return c.Overlap }, ErrOverlap},
		{"size changes", corrupt(0, 2, func(pl []byte) []byte { pl[6] = 40; return pl }), func(c *DropCounts) uint64 { return c.Inconsistent }, ErrInconsistent},
		{"marker before data", func() []*rtp.Packet {
			pk := good(0)
			pk[2].Marker = true
			pk[2], pk[3] = pk[3], pk[2]
			return pk
		}(), func(c *DropCounts) uint64 { return c.Inconsistent }, ErrInconsistent},
		{"type 2", corrupt(0, 0, func(pl []byte) []byte { pl[4] = 2; return pl }), func(c *DropCounts) uint64 { return c.Unsupported }, ErrUnsupportedType},
		{"type 129", corrupt(0, 0, func(pl []byte) []byte { pl[4] = 129; return pl }), func(c *DropCounts) uint64 { return c.Unsupported }, ErrUnsupportedType},
		{"Q 0", corrupt(0, 0, func(pl []byte) []byte { pl[5] = 0; return pl }), func(c *DropCounts) uint64 { return c.Unsupported }, ErrUnsupportedQ},
		{"Q 100", corrupt(0, 0, func(pl []byte) []byte { pl[5] = 100; return pl }), func(c *DropCounts) uint64 { return c.Unsupported }, ErrUnsupportedQ},
		{"short payload", corrupt(0, 1, func(pl []byte) []byte { return pl[:5] }), func(c *DropCounts) uint64 { return c.Malformed }, ErrMalformedPacket},
		{"bad table length", corrupt(0, 0, func(pl []byte) []byte { pl[11] = 100; return pl }), func(c *DropCounts) uint64 { return c.Malformed }, ErrMalformedPacket},
		{"zero width", corrupt(0, 0, func(pl []byte) []byte { pl[6] = 0; return pl }), func(c *DropCounts) uint64 { return c.Malformed }, ErrMalformedPacket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Depacketizer{MaxFrameBytes: 1 << 20}
			var errs []error
			for _, p := range append(tt.pkts, good(3000)...) {
				jpg, err := d.Push(p)
				if err != nil {
					errs = append(errs, err)
				}
				if jpg != nil && p.Timestamp != 3000 {
					t.Fatalf("frame returned from a broken frame")
				}
			}
			if d.FramesComplete != 1 || d.FramesDropped != 1 || tt.reason(&d.Drops) != 1 {
				t.Fatalf("complete %d dropped %d drops %+v", d.FramesComplete, d.FramesDropped, d.Drops)
			}
			if len(errs) != 1 || !errors.Is(errs[0], tt.wantErr) {
				t.Fatalf("errors %v, want one %v", errs, tt.wantErr)
			}
		})
	}
	// Late and duplicate packets of a finished frame are ignored.
	var d Depacketizer
	pk := good(3000)
	pushAll(t, &d, pk)
	old := good(0)
	if got := pushAll(t, &d, append([]*rtp.Packet{pk[2]}, old...)); len(got) != 0 || d.LatePackets != uint64(1+len(old)) || d.FramesDropped != 0 {
		t.Fatalf("late packets: %d frames, late %d, dropped %d", len(got), d.LatePackets, d.FramesDropped)
	}
	// A timestamp far behind is a new stream, not late.
	if got := pushAll(t, &d, good(uint32(1<<32-2*lateWindow))); len(got) != 1 {
		t.Fatalf("timestamp discontinuity: no frame")
	}
	samePixels(t, pushAll(t, &d, good(9000))[0], src)
}

func TestDepacketizeMaxFrameBytes(t *testing.T) {
	_, pls := frameWith(t, func(*Frame) {})
	d := Depacketizer{MaxFrameBytes: 5000}
	var errs []error
	for _, p := range packets(pls, 0, 0) {
		if _, err := d.Push(p); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrFrameTooLarge) || d.Drops.TooLarge != 1 || d.FramesComplete != 0 {
		t.Fatalf("errors %v drops %+v", errs, d.Drops)
	}
}

// Whole-JPEG payloads (the lab dialect) come out as they are.
func TestDepacketizeLabPayload(t *testing.T) {
	movie := readShared(t, "media/movie.Mjpeg")
	frame := movie[5 : 5+6014]
	var d Depacketizer
	p := &rtp.Packet{Header: rtp.Header{PayloadType: PayloadType, SequenceNumber: 1, Timestamp: 1700000000}, Payload: frame}
	jpg, err := d.Push(p)
	if err != nil || !bytes.Equal(jpg, frame) || d.FramesComplete != 1 {
		t.Fatalf("lab payload: %v, %d bytes", err, len(jpg))
	}
	if &jpg[0] == &frame[0] {
		t.Fatalf("returned JPEG aliases the packet")
	}
}

// gortsplib's packetizer output round-trips through the depacketizer.
func TestDepacketizeGortsplibEncoder(t *testing.T) {
	sources := append(vectorFrames(t, "frames_640x480_q5"), encodeGo(t, 320, 240, 85))
	for _, src := range sources {
		pkts := gortsplibEncode(t, src)
		var d Depacketizer
		got := pushAll(t, &d, pkts)
		if len(got) != 1 {
			t.Fatalf("%d frames from %d packets, drops %+v", len(got), len(pkts), d.Drops)
		}
		samePixels(t, got[0], src)
	}
}

// In steady state Push allocates nothing per packet (with ReuseOutput, not
// even per frame).
func TestDepacketizeNoAlloc(t *testing.T) {
	_, pls := frameWith(t, func(*Frame) {})
	d := Depacketizer{ReuseOutput: true}
	ts := uint32(0)
	run := func() {
		for _, p := range packets(pls, ts, 0) {
			_, _ = d.Push(p)
		}
		ts += 3000
	}
	run()
	pkts := packets(pls, 0, 0)
	if n := testing.AllocsPerRun(20, func() {
		ts += 3000
		for _, p := range pkts {
			p.Timestamp = ts
			if _, err := d.Push(p); err != nil {
				t.Fatal(err)
			}
		}
	}); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
	if d.FramesComplete < 20 {
		t.Fatalf("only %d frames", d.FramesComplete)
	}
}

func BenchmarkDepacketizerPush(b *testing.B) {
	src := readShared(b, "vectors/frames_640x480_q5/00002.jpg")
	p, err := Packetize(src, DefaultMTU)
	if err != nil {
		b.Fatal(err)
	}
	pkts := packets(p.Payloads, 0, 0)
	d := Depacketizer{ReuseOutput: true}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	ts := uint32(0)
	for b.Loop() {
		ts += 3000
		for _, pk := range pkts {
			pk.Timestamp = ts
			if _, err := d.Push(pk); err != nil {
				b.Fatal(err)
			}
		}
	}
	if d.FramesComplete != uint64(b.N) || d.FramesDropped != 0 {
		b.Fatalf("%d frames complete, %d dropped, want %d", d.FramesComplete, d.FramesDropped, b.N)
	}
}

// Alloc provides each returned JPEG's buffer when it is large enough; a
// short one is ignored in favour of a fresh allocation.
func TestDepacketizeAlloc(t *testing.T) {
	src, pls := frameWith(t, func(*Frame) {})
	for _, tc := range []struct {
		name  string
		extra int // capacity beyond what was asked for; < 0: too short
		uses  bool
	}{{"roomy", 4096, true}, {"exact", 0, true}, {"short", -1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var given []byte
			calls := 0
			d := Depacketizer{Alloc: func(size int) []byte {
				calls++
				given = make([]byte, 7, size+tc.extra) // length is not kept
				return given
			}}
			got := pushAll(t, &d, packets(pls, 90000, 0))
			if len(got) != 1 || calls != 1 {
				t.Fatalf("%d frames, Alloc called %d times", len(got), calls)
			}
			if shares := &got[0][:1][0] == &given[:1][0]; shares != tc.uses {
				t.Fatalf("JPEG in the given buffer: %v, want %v", shares, tc.uses)
			}
			samePixels(t, got[0], src)
		})
	}
}
