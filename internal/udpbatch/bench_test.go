package udpbatch

import (
	"testing"
)

// BenchmarkSendPackets sends one 640x480 MJPEG frame's worth of RTP (25
// datagrams of 12+1388 bytes) per call to one loopback receiver, in each
// mode. The receiver never reads: the kernel drops what overflows its
// buffer, so the numbers are the sender's cost (syscalls, segmentation,
// loopback delivery up to the socket queue). ns/pkt is the figure to compare.
func BenchmarkSendPackets(b *testing.B) {
	const packets = 25
	hdrs, payloads := batch(repeat(packets, 1388)...)
	for _, m := range testModes {
		b.Run(m.name, func(b *testing.B) {
			c := newConn(b, "127.0.0.1:0", m)
			_, dst := receiver(b, "127.0.0.1:0")
			b.ReportAllocs()
			b.SetBytes(int64(packets * (12 + 1388)))
			for b.Loop() {
				if err := c.SendPackets(dst, hdrs, payloads); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*packets), "ns/pkt")
		})
	}
}
