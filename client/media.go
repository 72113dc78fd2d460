package client

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/internal/udpbatch"
	"github.com/rtpstream/rtpstream/rtcp"
)

// byeLinger is how long RTP packets still queued after an RTCP BYE over UDP
// are read before the stream ends (RTP and RTCP use separate sockets, so
// the BYE may overtake the last packets).
const byeLinger = 100 * time.Millisecond

// udpReadBuffer is the socket receive buffer asked for (the kernel caps it
// at net.core.rmem_max): a frame arrives as a burst of packets.
const udpReadBuffer = 4 << 20

// media is one transport setup of a session: the UDP sockets and their
// goroutines, or the interleaved channels of the control connection, and
// the receiver that turns packets into frames and statistics.
type media struct {
	s         *Session
	transport string
	recv      *receiver
	log       *slog.Logger

	// UDP (and the lab dialect, which has no RTCP socket).
	rtpConn, rtcpConn *net.UDPConn
	serverIP          netip.Addr     // RTP/RTCP accepted only from here
	serverRTCP        netip.AddrPort // where receiver reports go; invalid if unknown
	readTimeout       time.Duration
	byeAt             atomic.Int64 // UnixNano of an RTCP BYE, 0 before
	foreign           atomic.Uint64
	// coalesced counts RTP reads that carried several datagrams (UDP_GRO).
	coalesced atomic.Uint64
	wg        sync.WaitGroup

	// TCP interleaved.
	cc            *ctrlConn
	rtpCh, rtcpCh uint8
}

// start launches the UDP receive loops, or installs the interleaved handler.
func (m *media) start() {
	if m.cc != nil {
		m.cc.setHandler(m.interleaved)
		return
	}
	m.wg.Add(1)
	go m.rtpLoop()
	if m.rtcpConn != nil {
		m.wg.Add(1)
		go m.rtcpLoop()
	}
}

// close stops receiving and waits for the loops to end.
func (m *media) close() {
	if m.cc != nil {
		m.cc.setHandler(nil)
		return
	}
	_ = m.rtpConn.Close()
	if m.rtcpConn != nil {
		_ = m.rtcpConn.Close()
	}
	m.wg.Wait()
}

// rtpLoop reads RTP datagrams with a read timeout (Config.UDPReadTimeout,
// shortened to release the reorder buffer in time) until the socket closes.
func (m *media) rtpLoop() {
	defer m.wg.Done()
	buf := make([]byte, 64<<10) // a lab datagram, or a GRO read, holds a whole JPEG
	oob := make([]byte, udpbatch.GROControlSize)
	for {
		now := time.Now()
		dl := now.Add(m.readTimeout)
		if t, ok := m.recv.reorderDeadline(); ok && t.Before(dl) {
			dl = t
		}
		if bye := m.byeAt.Load(); bye != 0 {
			if end := time.Unix(0, bye).Add(byeLinger); end.Before(dl) {
				dl = end
			}
		}
		_ = m.rtpConn.SetReadDeadline(dl)
		n, oobn, _, from, err := m.rtpConn.ReadMsgUDPAddrPort(buf, oob)
		now = time.Now()
		if err == nil {
			if from.Addr().Unmap() != m.serverIP {
				if m.foreign.Add(1) == 1 {
					m.log.Warn("ignoring RTP from a host other than the server", "from", from)
				}
				continue
			}
			// On a UDP_GRO socket one read may carry several datagrams.
			if seg := udpbatch.GROSegmentSize(oob[:oobn]); seg > 0 && seg < n {
				m.coalesced.Add(1)
			}
			for d := range udpbatch.Segments(buf[:n], oob[:oobn]) {
				m.recv.rtp(d, now)
			}
		} else if errors.Is(err, net.ErrClosed) {
			return
		} else if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
			m.log.Warn("RTP receive failed", "err", err)
			return
		}
		m.recv.expire(now)
		if bye := m.byeAt.Load(); bye != 0 && now.Sub(time.Unix(0, bye)) >= byeLinger {
			m.recv.flush()
			m.s.end(fmt.Errorf("%w: the server sent RTCP BYE", ErrEndOfStream))
			return
		}
	}
}

