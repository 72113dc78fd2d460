package interleave

import (
	"bytes"
	"testing"

	"github.com/rtpstream/rtpstream/rtp"
)

// TestFrameBufs: the writev carries each item '$'-framed (RFC 2326 10.12)
// with the right RTP header, whatever order items come in and however
// often the prefix scratch had to grow underneath earlier ones; tail
// returns what follows a cut.
func TestFrameBufs(t *testing.T) {
	pl := [][]byte{[]byte("abc"), []byte("defg")}
	frame := func(ch uint8, seq uint16) item {
		return item{f: Frame{Channel: ch, PayloadType: 26, Seq: seq, Timestamp: 90, SSRC: 5, Payloads: pl}}
	}
	rtpPacket := func(ch uint8, seq uint16, marker bool, p []byte) []byte {
		h := make([]byte, rtp.HeaderSize)
		rtp.PutHeader(h, marker, 26, seq, 90, 5)
		l := len(h) + len(p)
		return append(append([]byte{'$', ch, byte(l >> 8), byte(l)}, h...), p...)
	}
	wantFrame := func(ch uint8, seq uint16) []byte {
		return append(rtpPacket(ch, seq, false, pl[0]), rtpPacket(ch, seq+1, true, pl[1])...)
	}
	tests := []struct {
		name  string
		items []item
		slot  bool
		want  []byte
	}{
		{"frame", []item{frame(0, 65535)}, false, wantFrame(0, 65535)},
		{"raw", []item{{f: Frame{Channel: 1}, raw: []byte{0x80, 200}}}, false, []byte{'$', 1, 0, 2, 0x80, 200}},
		{"raw then frames", []item{{f: Frame{Channel: 3}, raw: []byte{9}}, frame(2, 10), frame(4, 20)}, false,
			bytes.Join([][]byte{{'$', 3, 0, 1, 9}, wantFrame(2, 10), wantFrame(4, 20)}, nil)},
		{"slot first", []item{frame(0, 1)}, true, wantFrame(0, 1)},
		{"empty frame", []item{{f: Frame{Channel: 0}}}, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w frameBufs // cold: every add grows the scratch
			for round := range 2 {
				w.reset()
				if tc.slot {
					w.addSlot()
				}
				for i := range tc.items {
					w.add(&tc.items[i])
				}
				got := bytes.Join(w.bufs, nil)
				if !bytes.Equal(got, tc.want) {
					t.Fatalf("round %d:\n got % x\nwant % x", round, got, tc.want)
				}
				if w.total() != len(tc.want) {
					t.Errorf("total %d, want %d", w.total(), len(tc.want))
				}
				for _, cut := range []int{0, min(1, len(tc.want)), len(tc.want) / 2, len(tc.want)} {
					if got := w.tail(cut); !bytes.Equal(got, tc.want[cut:]) {
						t.Errorf("tail(%d) = % x, want % x", cut, got, tc.want[cut:])
					}
				}
			}
		})
	}
}
