package interleave

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// drained returns the server side of a loopback TCP connection whose
// client side a goroutine reads and discards until the benchmark ends.
func drained(b *testing.B) net.Conn {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	sc, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, nc) }()
	b.Cleanup(func() { sc.Close(); wg.Wait(); nc.Close() })
	return sc
}

// packetsPerFrame is the mean packet count of testPayloads' frames.
func packetsPerFrame() float64 {
	n := 0
	for _, p := range testPayloads {
		n += len(p)
	}
	return float64(n) / float64(len(testPayloads))
}

// BenchmarkWriterFrame is the writer goroutine's work per client-frame
// (formerly server's BenchmarkTCPOutFrame): '$'-framing and RTP headers
// into the reused prefix scratch, then one writev of the frame to a
// loopback TCP connection drained by a goroutine.
func BenchmarkWriterFrame(b *testing.B) {
	nc := drained(b)
	c := New(nc, Config{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		it := item{f: testFrame(i, uint16(i*40))}
		c.w.reset()
		c.w.add(&it)
		c.wbufs = c.w.bufs // as Run does: a field, so nothing escapes per write
		if _, err := c.wbufs.WriteTo(nc); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/packetsPerFrame(), "ns/packet")
}

// BenchmarkBatchSend is one scheduler wake-up for 8 clients that keep up
// (a Send to each, then Flush; their reading is not timed), per
// client-frame: on the ring, and per Conn (direct
// writev, falling back to the writer goroutine when a socket is full).
func BenchmarkBatchSend(b *testing.B) {
	const clients = 8
	for _, tc := range []struct {
		name string
		opt  BatchOptions
	}{{ModeRing, BatchOptions{}}, {ModePerConn, BatchOptions{DisableRing: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			bt := NewBatch(tc.opt)
			defer bt.Close()
			if bt.Mode() != ModeRing && !tc.opt.DisableRing {
				b.Skip("io_uring unavailable here")
			}
			cs := make([]*Conn, clients)
			var wg sync.WaitGroup
			for k := range cs {
				cs[k] = New(drained(b), Config{WriteTimeout: 10 * time.Second})
				wg.Add(1)
				go func() { defer wg.Done(); cs[k].Run() }()
			}
			b.ReportAllocs()
			i, dropped := 0, 0
			for b.Loop() {
				for _, c := range cs {
					if !bt.Send(c, testFrame(i, uint16(i*40))) {
						dropped++
					}
				}
				bt.Flush()
				i++
				// Readers that keep up, as at a frame rate: let them read
				// what was queued (untimed) before the next wake-up.
				b.StopTimer()
				for _, c := range cs {
					testenv.WaitFor(b, 10*time.Second, "the backlog written", func() bool { return c.Backlog() == 0 })
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*clients)/packetsPerFrame(), "ns/packet")
			b.ReportMetric(float64(dropped)/float64(b.N*clients), "dropped/frame")
			for _, c := range cs {
				c.Stop()
			}
			wg.Wait()
		})
	}
}
