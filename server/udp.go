package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/rtpstream/rtpstream/internal/udpbatch"
	"github.com/rtpstream/rtpstream/rtcp"
)

const (
	// maxUDPPayload is the largest UDP payload over IPv4.
	maxUDPPayload = 65507
	// labRecvSize is how many bytes the lab client reads per datagram.
	labRecvSize = 20480
	// sendBufferBytes is the RTP socket's send buffer: room for a burst of
	// frames to many clients.
	sendBufferBytes = 4 << 20
	// recvBufferBytes is the RTP socket's receive buffer: UDP publishers'
	// bursts wait there while the scheduler, which reads the port, sends
	// a frame to many readers (a few ms). The kernel caps it at
	// net.core.rmem_max unless the server may force it (CAP_NET_ADMIN).
	recvBufferBytes = 8 << 20
)

// udpPair is the server's shared RTP (even) and RTCP (odd) sockets. Every
// UDP session sends from them; RTCP from clients arrives on the odd one.
type udpPair struct {
	// rtcp is the RTCP socket, also outside the poller: a send from a
	// socket in the poller wakes the poller's thread when the kernel frees
	// the datagram, and a server sends an SR per session every 5 s.
	rtcp    *udpbatch.Conn
	rtpPort int
	// batch is the RTP socket, opened by udpbatch.Listen so that it stays
	// out of Go's network poller (see ARCHITECTURE.md); the scheduler
	// goroutine sends on it, drainRTP reads it.
	batch *udpbatch.Conn
}

// listenUDPPair binds two adjacent ports (RTP even, RTCP odd) on host,
// letting the kernel choose, as RFC 3550 11 recommends.
func listenUDPPair(host net.IP, disableGSO bool) (*udpPair, error) {
	// An IPv4 host gets IPv4 sockets, an IPv6 one IPv6 sockets, and "::"
	// (":8554", every address) dual-stack sockets that reach both.
	network := "udp4"
	switch {
	case host.Equal(net.IPv6unspecified):
		network, host = "udp", nil
	case host.To4() == nil:
		network = "udp6"
	}
	var lastErr error
	for range 64 {
		b, err := udpbatch.Listen(network, &net.UDPAddr{IP: host}, udpbatch.Options{DisableGSO: disableGSO})
		if err != nil {
			return nil, fmt.Errorf("listen rtp: %w", err)
		}
		port := b.LocalAddr().Port
		if port%2 != 0 || port == 65535 {
			b.Close()
			continue
		}
		rtcpc, err := udpbatch.Listen(network, &net.UDPAddr{IP: host, Port: port + 1}, udpbatch.Options{})
		if err != nil {
			b.Close()
			lastErr = err
			continue
		}
		_ = b.SetWriteBuffer(sendBufferBytes)
		_, _ = b.SetReadBuffer(recvBufferBytes)
		return &udpPair{rtcp: rtcpc, rtpPort: port, batch: b}, nil
	}
	return nil, fmt.Errorf("no free RTP/RTCP port pair on %s: %v", host, lastErr)
}

func (u *udpPair) mode() string { return u.batch.Mode() }

func (u *udpPair) close() {
	u.batch.Close()
	u.rtcp.Close()
}

// rtpDrainMax bounds the datagrams drainRTP reads in one scheduler
// wake-up, so that a flood on the RTP port cannot delay file sessions'
// frames: the rest is read in the next wake-up, at once.
const rtpDrainMax = 256

// drainRTP is readRTP for the scheduler's thread (scheduler.watch): it
// reads what is queued on the RTP port without blocking and ingests it,
// and reports whether it stopped at rtpDrainMax with more to read or found
// the socket closed. The scheduler owns the UDP publishers' ingest then.
func (s *Server) drainRTP() (more, closed bool) {
	if s.rtpBuf == nil {
		s.rtpBuf = make([]byte, maxUDPPayload+1)
	}
	for range rtpDrainMax {
		n, from, ok, err := s.udp.batch.ReadFromNow(s.rtpBuf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return false, true
			}
			continue
		}
		if !ok {
			return false, false
		}
		s.routeRTP(s.rtpBuf[:n], from)
	}
	return true, false
}

