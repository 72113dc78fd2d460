package rtpjpeg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtp"
)

// readShared reads a file of the shared test data.
func readShared(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.SharedPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readRTPDump reads a capture of records (2-byte big-endian length + one
// whole RTP packet).
func readRTPDump(t testing.TB, rel string) []*rtp.Packet {
	t.Helper()
	b := readShared(t, rel)
	var pkts []*rtp.Packet
	for len(b) > 0 {
		if len(b) < 2 || int(binary.BigEndian.Uint16(b))+2 > len(b) {
			t.Fatalf("%s: truncated record", rel)
		}
		n := int(binary.BigEndian.Uint16(b))
		p := new(rtp.Packet)
		if err := p.Unmarshal(b[2 : 2+n]); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		pkts = append(pkts, p)
		b = b[2+n:]
	}
	return pkts
}

// splitFrames groups packets into frames by RTP timestamp, in order.
func splitFrames(pkts []*rtp.Packet) [][]*rtp.Packet {
	var out [][]*rtp.Packet
	for i, p := range pkts {
		if i == 0 || p.Timestamp != pkts[i-1].Timestamp {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], p)
	}
	return out
}

// packets wraps payloads into RTP packets of one frame (marker on the last).
func packets(payloads [][]byte, ts uint32, seq uint16) []*rtp.Packet {
	out := make([]*rtp.Packet, len(payloads))
	for i, pl := range payloads {
		out[i] = &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: PayloadType, Marker: i == len(payloads)-1,
			SequenceNumber: seq + uint16(i), Timestamp: ts}, Payload: pl}
	}
	return out
}

// decode decodes a JPEG into YCbCr.
func decode(t testing.TB, b []byte) *image.YCbCr {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	y, ok := img.(*image.YCbCr)
	if !ok {
		t.Fatalf("decoded %T, want *image.YCbCr", img)
	}
	return y
}

// samePixels compares the decoded samples of two JPEGs over the region they
// share (a receiver sees the encoder's padding to multiples of 8).
func samePixels(t testing.TB, got, want []byte) {
	t.Helper()
	g, w := decode(t, got), decode(t, want)
	if g.SubsampleRatio != w.SubsampleRatio {
		t.Fatalf("subsampling %v, want %v", g.SubsampleRatio, w.SubsampleRatio)
	}
	if err := samePlanes(g, w); err != nil {
		t.Fatal(err)
	}
}

func samePlanes(g, w *image.YCbCr) error {
	r := g.Rect.Intersect(w.Rect)
	if r.Dx() < w.Rect.Dx()-7 || r.Dy() < w.Rect.Dy()-7 || r.Empty() {
		return fmt.Errorf("size %v, want %v", g.Rect, w.Rect)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g.Y[g.YOffset(x, y)] != w.Y[w.YOffset(x, y)] || g.Cb[g.COffset(x, y)] != w.Cb[w.COffset(x, y)] ||
				g.Cr[g.COffset(x, y)] != w.Cr[w.COffset(x, y)] {
				return fmt.Errorf("pixel (%d,%d) differs: %v vs %v", x, y, g.YCbCrAt(x, y), w.YCbCrAt(x, y))
			}
		}
	}
	return nil
}

// encodeGo returns a 4:2:0 baseline JPEG with the standard Huffman tables
// and two quantization tables at the given IJG quality.
func encodeGo(t testing.TB, w, h, quality int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x*x + y) % 251), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// vectorFrames returns the source JPEGs 00002..00004 of a vectors folder.
func vectorFrames(t testing.TB, dir string) [][]byte {
	t.Helper()
	var out [][]byte
	for n := 2; n <= 4; n++ {
		out = append(out, readShared(t, fmt.Sprintf("vectors/%s/%05d.jpg", dir, n)))
	}
	return out
}
