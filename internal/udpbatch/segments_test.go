package udpbatch

import (
	"bytes"
	"testing"
)

// TestSegmentsWithoutGRO: without a GRO control message a read is one
// datagram, an empty read none, and a consumer may stop early.
func TestSegmentsWithoutGRO(t *testing.T) {
	var got [][]byte
	for d := range Segments([]byte("one datagram"), nil) {
		got = append(got, d)
	}
	if len(got) != 1 || !bytes.Equal(got[0], []byte("one datagram")) {
		t.Errorf("got %q", got)
	}
	for d := range Segments(nil, nil) {
		t.Errorf("empty read yielded %q", d)
	}
	for range Segments([]byte("x"), nil) {
		break // must not panic
	}
}
