package jpeghdr

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"reflect"
	"testing"
)

func TestParseVectors(t *testing.T) {
	tests := []struct {
		file                  string
		typ                   uint8
		restart, length, scan int
	}{
		{"vectors/frames_640x480_q5/00002.jpg", 1, 0, 15399, 560},
		{"vectors/frames_640x480_q5/00003.jpg", 1, 0, 15403, 560},
		{"vectors/frames_640x480_q5/00004.jpg", 1, 0, 15407, 560},
		{"vectors/frames_640x480_q5_dri/00002.jpg", 65, 40, 15481, 560},
		{"vectors/frames_640x480_q5_dri/00004.jpg", 65, 40, 15460, 560},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := readVector(t, tt.file)
			info, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			typ, err := info.RFC2435()
			if err != nil || typ != tt.typ {
				t.Fatalf("RFC2435() = %d, %v; want %d", typ, err, tt.typ)
			}
			want := Info{SOF: MarkerSOF0, Precision: 8, Width: 640, Height: 480, StandardHuffman: true,
				RestartInterval: tt.restart, ScanStart: tt.scan, ScanEnd: tt.length - 2, Length: tt.length, NumScans: 1}
			got := *info
			got.Components, got.Quant, got.firstScan, got.firstScanLen = nil, [4]*QuantTable{}, [4]scanComp{}, 0
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
			}
			wantComps := []Component{{1, 2, 2, 0}, {2, 1, 1, 0}, {3, 1, 1, 0}}
			if !equalComps(info.Components, wantComps) {
				t.Errorf("components %v, want %v", info.Components, wantComps)
			}
			if q := info.Quant[0]; q == nil || q.Precision != 0 || q.Values[0] != 8 || q.Values[63] != 51 || info.Quant[1] != nil {
				t.Errorf("quant tables %v %v", info.Quant[0], info.Quant[1])
			}
			if n, err := FrameLength(b); n != tt.length || err != nil {
				t.Errorf("FrameLength = %d, %v", n, err)
			}
		})
	}
}

func equalComps(a, b []Component) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The lab's movie is 4:4:4: every frame parses, FrameLength agrees with the
// lab length prefix, and RFC 2435 refuses it with the reason "4:4:4 chroma".
func TestParseLabMovie(t *testing.T) {
	frames := labFrames(t, readVector(t, "media/movie.Mjpeg"))
	if len(frames) != 500 {
		t.Fatalf("%d frames, want 500", len(frames))
	}
	for k, fr := range frames {
		info, err := Parse(fr)
		if err != nil {
			t.Fatalf("frame %d: %v", k, err)
		}
		if n, err := FrameLength(fr); err != nil || n != len(fr) || info.Length != len(fr) {
			t.Fatalf("frame %d: FrameLength %d, %v, Length %d; want %d", k, n, err, info.Length, len(fr))
		}
		_, err = info.RFC2435()
		var nc *NotCarriableError
		if !errors.Is(err, ErrNotCarriable) || !errors.As(err, &nc) || nc.Reason != "4:4:4 chroma" {
			t.Fatalf("frame %d: RFC2435 error %v, want 4:4:4 chroma", k, err)
		}
		if info.Width != 384 || info.Height != 288 {
			t.Fatalf("frame %d: %dx%d", k, info.Width, info.Height)
		}
	}
}

func TestParseGoEncoded(t *testing.T) {
	b := encodeGo(t, gradient(70, 50))
	info, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if typ, err := info.RFC2435(); typ != 1 || err != nil {
		t.Fatalf("RFC2435() = %d, %v; want 1", typ, err)
	}
	if info.Width != 70 || info.Height != 50 || !info.StandardHuffman || info.Quant[0] == nil || info.Quant[1] == nil {
		t.Fatalf("info %+v", info)
	}
	// Go writes the Annex K tables in one DHT segment in AppendStdDHT's order.
	off := segmentAt(t, b, MarkerDHT)
	if off < 0 || !bytes.Equal(b[off:off+StdDHTLen], AppendStdDHT(nil)) {
		t.Fatalf("AppendStdDHT differs from Go's encoder DHT")
	}
}

