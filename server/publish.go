package server

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/sdp"
)

// announcement is what a publisher's ANNOUNCE (RFC 2326 10.3) told this
// connection: the path and which of its media is the JPEG video we take.
type announcement struct {
	// name is the path published to ("/live").
	name string
	// base is the ANNOUNCE URL, the base of the media controls.
	base string
	// video is the JPEG media's control URL (resolved against base); pt its
	// payload type.
	video string
	pt    uint8
	// tracks is every media's control URL, so SETUP of audio beside the
	// video can be accepted and its data ignored.
	tracks []string
}

// publisher is the ingest side of a session in record mode: RTP from the
// publisher, depacketized into whole frames that its path re-packetizes
// for readers.
//
// Ownership: depack and the counters are owned by the goroutine that
// receives the publisher's RTP (its connection's, for TCP; for UDP the
// scheduler's, which reads the RTP port in its wake-ups, or off Linux the
// server's RTP reader). The atomics are read by others.
type publisher struct {
	ls *liveStream
	// ss is the publisher's own session: its RTP keeps it alive.
	ss *Session
	pt uint8
	// channel is the interleaved RTP channel of the video (TCP), and
	// rtpSrc the address its RTP comes from (UDP: the RTSP peer's IP with
	// the client_port it declared).
	channel    uint8
	rtpSrc     netip.AddrPort
	videoSetUp bool

	// epoch is the path's source epoch of this publisher (set by RECORD).
	epoch atomic.Uint64
	// recording is set by RECORD: RTP before it is ignored.
	recording atomic.Bool
	// lastRTP is the UnixNano of the latest RTP packet (silence timeout).
	lastRTP atomic.Int64

	depack rtpjpeg.Depacketizer
	// Counted drops: packets that are not RTP, and of another payload
	// type. Atomic so that others (tests, statistics) may read them.
	badPackets, wrongType atomic.Uint64
	// droppedSeen is how many of depack.FramesDropped the path has been
	// told about.
	droppedSeen uint64
}

// isRecordSetup tells whether a SETUP asks for mode=record (RFC 2326
// 12.39: "mode" RECORD; "receive" is RFC 7826's word for it).
func isRecordSetup(req *rtsp.Request) bool {
	alts, err := rtsp.ParseTransports(req.Header.Get("Transport"))
	if err != nil || len(alts) == 0 {
		return false
	}
	m := strings.ToUpper(alts[0].Mode)
	return m == "RECORD" || m == "RECEIVE"
}

// publishPathOf is the path a publishing request's URL names (its track
// suffix is resolved later), or "" if the URL is not an rtsp:// URL.
func publishPathOf(raw string) (string, string) {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, "rtsp") || u.Host == "" {
		return "", ""
	}
	p := strings.TrimSuffix(u.Path, "/")
	return p, u.Scheme + "://" + u.Host + (&url.URL{Path: p}).EscapedPath()
}

// announce takes a publisher's stream description (RFC 2326 10.3).
func (c *conn) announce(req *rtsp.Request) *rtsp.Response {
	name, base := publishPathOf(req.URL)
	if name == "" {
		return c.reply(req, rtsp.StatusBadRequest)
	}
	if code, why := c.srv.cat.canPublish(name); code != 0 {
		return c.refuse(req, code, why)
	}
	if ct := req.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/sdp") {
		return c.refuse(req, rtsp.StatusUnsupportedMediaType, "the description must be application/sdp")
	}
	desc, err := sdp.Unmarshal(req.Body)
	if err != nil {
		return c.refuse(req, rtsp.StatusBadRequest, "bad SDP: "+err.Error())
	}
	a := &announcement{name: name, base: base + "/"}
	found := false
	var codecs []string
	for i := range desc.Media {
		m := &desc.Media[i]
		ctl, err := sdp.ResolveControl(a.base, m.Control)
		if err != nil {
			ctl = ""
		}
		a.tracks = append(a.tracks, trimSlash(ctl))
		pt, ok := jpegFormat(m)
		if !ok {
			codecs = append(codecs, mediaCodec(m))
			continue
		}
		if !found {
			found, a.video, a.pt = true, trimSlash(ctl), pt
		}
	}
	if !found {
		return c.refuse(req, rtsp.StatusUnsupportedMediaType,
			"only Motion-JPEG video (RTP/AVP 26, RFC 2435) can be published; the description has "+strings.Join(codecs, ", "))
	}
	c.mu.Lock()
	c.ann = a
	c.mu.Unlock()
	c.srv.log.Info("announce", "stream", name, "remote", c.remote, "other_media", strings.Join(codecs, ","))
	return c.reply(req, rtsp.StatusOK)
}

