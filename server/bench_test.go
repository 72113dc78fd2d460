package server

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/interleave"
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
	ss.ensureScratchFor(256)
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
	ps := st.frames().(*patternStore)
	n := 0
	k := st.frameCount()
	for i := range k {
		ps.prepare(i)
		f, _ := ps.frame(i)
		n += len(f.pk.Payloads)
	}
	return float64(n) / float64(k)
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
				srv.sendUDPFrame(ss, patternFrame(srv, i%st.frameCount()).pk, uint32(i)*3000)
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

// benchTCPSessions returns n TCP-interleaved sessions of the test
// pattern, each on its own RTSP connection whose client side a goroutine
// drains until the benchmark ends. They are playing but not scheduled:
// the benchmark calls sendDue itself.
func benchTCPSessions(b *testing.B, srv *Server, addr string, n int) []*Session {
	b.Helper()
	var sss []*Session
	for range n {
		c := dialCtl(b, addr)
		resp := c.do("SETUP", c.url("/test/stream=0"), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
		ss := srv.session(sessionOf(b, resp))
		if ss == nil {
			b.Fatal("no session after SETUP")
		}
		go func() { _, _ = io.Copy(io.Discard, c.nc) }() // ends when the cleanup closes nc
		ss.mu.Lock()
		ss.state = statePlaying
		ss.mu.Unlock()
		sss = append(sss, ss)
	}
	return sss
}

// waitBacklog waits (bounded) until no session's connection has anything
// left to write.
func waitBacklog(b *testing.B, sss []*Session) {
	deadline := time.Now().Add(10 * time.Second)
	for _, ss := range sss {
		for ss.conn.out.Backlog() != 0 {
			if time.Now().After(deadline) {
				b.Fatal("backlog not written within 10 s")
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// BenchmarkSendDueTCP is one scheduler wake-up for 8 TCP-interleaved
// clients on loopback that keep up (sendDue for each, then the flush; the
// wait for the clients to read is not timed), per client-frame: with the io_uring batch, and per connection (direct
// writev, the writer goroutine when a socket is full).
func BenchmarkSendDueTCP(b *testing.B) {
	const clients = 8
	for _, tc := range []struct {
		name string
		opt  interleave.BatchOptions
	}{{interleave.ModeRing, interleave.BatchOptions{}}, {interleave.ModePerConn, interleave.BatchOptions{DisableRing: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			srv, addr := startServer(b, Config{})
			sss := benchTCPSessions(b, srv, addr, clients)
			// No session is scheduled, so the scheduler never touches the
			// batch: the benchmark may swap it.
			orig := srv.tcpBatch
			bt := interleave.NewBatch(tc.opt)
			if bt.Mode() != interleave.ModeRing && !tc.opt.DisableRing {
				b.Skip("io_uring unavailable here")
			}
			srv.tcpBatch = bt
			defer func() { srv.tcpBatch = orig; bt.Close() }()
			st := sss[0].stream
			b.ReportAllocs()
			for b.Loop() {
				now := time.Now()
				for _, ss := range sss {
					ss.mu.Lock()
					// Pretend every frame is due now so none is counted late.
					ss.playStart = now.Add(-time.Duration(float64(ss.pos-ss.playPos) * float64(time.Second) / st.FPS))
					ss.mu.Unlock()
					if _, ok := srv.sendDue(dueEntry{s: ss, gen: ss.gen}, now); !ok {
						b.Fatal("session unscheduled")
					}
				}
				srv.flush()
				// Clients that keep up, as at a frame rate: let them read
				// what was queued (untimed) before the next tick.
				b.StopTimer()
				waitBacklog(b, sss)
				b.StartTimer()
			}
			dropped := 0
			for _, ss := range sss {
				ss.mu.Lock()
				dropped += int(ss.framesDropped)
				ss.mu.Unlock()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*clients)/packetsPerFrame(st), "ns/packet")
			b.ReportMetric(float64(dropped)/float64(b.N*clients), "dropped/frame")
		})
	}
}