// routeRTP hands a datagram of the RTP port to the UDP publisher it comes
// from (only from the address its SETUP declared, on the RTSP peer's IP);
// the rest (players send a few packets there to open NAT bindings) is
// dropped.
func (s *Server) routeRTP(b []byte, from netip.AddrPort) {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	s.mu.Lock()
	ss := s.byRTPSrc[from]
	s.mu.Unlock()
	if ss != nil && len(b) <= maxUDPPayload {
		ss.pub.ingest(b, time.Now())
	}
}

// readRTP receives what arrives on the RTP port (see routeRTP) on a
// goroutine of its own, where the scheduler cannot (scheduler.watch).
func (s *Server) readRTP() {
	buf := make([]byte, maxUDPPayload+1)
	for {
		n, from, err := s.udp.batch.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.routeRTP(buf[:n], from)
	}
}

// readRTCP receives RTCP from UDP clients: receiver reports keep their
// session alive and feed its statistics.
func (s *Server) readRTCP(ctx context.Context) {
	buf := make([]byte, 2048)
	for {
		n, from, err := s.udp.rtcp.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			continue
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		s.mu.Lock()
		ss := s.byRTCP[from]
		s.mu.Unlock()
		if ss == nil {
			continue
		}
		ss.receiveRTCP(buf[:n], time.Now())
	}
}

// receiveRTCP handles a compound RTCP packet from the session's client.
func (ss *Session) receiveRTCP(b []byte, now time.Time) {
	ss.touch(now)
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, p := range pkts {
		var reports []rtcp.ReceptionReport
		switch p := p.(type) {
		case *rtcp.ReceiverReport:
			reports = p.Reports
		case *rtcp.SenderReport:
			reports = p.Reports
		}
		for _, r := range reports {
			if r.SSRC == ss.ssrc {
				ss.lastRR, ss.haveRR = r, true
				ss.rrCount++
			}
		}
	}
}

// sendRTCP sends a compound RTCP packet to the session's client (UDP from
// the RTCP port, or the interleaved RTCP channel). Called with ss.mu held.
func (s *Server) sendRTCP(ss *Session, pkts ...rtcp.Packet) {
	b, err := rtcp.Marshal(pkts...)
	if err != nil {
		s.log.Error("rtcp marshal", "session", ss.id, "err", err)
		return
	}
	if ss.tr.tcp {
		if ss.conn != nil {
			ss.conn.out.SendPacket(ss.tr.rtcpChannel, b)
		}
		return
	}
	if ss.tr.rtcpDst.IsValid() {
		_ = s.udp.rtcp.WriteTo(b, ss.tr.rtcpDst)
	}
}

// senderReport builds the session's SR (RFC 3550 6.4.1) with SDES CNAME.
func (s *Server) senderReport(ss *Session, now time.Time) []rtcp.Packet {
	// The RTP time of "now" on the session's timeline.
	// The timestamps advance slotTicks per slot of the current PLAY.
	elapsed := now.Sub(ss.playStart).Seconds()
	if ss.state != statePlaying || ss.slot <= 0 {
		elapsed = 0
	}
	rtpNow := ss.tsPlay
	if elapsed > 0 {
		rtpNow += uint32(elapsed / ss.slot.Seconds() * float64(ss.slotTicks))
	}
	if ls := ss.stream.live; ls != nil {
		rtpNow = ss.tsBase + ls.nowTS(now)
	}
	return []rtcp.Packet{
		&rtcp.SenderReport{
			SSRC: ss.ssrc, NTPTime: rtcp.NTPTime(now), RTPTime: rtpNow,
			PacketCount: ss.packetsSent, OctetCount: ss.octetsSent,
		},
		&rtcp.SourceDescription{Chunks: []rtcp.SDESChunk{{
			SSRC: ss.ssrc, Items: []rtcp.SDESItem{{Type: rtcp.SDESCNAME, Text: s.cname()}},
		}}},
	}
}

// sendBye ends the session's RTP stream (RFC 3550 6.6). Called with ss.mu
// held.
func (s *Server) sendBye(ss *Session, reason string) {
	if !ss.tr.tcp && !ss.tr.rtcpDst.IsValid() {
		return
	}
	pkts := append(s.senderReport(ss, time.Now()), &rtcp.Goodbye{Sources: []uint32{ss.ssrc}, Reason: reason})
	s.sendRTCP(ss, pkts...)
}

func (s *Server) cname() string { return "rtpstream@" + s.ln.Addr().String() }