// refuse answers code with the reason in the status line, which ffmpeg and
// GStreamer show to their user.
func (c *conn) refuse(req *rtsp.Request, code int, why string) *rtsp.Response {
	resp := c.reply(req, code)
	if why != "" {
		resp.Reason = rtsp.StatusText(code) + " (" + why + ")"
	}
	return resp
}

func trimSlash(s string) string { return strings.TrimSuffix(s, "/") }

// jpegFormat finds a media's JPEG payload type: static 26 (RFC 3551) or a
// dynamic one mapped to JPEG/90000.
func jpegFormat(m *sdp.Media) (uint8, bool) {
	if !strings.EqualFold(m.Type, "video") {
		return 0, false
	}
	for _, f := range m.Formats {
		if f < 0 || f > 127 {
			continue
		}
		name, _, mapped := m.Encoding(f)
		if mapped && strings.EqualFold(name, "JPEG") || !mapped && f == rtpjpeg.PayloadType {
			return uint8(f), true
		}
	}
	return 0, false
}

// mediaCodec names a media's codec for a refusal ("video H264").
func mediaCodec(m *sdp.Media) string {
	for _, f := range m.Formats {
		if name, _, ok := m.Encoding(f); ok {
			return m.Type + " " + name
		}
		return fmt.Sprintf("%s payload type %d", m.Type, f)
	}
	return m.Type
}

// setupRecord sets up a publisher's track (SETUP with mode=record): the
// JPEG video gets a publisher session on the path; other tracks (audio
// beside the video) are accepted and their data ignored.
func (c *conn) setupRecord(req *rtsp.Request, now time.Time) *rtsp.Response {
	c.mu.Lock()
	a := c.ann
	c.mu.Unlock()
	if a == nil {
		return c.refuse(req, rtsp.StatusMethodNotValidInThisState, "ANNOUNCE first")
	}
	u := trimSlash(stripUserinfo(req.URL))
	isVideo := u == a.video || (len(a.tracks) == 1 && u == trimSlash(a.base))
	known := isVideo
	for _, t := range a.tracks {
		known = known || u == t
	}
	if !known {
		return c.refuse(req, rtsp.StatusNotFound, "no such track in the announced description")
	}
	alts, err := rtsp.ParseTransports(req.Header.Get("Transport"))
	if err != nil {
		return c.reply(req, rtsp.StatusUnsupportedTransport)
	}
	var ss *Session
	if id := sessionID(req); id != "" {
		if ss = c.ownSession(id); ss == nil || ss.pub == nil {
			return c.reply(req, rtsp.StatusSessionNotFound)
		}
	}
	if ss == nil {
		ls, code, why := c.srv.cat.publishPath(c.srv, a.name)
		if code != 0 {
			return c.refuse(req, code, why)
		}
		id, err := newSessionID()
		if err != nil {
			return c.reply(req, rtsp.StatusInternalServerError)
		}
		ss = &Session{
			id: id, srv: c.srv, conn: c, stream: ls.st, d: standard, ssrc: randUint32(),
			base: a.base, pub: &publisher{ls: ls, pt: a.pt}, created: now.UnixNano(),
		}
		ss.pub.ss = ss
		ss.pub.depack.MaxFrameBytes = c.srv.cfg.MaxFrameBytes
		ss.pub.depack.Alloc = ls.warmJPEG.get
		ss.touch(now)
		if !c.adopt(ss) || !c.srv.addSession(ss) {
			c.forget(ss)
			ls.release(ss, "refused")
			return c.reply(req, rtsp.StatusNotEnoughBandwidth)
		}
		ls.addPending(ss)
	}
	ss.touch(now)
	var reply rtsp.Transport
	for _, t := range alts {
		tr, ok := c.recordTransport(t, ss)
		if !ok {
			continue
		}
		reply = c.srv.replyTransport(tr, "RECORD")
		if isVideo {
			ss.mu.Lock()
			if ss.pub.videoSetUp || ss.state != stateReady {
				ss.mu.Unlock()
				return c.reply(req, rtsp.StatusMethodNotValidInThisState)
			}
			ss.tr = tr
			ss.pub.videoSetUp = true
			if tr.tcp {
				ss.pub.channel = tr.rtpChannel
			} else {
				ss.pub.rtpSrc = tr.rtpDst
			}
			ss.mu.Unlock()
			if !tr.tcp {
				c.srv.setPublisherAddrs(ss, tr.rtpDst, tr.rtcpDst)
			}
		} else if tr.tcp {
			c.mu.Lock()
			c.ignored[tr.rtpChannel], c.ignored[tr.rtcpChannel] = true, true
			c.mu.Unlock()
		}
		resp := c.reply(req, rtsp.StatusOK)
		resp.Header.Set("Session", c.sessionHeader(ss))
		resp.Header.Set("Transport", reply.String())
		c.srv.log.Info("setup record", "session", ss.id, "stream", a.name, "remote", c.remote, "transport", reply.String(), "video", isVideo)
		return resp
	}
	return c.reply(req, rtsp.StatusUnsupportedTransport)
}

