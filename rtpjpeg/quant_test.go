package rtpjpeg

import (
	"bytes"
	"testing"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

func TestQuantTablesGolden(t *testing.T) {
	tests := []struct {
		q            int
		luma, chroma [64]byte
	}{
		// Q=50: the Annex K tables K.1 and K.2 themselves, in zigzag order.
		{50, [64]byte{
			16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
			26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
			56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
			95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
		}, [64]byte{
			17, 18, 18, 24, 21, 24, 47, 26, 26, 47, 99, 66, 56, 66, 99, 99,
			99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
			99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
			99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
		}},
		// Q=99: scale 2, everything rounds to 1 except the larger values.
		{99, [64]byte{
			1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
			1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
			1, 1, 1, 1, 2, 2, 1, 1, 2, 1, 1, 1, 2, 2, 2, 2,
			2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
		}, [64]byte{
			1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 2, 2,
			2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
			2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
			2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
		}},
		// Q=1: scale 5000, clamped at 255.
		{1, [64]byte{
			255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
			255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
			255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
			255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
		}, [64]byte{
			255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
			255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
			255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
			255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
		}},
		// Q=75: scale 50, (v*50+50)/100.
		{75, [64]byte{
			8, 6, 6, 7, 6, 5, 8, 7, 7, 7, 9, 9, 8, 10, 12, 20,
			13, 12, 11, 11, 12, 25, 18, 19, 15, 20, 29, 26, 31, 30, 29, 26,
			28, 28, 32, 36, 46, 39, 32, 34, 44, 35, 28, 28, 40, 55, 41, 44,
			48, 49, 52, 52, 52, 31, 39, 57, 61, 56, 50, 60, 46, 51, 52, 50,
		}, [64]byte{
			9, 9, 9, 12, 11, 12, 24, 13, 13, 24, 50, 33, 28, 33, 50, 50,
			50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
			50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
			50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
		}},
	}
	for _, tt := range tests {
		luma, chroma := QuantTables(tt.q)
		if luma != tt.luma || chroma != tt.chroma {
			t.Errorf("QuantTables(%d) =\n%v\n%v\nwant\n%v\n%v", tt.q, luma, chroma, tt.luma, tt.chroma)
		}
	}
	// Out-of-range Q is clamped.
	if a, _ := QuantTables(0); a != tests[2].luma {
		t.Errorf("QuantTables(0) not clamped to 1")
	}
}

// Go's image/jpeg scales the same Annex K tables with the same IJG formula,
// so its DQT at quality q must equal QuantTables(q) for every q.
func TestQuantTablesMatchGoEncoder(t *testing.T) {
	for q := 1; q <= 99; q++ {
		info, err := jpeghdr.Parse(encodeGo(t, 16, 16, q))
		if err != nil {
			t.Fatal(err)
		}
		luma, chroma := QuantTables(q)
		var gl, gc [64]byte
		for i := range 64 {
			gl[i], gc[i] = byte(info.Quant[0].Values[i]), byte(info.Quant[1].Values[i])
		}
		if !bytes.Equal(gl[:], luma[:]) || !bytes.Equal(gc[:], chroma[:]) {
			t.Fatalf("Q=%d: QuantTables differ from Go's encoder tables", q)
		}
	}
}