// Variants of a Go-encoded JPEG, each modified the way a real encoder would
// differ, with the RFC 2435 verdict expected for each.
func TestRFC2435Variants(t *testing.T) {
	base := encodeGo(t, gradient(64, 48))
	sof := segmentAt(t, base, MarkerSOF0)
	dqt := segmentAt(t, base, MarkerDQT)
	dht := segmentAt(t, base, MarkerDHT)
	sos := segmentAt(t, base, MarkerSOS)
	set := func(off int, v ...byte) func([]byte) []byte {
		return func(b []byte) []byte { b = bytes.Clone(b); copy(b[off:], v); return b }
	}
	tests := []struct {
		name   string
		mod    func([]byte) []byte
		typ    uint8
		reason string
	}{
		{"4:2:0", func(b []byte) []byte { return b }, 1, ""},
		{"4:2:2", set(sof+11, 0x21), 0, ""},
		{"DRI", func(b []byte) []byte { return splice(b, sos, 0, 0xFF, 0xDD, 0, 4, 0, 8) }, 65, ""},
		{"DRI 4:2:2", func(b []byte) []byte { return splice(set(sof+11, 0x21)(b), sos, 0, 0xFF, 0xDD, 0, 4, 0, 8) }, 64, ""},
		{"DRI zero", func(b []byte) []byte { return splice(b, sos, 0, 0xFF, 0xDD, 0, 4, 0, 0) }, 1, ""},
		{"fill bytes and COM", func(b []byte) []byte { return splice(b, sos, 0, 0xFF, 0xFF, 0xFF, 0xFE, 0, 3, 'x') }, 1, ""},
		{"SOF1", set(sof+1, 0xC1), 1, ""},
		{"progressive", set(sof+1, 0xC2), 0, "progressive"},
		{"lossless", set(sof+1, 0xC3), 0, "lossless"},
		{"arithmetic", set(sof+1, 0xC9), 0, "arithmetic coding"},
		{"12-bit", set(sof+4, 12), 0, "12-bit"},
		{"4:4:4", set(sof+11, 0x11), 0, "4:4:4 chroma"},
		{"4:1:1", set(sof+11, 0x41), 0, "unsupported chroma subsampling"},
		{"chroma 2x1", set(sof+14, 0x21), 0, "unsupported chroma subsampling"},
		{"too wide", set(sof+7, 0x08, 0x00), 0, "too large"},
		{"too high", set(sof+5, 0x07, 0xF9), 0, "too large"},
		{"largest", set(sof+5, 0x07, 0xF8, 0x07, 0xF8), 1, ""},
		{"optimized Huffman", set(dht+5+16, 0x01, 0x00), 0, "optimized Huffman tables"},
		{"Huffman selectors", set(sos+8, 0x00), 0, "non-standard Huffman table selectors"},
		{"16-bit DQT", func(b []byte) []byte {
			// Rewrite table 0 as a 16-bit table with the same values.
			ins := []byte{0xFF, 0xDB, 0, 2 + 1 + 128, 0x10}
			for _, v := range b[dqt+5 : dqt+5+64] {
				ins = append(ins, 0, v)
			}
			return splice(b, sos, 0, ins...)
		}, 0, "16-bit quantization tables"},
		{"separate Cr table", func(b []byte) []byte {
			ins := append([]byte{0xFF, 0xDB, 0, 67, 0x02}, bytes.Repeat([]byte{9}, 64)...)
			b = splice(b, sos, 0, ins...)
			b[sof+10+3*2+2] = 2
			return b
		}, 0, "different Cb and Cr quantization tables"},
		{"Cr shares equal copy", func(b []byte) []byte {
			ins := append([]byte{0xFF, 0xDB, 0, 67, 0x02}, b[dqt+5+65:dqt+5+65+64]...)
			b = splice(b, sos, 0, ins...)
			b[sof+10+3*2+2] = 2
			return b
		}, 1, ""},
		{"two scans", func(b []byte) []byte {
			info, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			scan := b[sos:info.ScanEnd]
			return splice(b, info.ScanEnd, 0, scan...)
		}, 0, "multiple scans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.mod(base)
			info, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			typ, err := info.RFC2435()
			if tt.reason == "" {
				if err != nil || typ != tt.typ {
					t.Fatalf("RFC2435() = %d, %v; want %d", typ, err, tt.typ)
				}
				return
			}
			var nc *NotCarriableError
			if !errors.As(err, &nc) || nc.Reason != tt.reason || !errors.Is(err, ErrNotCarriable) {
				t.Fatalf("RFC2435() error %v, want reason %q", err, tt.reason)
			}
		})
	}
}

