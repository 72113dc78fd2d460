package server

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// benchSession returns a UDP session of the test pattern aimed at a local
// socket that a goroutine drains until the benchmark ends.
func benchSession(b *testing.B, cfg Config) (*Server, *Session) {
	b.Helper()
	srv, _ := startServer(b, cfg)
	rtpc, _ := udpPorts(b)
	_ = rtpc.SetReadBuffer(8 << 20)
	st := srv.cat.streams[PatternName]
	ss := &Session{srv: srv, stream: st, ssrc: 1, d: standard}
	ss.tr.rtpDst = netip.MustParseAddrPort(rtpc.LocalAddr().String())
	ss.ensureScratch()
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := rtpc.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
		}
	}()
	return srv, ss
}

// packetsPerFrame is the mean packet count of the stream's frames.
func packetsPerFrame(st *Stream) float64 {
	n := 0
	for _, p := range st.Packets {
		n += len(p.Payloads)
	}
	return float64(n) / float64(len(st.Packets))
}

// BenchmarkSendUDPFrame is the UDP send path per client-frame: per-client
// RTP headers plus one batched send (GSO, or sendmmsg with DisableGSO) of
// the shared payloads. ns/packet is what performance.md compares with the
// physical limit (~1.1 µs GSO, ~3.7 µs sendmmsg per 1400-byte packet).
func BenchmarkSendUDPFrame(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{{"gso", Config{}}, {"sendmmsg", Config{DisableGSO: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			srv, ss := benchSession(b, tc.cfg)
			st := ss.stream
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				srv.sendUDPFrame(ss, st.Packets[i%len(st.Packets)], uint32(i)*3000)
				srv.flushUDP()
				i++
			}
			b.ReportMetric(packetsPerFrame(st), "packets/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/packetsPerFrame(st), "ns/packet")
		})
	}
}

// BenchmarkSendDueUDP is one scheduler step for a playing UDP session:
// locking, pacing arithmetic and the send (no RTCP: the first call sends
// the SR, later ones fall within srInterval).
func BenchmarkSendDueUDP(b *testing.B) {
	srv, ss := benchSession(b, Config{})
	ss.state = statePlaying
	ss.playStart = time.Now()
	e := dueEntry{s: ss, gen: ss.gen}
	b.ReportAllocs()
	for b.Loop() {
		// Pretend every frame is due now so none is counted late.
		ss.playStart = time.Now().Add(-time.Duration(float64(ss.pos-ss.playPos) * float64(time.Second) / ss.stream.FPS))
		if _, ok := srv.sendDue(e, time.Now()); !ok {
			b.Fatal("session unscheduled")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/packetsPerFrame(ss.stream), "ns/packet")
}

// BenchmarkTCPOutFrame is the TCP-interleaved writer per client-frame:
// '$'-framing and RTP headers into the reused prefix scratch, then one
// writev of the frame to a loopback TCP connection drained by a goroutine.
func BenchmarkTCPOutFrame(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	srv, _ := startServer(b, Config{})
	st := srv.cat.streams[PatternName]
	o := newTCPOut(nc, new(sync.Mutex), 32, 10*time.Second)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o.w.reset()
		o.w.add(outItem{channel: 0, frame: st.Packets[i%len(st.Packets)], seq: uint16(i * 40), ts: uint32(i) * 3000, ssrc: 1})
		o.wbufs = o.w.bufs // as tcpOut.run does: a field, so nothing escapes per write
		if _, err := o.wbufs.WriteTo(nc); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/packetsPerFrame(st), "ns/packet")
	nc.Close()
	wg.Wait()
}
