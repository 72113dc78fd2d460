package rtp

// SeqDiff returns the signed distance a-b between two RTP sequence numbers in
// the 16-bit ring (RFC 3550 §5.1: sequence numbers wrap from 65535 to 0), in
// -32768..32767. SeqDiff(2, 65534) is 4: packet 2 comes four packets after
// 65534.
func SeqDiff(a, b uint16) int {
	return int(int16(a - b))
}

// SeqLess reports whether sequence number a comes before b in the 16-bit ring,
// i.e. SeqDiff(a, b) < 0. It is the ordering to use for reordering buffers;
// raw < is wrong across the wrap from 65535 to 0.
func SeqLess(a, b uint16) bool {
	return int16(a-b) < 0
}