func TestParseGrayscale(t *testing.T) {
	b := encodeGo(t, grayImage(40, 24))
	info, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Components) != 1 || info.Quant[0] == nil {
		t.Fatalf("info %+v", info)
	}
	var nc *NotCarriableError
	if _, err := info.RFC2435(); !errors.As(err, &nc) || nc.Reason != "grayscale" {
		t.Fatalf("RFC2435() error %v, want grayscale", err)
	}
}

// A progressive image: SOF2, a DC scan, then DHT and AC scans, the layout of
// libjpeg's progressive output. Parse must walk every scan.
func TestParseProgressive(t *testing.T) {
	base := encodeGo(t, grayImage(16, 16))
	info, err := Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	sof := segmentAt(t, base, MarkerSOF0)
	sos := segmentAt(t, base, MarkerSOS)
	hdr := bytes.Clone(base[:sos])
	hdr[sof+1] = MarkerSOF2
	d := segmentAt(t, base, MarkerDHT)
	dht := base[d : d+2+(int(base[d+2])<<8|int(base[d+3]))]
	scan := base[sos:info.ScanEnd] // SOS header + entropy data with FF00 stuffing
	var b []byte
	b = append(b, hdr...)
	b = append(b, scan...)
	b = append(b, dht...)
	b = append(b, 0xFF, 0xD0, 0xFF, 0xFF) // stray RST0 and a fill byte
	b = append(b, scan...)
	b = append(b, scan...)
	b = append(b, 0xFF, 0xD9)
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.NumScans != 3 || p.SOF != MarkerSOF2 || p.Length != len(b) || p.ScanStart != sos+(info.ScanStart-sos) {
		t.Fatalf("progressive: %+v", p)
	}
	var nc *NotCarriableError
	if _, err := p.RFC2435(); !errors.As(err, &nc) || nc.Reason != "progressive" {
		t.Fatalf("RFC2435() error %v", err)
	}
	if _, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil {
		t.Fatalf("image/jpeg rejects the test input: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	good := encodeGo(t, gradient(16, 16))
	sof := segmentAt(t, good, MarkerSOF0)
	dqt := segmentAt(t, good, MarkerDQT)
	dht := segmentAt(t, good, MarkerDHT)
	sos := segmentAt(t, good, MarkerSOS)
	mod := func(off int, v ...byte) []byte { b := bytes.Clone(good); copy(b[off:], v); return b }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"one FF", []byte{0xFF}, io.ErrUnexpectedEOF},
		{"not jpeg", []byte("GIF89a"), ErrNotJPEG},
		{"png", []byte{0x89, 'P', 'N', 'G'}, ErrNotJPEG},
		{"SOI only", []byte{0xFF, 0xD8}, io.ErrUnexpectedEOF},
		{"SOI EOI", []byte{0xFF, 0xD8, 0xFF, 0xD9}, ErrMalformed},
		{"SOI SOI", []byte{0xFF, 0xD8, 0xFF, 0xD8}, ErrMalformed},
		{"garbage after SOI", []byte{0xFF, 0xD8, 0x12, 0x34}, ErrMalformed},
		{"FF00 after SOI", []byte{0xFF, 0xD8, 0xFF, 0x00}, ErrMalformed},
		{"length 1", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01}, ErrMalformed},
		{"length past end", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 1, 2}, io.ErrUnexpectedEOF},
		{"no EOI", good[:len(good)-2], io.ErrUnexpectedEOF},
		{"half EOI", good[:len(good)-1], io.ErrUnexpectedEOF},
		{"scan before frame", splice(good, sof, sos-sof), ErrMalformed},
		{"two SOF", splice(good, sos, 0, good[sof:sof+19]...), ErrMalformed},
		{"zero width", mod(sof+7, 0, 0), ErrMalformed},
		{"zero height", mod(sof+5, 0, 0), ErrMalformed},
		{"bad sampling", mod(sof+11, 0x50), ErrMalformed},
		{"bad Tq", mod(sof+12, 4), ErrMalformed},
		{"SOF length", mod(sof+2, 0, 18), ErrMalformed},
		{"DQT id", mod(dqt+4, 0x05), ErrMalformed},
		{"DQT precision", mod(dqt+4, 0x20), ErrMalformed},
		{"DQT short", mod(dqt+4, 0x10), ErrMalformed},
		{"DHT class", mod(dht+4, 0x20), ErrMalformed},
		{"DHT too many codes", mod(dht+5, 0xFF, 0xFF), ErrMalformed},
		{"DRI length", splice(good, sos, 0, 0xFF, 0xDD, 0, 3, 0), ErrMalformed},
		{"SOS unknown component", mod(sos+5, 9), ErrMalformed},
		{"SOS length", mod(sos+4, 2), ErrMalformed},
		{"SOS Huffman id", mod(sos+6, 0x44), ErrMalformed},
		{"undefined quant table", mod(sof+12, 3), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Parse(tt.in)
			if !errors.Is(err, tt.want) || info != nil {
				t.Fatalf("Parse error %v, want %v", err, tt.want)
			}
			if _, err := FrameLength(tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("FrameLength error %v, want %v", err, tt.want)
			}
		})
	}
}

