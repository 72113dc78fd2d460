package udpbatch

import "iter"

// Segments yields the datagrams of one read: b cut at the segment size that
// oob (the read's control bytes) carries on a UDP_GRO socket, the last one
// possibly shorter; b whole when there is none. Every reader of a GRO
// socket needs exactly this cut, so it lives here once.
func Segments(b, oob []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		seg := GROSegmentSize(oob)
		if seg <= 0 {
			seg = len(b)
		}
		for len(b) > 0 {
			d := b[:min(seg, len(b))]
			b = b[len(d):]
			if !yield(d) {
				return
			}
		}
	}
}
