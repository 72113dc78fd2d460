package bench

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
)

func TestPartReader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		chunked bool
		want    []int64 // Content-Lengths, then the timestamps' presence via ts
		ts      []int64
		end     error
	}{
		{"plain", "--b\r\nContent-Length: 3\r\nX-Timestamp: 2.5\r\n\r\nabc\r\n--b\r\nContent-Length: 1\r\n\r\nz\r\n--b--\r\n",
			false, []int64{3, 1}, []int64{2_500_000, -1}, io.EOF},
		{"chunked, split everywhere", "2\r\n--\r\n4\r\nb\r\nC\r\n14\r\nontent-Length: 2\r\n\r\n\r\n1\r\nx\r\n3\r\ny\r\n\r\n0\r\n\r\n",
			true, []int64{2}, []int64{-1}, io.EOF},
		{"preamble and LF only", "junk\n--b\ncontent-length:0\n\n\n--b\nContent-Length: 0\n\n",
			false, []int64{0, 0}, []int64{-1, -1}, io.EOF},
		{"no length", "--b\r\nContent-Type: image/jpeg\r\n\r\n", false, nil, nil, errBadPart},
		{"bad chunk", "--b\r\n", true, nil, nil, errBadChunk},
		{"truncated", "--b\r\nContent-Length: 10\r\n\r\nabc", false, nil, nil, io.EOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPartReader(bufio.NewReaderSize(bytes.NewReader([]byte(tc.body)), 16), "b", tc.chunked)
			var got, ts []int64
			var err error
			for range 10 {
				var n, s int64
				if n, s, err = p.next(); err != nil {
					break
				}
				if err = p.discard(n); err != nil {
					break
				}
				got, ts = append(got, n), append(ts, s)
			}
			if !errors.Is(err, tc.end) {
				t.Errorf("ended with %v, want %v", err, tc.end)
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(ts, tc.ts) {
				t.Errorf("parts %v timestamps %v, want %v %v", got, ts, tc.want, tc.ts)
			}
		})
	}
}

// TestSkippedFromTimestamps: gaps of about two and three periods count one
// and two skipped frames, with the period learned from the gaps' median.
func TestSkippedFromTimestamps(t *testing.T) {
	v := &httpViewer{lastTS: -1}
	ts := int64(1_000_000)
	for i := range 40 {
		step := int64(33_333)
		switch i {
		case 5:
			step *= 2
		case 30:
			step = 3*33_333 + 2_000
		}
		ts += step
		v.account(ts, ts+1000)
	}
	if v.learnPeriod(); v.skipped != 3 || v.period != 33_333 || v.late != 0 {
		t.Fatalf("skipped %d period %d late %d", v.skipped, v.period, v.late)
	}
}