// rtcpLoop reads RTCP datagrams from the server until the socket closes.
func (m *media) rtcpLoop() {
	defer m.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, from, err := m.rtcpConn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				m.log.Warn("RTCP receive failed", "err", err)
			}
			return
		}
		if from.Addr().Unmap() != m.serverIP {
			continue
		}
		m.rtcp(buf[:n], time.Now())
	}
}

// interleaved handles a frame of the control connection (RFC 2326 §10.12).
func (m *media) interleaved(ch uint8, payload []byte, now time.Time) {
	switch ch {
	case m.rtpCh:
		m.recv.rtp(payload, now)
	case m.rtcpCh:
		m.rtcp(payload, now)
	}
}

// rtcp handles a compound RTCP packet from the server: SR times for our
// reports' LSR/DLSR, BYE as the end of the stream (RFC 3550 §6.4.1, §6.6).
func (m *media) rtcp(b []byte, now time.Time) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		m.log.Debug("invalid RTCP packet", "err", err)
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			m.recv.senderReport(p, now)
		case *rtcp.Goodbye:
			if !m.recv.isSource(p.Sources) {
				continue
			}
			m.log.Info("server sent RTCP BYE", "reason", p.Reason)
			if m.cc != nil {
				m.s.end(fmt.Errorf("%w: the server sent RTCP BYE", ErrEndOfStream))
				continue
			}
			if m.byeAt.CompareAndSwap(0, now.UnixNano()) {
				// Wake the RTP loop so that it ends after the linger.
				_ = m.rtpConn.SetReadDeadline(now.Add(byeLinger))
			}
		}
	}
}

// sendReport sends a receiver report with our CNAME (RFC 3550 §6.4.2,
// §6.1: every compound packet carries SDES CNAME) to the server's RTCP port
// or interleaved channel. Nothing is sent before the first RTP packet.
func (m *media) sendReport(now time.Time) {
	rep, ok := m.recv.report(now)
	if !ok {
		return
	}
	rr := &rtcp.ReceiverReport{SSRC: m.s.ssrc, Reports: []rtcp.ReceptionReport{rep}}
	b, err := rtcp.Marshal(rr, rtcp.NewCNAME(m.s.ssrc, m.s.cname))
	if err != nil {
		m.log.Warn("RTCP marshal failed", "err", err)
		return
	}
	switch {
	case m.cc != nil:
		err = m.cc.writeFrame(m.rtcpCh, b)
	case m.rtcpConn != nil && m.serverRTCP.IsValid():
		_, err = m.rtcpConn.WriteToUDPAddrPort(b, m.serverRTCP)
	default:
		return
	}
	if err != nil {
		m.log.Debug("RTCP send failed", "err", err)
	}
}

// listenUDP opens a UDP socket on ip:port (port 0: any).
func listenUDP(ip netip.Addr, port int) (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(udpReadBuffer)
	return c, nil
}

// listenUDPPair opens the RTP socket on an even port and the RTCP socket on
// the next one (RFC 3550 §11), at port if given, else on free ports.
func listenUDPPair(ip netip.Addr, port int) (rtpConn, rtcpConn *net.UDPConn, err error) {
	if port != 0 {
		if rtpConn, err = listenUDP(ip, port); err != nil {
			return nil, nil, fmt.Errorf("RTP port %d: %w", port, err)
		}
		if rtcpConn, err = listenUDP(ip, port+1); err != nil {
			_ = rtpConn.Close()
			return nil, nil, fmt.Errorf("RTCP port %d: %w", port+1, err)
		}
		return rtpConn, rtcpConn, nil
	}
	for range 64 {
		if rtpConn, err = listenUDP(ip, 0); err != nil {
			return nil, nil, fmt.Errorf("RTP port: %w", err)
		}
		p := rtpConn.LocalAddr().(*net.UDPAddr).Port
		if p%2 == 0 && p < 65535 {
			if rtcpConn, err = listenUDP(ip, p+1); err == nil {
				return rtpConn, rtcpConn, nil
			}
		}
		_ = rtpConn.Close()
	}
	return nil, nil, fmt.Errorf("no free even/odd UDP port pair on %s", ip)
}
