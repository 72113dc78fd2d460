package jpeghdr

import (
	"bytes"
	"testing"
)

// fuzzSeeds returns seed inputs shared by the fuzz targets: valid images of
// each kind Parse handles, a truncated one and mutated ones.
func fuzzSeeds(t testing.TB) [][]byte {
	color := encodeGo(t, gradient(16, 16))
	gray := encodeGo(t, grayImage(8, 8))
	sos := segmentAt(t, color, MarkerSOS)
	dri := splice(color, sos, 0, 0xFF, 0xDD, 0, 4, 0, 1)
	mut := bytes.Clone(color)
	mut[segmentAt(t, color, MarkerSOF0)+1] = MarkerSOF2
	return [][]byte{
		color, gray, dri, mut,
		color[:len(color)/2],
		{0xFF, 0xD8, 0xFF, 0xD9},
		{0xFF, 0xD8, 0xFF, 0xFF, 0xFE, 0x00, 0x02, 0xFF, 0xD9},
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Parse(b)
		n, ferr := FrameLength(b)
		if (err == nil) != (ferr == nil) {
			t.Fatalf("Parse error %v but FrameLength error %v", err, ferr)
		}
		if err != nil {
			return
		}
		if info.Length != n || n > len(b) || info.ScanEnd+2 != n || info.ScanStart < 4 || info.ScanStart > info.ScanEnd ||
			b[info.ScanEnd] != 0xFF || b[info.ScanEnd+1] != MarkerEOI || info.NumScans < 1 || len(info.Components) < 1 {
			t.Fatalf("inconsistent info %+v for %d bytes", info, len(b))
		}
		if typ, err := info.RFC2435(); err == nil {
			if typ&^64 > 1 || len(info.Components) != 3 || info.Quant[info.Components[0].Tq] == nil ||
				info.Quant[info.Components[1].Tq] == nil || info.Width > MaxRFC2435Dimension {
				t.Fatalf("carriable type %d with info %+v", typ, info)
			}
		}
	})
}

func FuzzFrameLength(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := FrameLength(b)
		if err != nil {
			return
		}
		if n < 4 || n > len(b) {
			t.Fatalf("FrameLength = %d for %d bytes", n, len(b))
		}
		// The length does not depend on what follows the image.
		more := append(bytes.Clone(b[:n]), 0xFF, 0xD8, 0x00)
		if m, err := FrameLength(more); m != n || err != nil {
			t.Fatalf("FrameLength with trailing bytes = %d, %v; want %d", m, err, n)
		}
	})
}