// Every proper prefix of a valid image is incomplete, not malformed.
func TestFrameLengthPrefixes(t *testing.T) {
	for _, b := range [][]byte{
		readVector(t, "vectors/frames_640x480_q5_dri/00002.jpg"),
		encodeGo(t, gradient(33, 17)),
	} {
		for n := range len(b) {
			if _, err := FrameLength(b[:n]); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("prefix %d of %d: error %v, want io.ErrUnexpectedEOF", n, len(b), err)
			}
		}
	}
}

// Concatenated frames split by walking segments, even when an APP segment
// holds the bytes FF D9 FF D8 (an embedded thumbnail).
func TestFrameLengthConcatenated(t *testing.T) {
	a := encodeGo(t, gradient(24, 16))
	thumb := []byte{0xFF, 0xE1, 0, 8, 0xFF, 0xD9, 0xFF, 0xD8, 0xFF, 0xD9}
	b := splice(encodeGo(t, grayImage(8, 8)), 2, 0, thumb...)
	stream := append(append(bytes.Clone(a), b...), a[:100]...)
	var got []int
	for {
		n, err := FrameLength(stream)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
		stream = stream[n:]
	}
	if len(got) != 2 || got[0] != len(a) || got[1] != len(b) || len(stream) != 100 {
		t.Fatalf("split %v rest %d; want [%d %d] rest 100", got, len(stream), len(a), len(b))
	}
	if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("test input does not decode: %v", err)
	}
}

func TestFrameLengthNoAlloc(t *testing.T) {
	b := readVector(t, "vectors/frames_640x480_q5/00002.jpg")
	if n := testing.AllocsPerRun(100, func() { _, _ = FrameLength(b) }); n != 0 {
		t.Fatalf("FrameLength allocates %v times", n)
	}
}

func TestStdTablesDecode(t *testing.T) {
	// A JPEG that defines no DHT implies the standard tables; it must be
	// reported standard, and rebuilding with AppendStdDHT must decode.
	base := encodeGo(t, gradient(32, 32))
	dht := segmentAt(t, base, MarkerDHT)
	noDHT := splice(base, dht, StdDHTLen)
	info, err := Parse(noDHT)
	if err != nil || !info.StandardHuffman {
		t.Fatalf("no DHT: %v %+v", err, info)
	}
	if _, err := info.RFC2435(); err != nil {
		t.Fatal(err)
	}
	rebuilt := splice(noDHT, dht, 0, AppendStdDHT(nil)...)
	want, _ := jpeg.Decode(bytes.NewReader(base))
	got, err := jpeg.Decode(bytes.NewReader(rebuilt))
	if err != nil || !bytes.Equal(got.(*image.YCbCr).Y, want.(*image.YCbCr).Y) {
		t.Fatalf("rebuilt image differs: %v", err)
	}
}

func BenchmarkParse(b *testing.B) {
	data := readVector(b, "vectors/frames_640x480_q5_dri/00002.jpg")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFrameLength(b *testing.B) {
	data := readVector(b, "vectors/frames_640x480_q5/00002.jpg")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FrameLength(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseIntoReuses(t *testing.T) {
	a := readVector(t, "vectors/frames_640x480_q5/00002.jpg")
	b := encodeGo(t, gradient(24, 16))
	var info Info
	if err := ParseInto(&info, b); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(50, func() {
		if err := ParseInto(&info, a); err != nil {
			t.Fatal(err)
		}
		if err := ParseInto(&info, b); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("ParseInto allocates %v times in steady state", n)
	}
	if err := ParseInto(&info, a); err != nil || info.Quant[1] != nil || info.Width != 640 || info.Quant[0].Values[0] != 8 {
		t.Fatalf("stale state after reuse: %v %+v", err, info)
	}
}
