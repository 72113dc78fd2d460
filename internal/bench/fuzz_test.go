package bench

import (
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
