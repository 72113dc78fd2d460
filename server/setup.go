package server

import (
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// setup creates a session (no Session header) or changes the transport of
// a ready one (RFC 2326 10.4).
func (c *conn) setup(req *rtsp.Request, now time.Time) *rtsp.Response {
	t, code := c.resolve(req.URL)
	if code != 0 {
		return c.reply(req, code)
	}
	th := req.Header.Get("Transport")
	if th == "" {
		return c.reply(req, rtsp.StatusUnsupportedTransport)
	}
	alts, err := rtsp.ParseTransports(th)
	if err != nil {
		return c.reply(req, rtsp.StatusUnsupportedTransport)
	}
	var existing *Session
	if id := sessionID(req); id != "" {
		if existing = c.ownSession(id); existing == nil {
			return c.reply(req, rtsp.StatusSessionNotFound)
		}
		if existing.stream != t.stream {
			return c.reply(req, rtsp.StatusAggregateOperationNotAllowed)
		}
	}
	tr, chosen, ok := c.chooseTransport(alts, existing)
	if !ok {
		return c.reply(req, rtsp.StatusUnsupportedTransport)
	}
	d := standard
	if req.Lab || isLabTransport(chosen) {
		d = labDialect
	}

	ss := existing
	if ss == nil {
		id, err := newSessionID()
		if err != nil {
			return c.reply(req, rtsp.StatusInternalServerError)
		}
		ss = &Session{
			id: id, srv: c.srv, conn: c, stream: t.stream, d: d,
			ssrc: randUint32(), tsBase: randUint32(), base: t.base,
			seq: d.initialSeq(), created: now.UnixNano(),
		}
		ss.touch(now)
		if !c.adopt(ss) {
			return c.reply(req, rtsp.StatusNotEnoughBandwidth)
		}
		if !c.srv.addSession(ss) {
			c.forget(ss)
			return c.reply(req, rtsp.StatusNotEnoughBandwidth)
		}
		if ls := t.stream.live; ls != nil {
			if err := ls.attach(ss); err != nil {
				c.srv.closeSession(ss, "path gone")
				return c.reply(req, rtsp.StatusNotFound)
			}
		}
	}
	ss.touch(now)
	ss.mu.Lock()
	if ss.state == statePlaying {
		ss.mu.Unlock()
		return c.reply(req, rtsp.StatusMethodNotValidInThisState)
	}
	old := ss.tr.rtcpDst
	ss.tr = tr
	ss.mu.Unlock()
	if tr.tcp {
		if tc, ok := c.nc.(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(c.srv.cfg.TCPSendBuffer)
		}
	}
	if !tr.tcp && ss.d.rtcp {
		c.srv.setRTCPAddr(ss, old, tr.rtcpDst)
	}

	resp := c.reply(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(ss))
	if !ss.d.stdHeaders {
		return resp
	}
	reply := c.srv.replyTransport(tr, "PLAY")
	reply.SSRC, reply.HasSSRC = ss.ssrc, true
	if !tr.tcp && chosen.Lower == "UDP" {
		reply.Lower = "UDP"
	}
	resp.Header.Set("Transport", reply.String())
	c.srv.log.Info("setup", "session", ss.id, "stream", ss.stream.Name, "remote", c.remote, "transport", reply.String())
	return resp
}

// replyTransport is the Transport header answering a SETUP whose transport
// is tr (RFC 2326 12.39): the interleaved channels, or the client's and
// the server's UDP ports.
func (s *Server) replyTransport(tr transport, mode string) rtsp.Transport {
	reply := rtsp.Transport{Profile: "RTP/AVP", Unicast: true, Mode: mode}
	if tr.tcp {
		reply.Lower = "TCP"
		reply.Interleaved = rtsp.PortRange{Lo: int(tr.rtpChannel), Hi: int(tr.rtcpChannel), Set: true}
	} else {
		reply.ClientPort = rtsp.PortRange{Lo: int(tr.rtpDst.Port()), Hi: int(tr.rtcpDst.Port()), Set: true}
		reply.ServerPort = rtsp.PortRange{Lo: s.udp.rtpPort, Hi: s.udp.rtpPort + 1, Set: true}
	}
	return reply
}

// isLabTransport recognises the lab's "RTP/UDP; client_port= N".
func isLabTransport(t rtsp.Transport) bool { return t.LabDialect() }

// chooseTransport picks the first alternative we can serve (RFC 2326
// 12.39): unicast RTP/AVP over UDP with client ports, or interleaved TCP.
// RTP only ever goes to the RTSP peer's own address: a destination naming
// another host is refused (461), so the server cannot be aimed at a third
// party.
func (c *conn) chooseTransport(alts []rtsp.Transport, existing *Session) (transport, rtsp.Transport, bool) {
	for _, a := range alts {
		if !strings.EqualFold(a.Profile, "RTP/AVP") && !a.LabDialect() {
			continue
		}
		if a.Multicast {
			continue
		}
		if a.Mode != "" && !strings.EqualFold(a.Mode, "PLAY") {
			continue
		}
		if a.Destination != "" {
			d, err := netip.ParseAddr(strings.Trim(a.Destination, "[]"))
			if err != nil || d.Unmap() != c.peer {
				continue
			}
		}
		switch strings.ToUpper(a.Lower) {
		case "TCP":
			lo, hi, ok := c.pickChannels(a, existing)
			if !ok {
				continue
			}
			return transport{tcp: true, rtpChannel: lo, rtcpChannel: hi}, a, true
		case "", "UDP":
			if !a.ClientPort.Set || a.ClientPort.Lo <= 0 || a.ClientPort.Lo > 65535 || !c.peer.IsValid() {
				continue
			}
			rtcpPort := a.ClientPort.Hi
			if rtcpPort <= 0 || rtcpPort > 65535 {
				rtcpPort = a.ClientPort.Lo + 1
			}
			tr := transport{
				rtpDst: netip.AddrPortFrom(c.peer, uint16(a.ClientPort.Lo)),
			}
			if rtcpPort <= 65535 {
				tr.rtcpDst = netip.AddrPortFrom(c.peer, uint16(rtcpPort))
			}
			if c.srv.udpPortsTaken(existing, c.localAddr(), tr.rtpDst, tr.rtcpDst) {
				continue
			}
			return tr, a, true
		}
	}
	return transport{}, rtsp.Transport{}, false
}

// pickChannels takes the requested interleaved channels if free, else the
// lowest free even pair.
func (c *conn) pickChannels(a rtsp.Transport, existing *Session) (uint8, uint8, bool) {
	used := c.usedChannels()
	if existing != nil && existing.tr.tcp {
		delete(used, existing.tr.rtpChannel)
		delete(used, existing.tr.rtcpChannel)
	}
	if a.Interleaved.Set {
		lo, hi := a.Interleaved.Lo, a.Interleaved.Hi
		if hi == 0 && lo < 255 {
			hi = lo + 1
		}
		if lo < 0 || lo > 255 || hi < 0 || hi > 255 || lo == hi {
			return 0, 0, false
		}
		if used[uint8(lo)] || used[uint8(hi)] {
			return 0, 0, false
		}
		return uint8(lo), uint8(hi), true
	}
	for ch := 0; ch < 255; ch += 2 {
		if !used[uint8(ch)] && !used[uint8(ch+1)] {
			return uint8(ch), uint8(ch + 1), true
		}
	}
	return 0, 0, false
}