// recordTransport picks the channels (TCP) or the ports a publisher sends
// from (UDP: its RTSP peer's IP; RTP from anywhere else is not taken).
func (c *conn) recordTransport(a rtsp.Transport, ss *Session) (transport, bool) {
	if !strings.EqualFold(a.Profile, "RTP/AVP") || a.Multicast {
		return transport{}, false
	}
	switch strings.ToUpper(a.Lower) {
	case "TCP":
		lo, hi, ok := c.pickChannels(a, nil)
		if !ok {
			return transport{}, false
		}
		return transport{tcp: true, rtpChannel: lo, rtcpChannel: hi}, true
	case "", "UDP":
		if !a.ClientPort.Set || a.ClientPort.Lo <= 0 || a.ClientPort.Lo > 65535 || !c.peer.IsValid() {
			return transport{}, false
		}
		hi := a.ClientPort.Hi
		if hi <= 0 || hi > 65535 {
			hi = min(a.ClientPort.Lo+1, 65535)
		}
		tr := transport{
			rtpDst:  netip.AddrPortFrom(c.peer, uint16(a.ClientPort.Lo)),
			rtcpDst: netip.AddrPortFrom(c.peer, uint16(hi)),
		}
		if c.srv.udpPortsTaken(ss, c.localAddr(), tr.rtpDst, tr.rtcpDst) {
			return transport{}, false
		}
		return tr, true
	}
	return transport{}, false
}

// stripUserinfo removes user:pass@ from a URL (ffmpeg keeps it in the
// request URI when the publish URL has it).
func stripUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// record starts publishing (RFC 2326 10.11): the session becomes its path's
// source. A busy path answers 409 Conflict unless it allows replacing.
func (c *conn) record(req *rtsp.Request, now time.Time) *rtsp.Response {
	ss, code := c.lookupSession(req)
	if code != 0 {
		return c.reply(req, code)
	}
	if ss.pub == nil {
		return c.refuse(req, rtsp.StatusMethodNotValidInThisState, "session was set up to play")
	}
	ss.touch(now)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.pub.videoSetUp {
		return c.refuse(req, rtsp.StatusMethodNotValidInThisState, "SETUP the video track first")
	}
	if ss.state == stateRecording {
		resp := c.reply(req, rtsp.StatusOK)
		resp.Header.Set("Session", c.sessionHeader(ss))
		return resp
	}
	if ss.state != stateReady {
		return c.reply(req, rtsp.StatusMethodNotValidInThisState)
	}
	if err := ss.pub.ls.claim(ss); err != nil {
		return c.refuse(req, rtsp.StatusConflict, "someone is already publishing to "+ss.stream.Name)
	}
	ss.state = stateRecording
	ss.pub.lastRTP.Store(now.UnixNano())
	ss.pub.recording.Store(true)
	resp := c.reply(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(ss))
	c.srv.log.Info("record", "session", ss.id, "stream", ss.stream.Name, "remote", c.remote, "tcp", ss.tr.tcp)
	return resp
}

// ingest takes one RTP packet from the publisher. A frame completes when
// its last packet arrives and goes to the path at once; frames with a
// missing fragment are dropped and counted, never forwarded. Runs on the
// goroutine that owns p (see publisher).
//
// The packet also keeps the publisher's session alive: a publisher that
// sends media but neither RTCP nor RTSP keepalives is not idle (RFC 2326
// 12.37 lets the server choose what counts as activity).
func (p *publisher) ingest(b []byte, now time.Time) {
	if !p.recording.Load() {
		return
	}
	p.lastRTP.Store(now.UnixNano())
	if p.ss != nil {
		p.ss.touch(now)
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(b); err != nil {
		p.badPackets.Add(1)
		return
	}
	if pkt.PayloadType != p.pt {
		p.wrongType.Add(1)
		return
	}
	jpeg, err := p.depack.Push(&pkt)
	if d := p.depack.FramesDropped; d != p.droppedSeen {
		p.ls.countDropped(d - p.droppedSeen)
		p.droppedSeen = d
	}
	if err != nil || jpeg == nil {
		return
	}
	if err := p.ls.push(jpeg, pkt.Timestamp, true, p.epoch.Load(), now); err != nil {
		p.ls.srv.log.Debug("published frame dropped", "stream", p.ls.st.Name, "err", err)
	}
}
