package bench

import (
	"bufio"
	"bytes"
	"testing"
	"time"
)

// FuzzTrackerPacket feeds arbitrary datagrams (network input) to a tracker:
// it must never panic and its counters must stay consistent.
func FuzzTrackerPacket(f *testing.F) {
	f.Add([]byte{0x80, 0x1a, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, []byte{0x80, 0x9a, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 5, 0x6c})
	f.Add([]byte{0x90, 0x1a, 0xff, 0xff, 0, 0, 0x0b, 0xb8, 0, 0, 0, 1, 0xbe, 0xde, 0, 1}, []byte{0x8f, 0x60})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		now := time.Unix(0, 0)
		tr := newTracker(90000, 0, newSentLog())
		tr.relay.measuring.Store(true)
		tr.relay.add(fingerprintOf(a), now)
		for i := range 4 {
			tr.packet(a, len(a), now.Add(time.Duration(i)*time.Millisecond))
			tr.packet(b, len(b)+i, now.Add(time.Duration(i)*time.Millisecond))
		}
		if tr.received+tr.bad != 8 || tr.complete+tr.incomplete > 8 || tr.late > tr.evaluated ||
			tr.relayMatched+tr.relayUnmatched > tr.complete {
			t.Fatalf("inconsistent: %+v", tr)
		}
	})
}

// FuzzHTTPParts feeds arbitrary response bodies (network input) to the
// multipart part reader, plain and chunked: it must never panic, loop
// without reading, or report a part over its limits.
func FuzzHTTPParts(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\nX-Timestamp: 12.000033\r\n\r\nabc\r\n--b\r\n"), false)
	f.Add([]byte("5\r\n--b\r\n\r\n1a\r\nContent-Length: 2\r\n\r\nxy\r\n--b--\r\n\r\n0\r\n\r\n"), true)
	f.Add([]byte("preamble\r\n--b \r\ncontent-length:0\r\n\r\n\r\n--b--"), false)
	f.Fuzz(func(t *testing.T, body []byte, chunked bool) {
		p := newPartReader(bufio.NewReaderSize(bytes.NewReader(body), 16), "b", chunked)
		for range len(body) + 1 {
			n, ts, err := p.next()
			if err != nil {
				return
			}
			if n < 0 || n > httpMaxPart || ts < -1 {
				t.Fatalf("part of %d bytes, timestamp %d", n, ts)
			}
			if err := p.discard(n); err != nil {
				return
			}
		}
		t.Fatalf("%d parts from %d bytes", len(body)+1, len(body))
	})
}
