package server

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// publicMethods is the OPTIONS Public list; GET_PARAMETER being listed makes
// ffmpeg use it as its keepalive (interop.md).
const publicMethods = "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, GET_PARAMETER"

// knownMethods are RTSP 1.0 methods we do not implement (RFC 2326 10):
// they get 405 with Allow; anything else gets 501.
var knownMethods = map[string]bool{"REDIRECT": true, "SET_PARAMETER": true}

const serverName = "rtpstream"

// reply starts a response echoing the request's CSeq (RFC 2326 12.17) as
// the first header: the lab client needs CSeq first, Session second.
func (c *conn) reply(req *rtsp.Request, code int) *rtsp.Response {
	resp := &rtsp.Response{Proto: "RTSP/1.0", StatusCode: code, Reason: rtsp.StatusText(code)}
	if req != nil {
		if cs := strings.TrimSpace(req.Header.Get("CSeq")); cs != "" {
			resp.Header.Set("CSeq", cs)
		}
	}
	return resp
}

// finish appends the headers every response carries after the
// method-specific ones.
func (c *conn) finish(resp *rtsp.Response, d *dialect) *rtsp.Response {
	if d.stdHeaders {
		resp.Header.Set("Date", time.Now().UTC().Format(time.RFC1123))
		resp.Header.Set("Server", serverName)
	}
	return resp
}

// handle answers one request. The returned function, if any, runs after
// the response is written (PLAY starts sending only then, so a TCP client
// gets the response before the first interleaved packet).
func (c *conn) handle(ctx context.Context, req *rtsp.Request) (*rtsp.Response, func()) {
	if cred := c.credentialsFor(req); cred != nil && req.Method != "OPTIONS" {
		if resp := c.authenticate(ctx, req, *cred); resp != nil {
			return c.finish(resp, dialectOf(req)), nil
		}
	}
	now := time.Now()
	var (
		resp  *rtsp.Response
		after func()
	)
	switch req.Method {
	case "OPTIONS":
		resp = c.reply(req, rtsp.StatusOK)
		if ss := c.ownSession(sessionID(req)); ss != nil {
			ss.touch(now)
		}
		resp.Header.Set("Public", publicMethods)
	case "DESCRIBE":
		resp = c.describe(req)
	case "ANNOUNCE":
		resp = c.announce(req)
	case "SETUP":
		if isRecordSetup(req) {
			resp = c.setupRecord(req, now)
		} else {
			resp = c.setup(req, now)
		}
	case "RECORD":
		resp = c.record(req, now)
	case "PLAY":
		resp, after = c.play(req, now)
	case "PAUSE":
		resp = c.pause(req, now)
	case "TEARDOWN":
		resp = c.teardown(req)
	case "GET_PARAMETER":
		resp = c.getParameter(req, now)
	default:
		if knownMethods[req.Method] {
			resp = c.reply(req, rtsp.StatusMethodNotAllowed)
			resp.Header.Set("Allow", publicMethods)
		} else {
			resp = c.reply(req, rtsp.StatusNotImplemented)
		}
	}
	return c.finish(resp, dialectOf(req)), after
}

// sessionID returns the Session header's identifier without parameters.
func sessionID(req *rtsp.Request) string {
	v := req.Header.Get("Session")
	if v == "" {
		return ""
	}
	s, err := rtsp.ParseSession(v)
	if err != nil {
		return strings.TrimSpace(v)
	}
	return s.ID
}

// target is what a request URI names: a stream and, for SETUP, a track.
type target struct {
	stream *Stream
	// base is the aggregate URL (Content-Base, with a trailing '/').
	base string
	// track is true when the URI ends in our media control ("stream=0").
	track bool
}

// resolve maps a request URI to a stream: an absolute rtsp:// URL (its
// percent-decoded path), or the lab's bare file name. Paths that are not
// catalog entries, including any with "..", resolve to nothing: 404.
func (c *conn) resolve(raw string) (target, int) {
	var p, base string
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "rtsp://"), strings.HasPrefix(lower, "rtspu://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return target{}, rtsp.StatusBadRequest
		}
		p = u.Path
		base = u.Scheme + "://" + u.Host
	case strings.Contains(raw, "://"):
		return target{}, rtsp.StatusBadRequest
	default:
		dec, err := url.PathUnescape(raw)
		if err != nil {
			return target{}, rtsp.StatusBadRequest
		}
		p = "/" + strings.TrimPrefix(dec, "/")
	}
	var t target
	trimmed := strings.TrimSuffix(p, "/")
	if i := strings.LastIndexByte(trimmed, '/'); i >= 0 && trimmed[i+1:] == trackControl {
		trimmed, t.track = trimmed[:i], true
	}
	st, ok := c.srv.cat.lookup(trimmed)
	if !ok {
		// A stream whose own name ends in "/stream=0" wins over the track.
		if st, ok = c.srv.cat.lookup(p); !ok {
			return target{}, rtsp.StatusNotFound
		}
		t.track = false
	}
	if err := c.srv.openStream(st); err != nil {
		// A file that turns out not to be playable (logged once) is
		// not a stream.
		return target{}, rtsp.StatusNotFound
	}
	t.stream = st
	t.base = base + (&url.URL{Path: st.Name}).EscapedPath() + "/"
	return t, 0
}

func (c *conn) describe(req *rtsp.Request) *rtsp.Response {
	t, code := c.resolve(req.URL)
	if code != 0 {
		return c.reply(req, code)
	}
	if acc := req.Header.Get("Accept"); acc != "" && !strings.Contains(acc, "application/sdp") && !strings.Contains(acc, "*/*") {
		return c.reply(req, rtsp.StatusNotAcceptable)
	}
	if ls := t.stream.live; ls != nil && !ls.readable() {
		return c.refuse(req, rtsp.StatusNotFound, "no one is publishing to "+t.stream.Name)
	}
	resp := c.reply(req, rtsp.StatusOK)
	resp.Header.Set("Content-Base", t.base)
	resp.Header.Set("Content-Type", "application/sdp")
	origin := "- " + strconv.FormatInt(time.Now().Unix(), 10) + " 1 IN IP4 " + c.localHost()
	resp.Body = t.stream.SDP(origin)
	return resp
}

// localAddr is the server's IP on this connection.
func (c *conn) localAddr() netip.Addr {
	if ap, err := netip.ParseAddrPort(c.nc.LocalAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// localHost is the server's address on this connection, for the SDP origin.
func (c *conn) localHost() string {
	if ap, err := netip.ParseAddrPort(c.nc.LocalAddr().String()); err == nil {
		return ap.Addr().Unmap().String()
	}
	return "0.0.0.0"
}

// lookupSession finds the request's session, answering 454 when the
// Session header names none of this connection's sessions, 455 when there
// is no Session header (the Init state allows only SETUP and TEARDOWN).
func (c *conn) lookupSession(req *rtsp.Request) (*Session, int) {
	id := sessionID(req)
	if id == "" {
		return nil, rtsp.StatusMethodNotValidInThisState
	}
	ss := c.ownSession(id)
	if ss == nil {
		return nil, rtsp.StatusSessionNotFound
	}
	return ss, 0
}

// sessionHeader renders the Session header: the lab client breaks on
// ";timeout=" (lab-dialect.md), everyone else is told the timeout.
func (c *conn) sessionHeader(ss *Session) string {
	if !ss.d.sessionTimeout {
		return ss.id
	}
	return rtsp.Session{ID: ss.id, Timeout: int(c.srv.cfg.SessionTimeout / time.Second)}.String()
}

func (c *conn) play(req *rtsp.Request, now time.Time) (*rtsp.Response, func()) {
	ss, code := c.lookupSession(req)
	if code != 0 {
		return c.reply(req, code), nil
	}
	if req.URL != "*" {
		t, code := c.resolve(req.URL)
		if code != 0 {
			return c.reply(req, code), nil
		}
		if t.stream != ss.stream {
			return c.reply(req, rtsp.StatusAggregateOperationNotAllowed), nil
		}
	}
	var rng *rtsp.Range
	if v := req.Header.Get("Range"); v != "" {
		r, err := rtsp.ParseRange(v)
		if err != nil {
			return c.reply(req, rtsp.StatusHeaderFieldNotValidForResource), nil
		}
		rng = &r
	}
	ss.touch(now)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.state == stateClosed {
		return c.reply(req, rtsp.StatusSessionNotFound), nil
	}
	if ss.pub != nil {
		return c.refuse(req, rtsp.StatusMethodNotValidInThisState, "session was set up to record"), nil
	}
	if ls := ss.stream.live; ls != nil {
		return c.playLive(req, ss, ls)
	}
	scale, speed, why := playPace(req, ss.stream)
	if why != "" {
		return c.refuse(req, rtsp.StatusHeaderFieldNotValidForResource, why), nil
	}
	st := ss.stream
	store := st.frames()
	n := int64(store.len())
	seek := rng != nil && !rng.Now && !st.Live
	switch {
	case seek && rng.Clock:
		// Absolute times seek in a recording (RFC 2326 3.7).
		ts, ok := store.(*timelineStore)
		if !ok {
			return c.refuse(req, rtsp.StatusInvalidRange, "clock ranges need a recording ("+recordingSuffix+" streams)"), nil
		}
		pos, ok := ts.clockPos(rng.ClockStart)
		if !ok {
			return c.refuse(req, rtsp.StatusInvalidRange, "the recording ends before "+rng.String()), nil
		}
		ss.pos, ss.hasEnd = pos, false
		if rng.HasEnd {
			end, ok := ts.clockPos(rng.ClockEnd)
			if !ok {
				end = n - 1
			}
			ss.hasEnd, ss.endPos = end < n-1, end
		}
	case seek:
		if rng.Start < 0 || rng.Start > st.Duration() {
			return c.reply(req, rtsp.StatusInvalidRange), nil
		}
		ss.seek(rng.Start)
		// An end at or past the file's end is the whole file, which
		// loops as configured: GStreamer asks for npt=0-DURATION (the
		// SDP's range) on every PLAY.
		ss.hasEnd = rng.HasEnd && rng.End < st.Duration()-1e-6
		if ss.hasEnd {
			// The last frame sent is the one shown at End (frame
			// times are k/FPS), the file's last at most.
			ss.endPos = min(int64(math.Floor(rng.End*st.FPS+1e-9)), n-1)
		}
	}
	wasPlaying := ss.state == statePlaying
	if wasPlaying && !seek && scale == ss.scale && speed == ss.speed && store == ss.store {
		// Already playing, no seek and the same pace: nothing changes.
		return c.playResponse(req, ss), nil
	}
	ss.state = statePlaying
	ss.gen++
	// Align the timeline to the stream's frame clock, so every session of
	// a stream is due at the same instants and one scheduler wake-up sends
	// to all of them. The clock's last tick is already due: the first frame
	// goes out at once, the rest on the clock, none of them late.
	start := st.lastTick(now)
	ss.playStart, ss.playPos = start, ss.pos
	ss.setPace(scale, speed)
	ss.tsPlay, ss.sent = ss.rtpTime(ss.pos), 0
	ss.store = store
	store.prepare(int((ss.pos%n + n) % n))
	gen := ss.gen
	resp := c.playResponse(req, ss)
	if ts, ok := store.(*timelineStore); ok && rng != nil && rng.Clock {
		r := rtsp.Range{Clock: true, ClockStart: ts.clockOf(ss.pos)}
		if ss.hasEnd {
			r.ClockEnd, r.HasEnd = ts.clockOf(ss.endPos), true
		}
		resp.Header.Set("Range", r.String())
	}
	if req.Header.Get("Scale") != "" {
		resp.Header.Set("Scale", strconv.FormatFloat(ss.scale, 'f', -1, 64))
	}
	if req.Header.Get("Speed") != "" {
		resp.Header.Set("Speed", strconv.FormatFloat(ss.speed, 'f', -1, 64))
	}
	c.srv.log.Info("play", "session", ss.id, "stream", st.Name, "remote", c.remote, "npt", ss.npt(ss.pos), "scale", ss.scale, "speed", ss.speed, "tcp", ss.tr.tcp, "dialect", ss.d.name)
	return resp, func() { c.srv.sched.add(ss, gen, start) }
}

// Scale and Speed limits: beyond them a PLAY gets 456.
const (
	maxScale = 32
	minScale = 1.0 / 32
)

// playPace reads a PLAY's Scale (RFC 2326 12.34) and Speed (12.35): 1 when
// absent, and always 1 for streams that have no position of their own (the
// test pattern's shared clock). why says what is wrong with a bad value.
func playPace(req *rtsp.Request, st *Stream) (scale, speed float64, why string) {
	scale, speed = 1, 1
	parse := func(name string, allowNeg bool) (float64, string) {
		v := req.Header.Get(name)
		if v == "" {
			return 1, ""
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		a := math.Abs(f)
		if err != nil || a < minScale || a > maxScale || f < 0 && !allowNeg || f != f {
			return 0, fmt.Sprintf("%s %q: want a number whose size is between 1/32 and 32", name, v)
		}
		return f, ""
	}
	if scale, why = parse("Scale", true); why != "" {
		return 0, 0, why
	}
	if speed, why = parse("Speed", false); why != "" {
		return 0, 0, why
	}
	if st.Live {
		return 1, 1, ""
	}
	return scale, speed, ""
}

// playResponse carries Range and RTP-Info (RFC 2326 12.29, 12.33). Called
// with ss.mu held.
func (c *conn) playResponse(req *rtsp.Request, ss *Session) *rtsp.Response {
	resp := c.reply(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(ss))
	if !ss.d.stdHeaders {
		return resp
	}
	r := rtsp.Range{Start: ss.npt(ss.pos)}
	switch {
	case ss.stream.Live:
	case ss.hasEnd:
		r.End, r.HasEnd = ss.npt(ss.endPos), true
	case ss.stream.noLoop && ss.step > 0:
		r.End, r.HasEnd = ss.stream.Duration(), true
	}
	if ss.stream.Live {
		r.Start = 0
	}
	resp.Header.Set("Range", r.String())
	base := ss.base
	info := rtsp.RTPInfo{{URL: base + trackControl, Seq: ss.seq, HasSeq: true, RTPTime: ss.rtpTime(ss.pos), HasRTPTime: true}}
	resp.Header.Set("RTP-Info", info.String())
	return resp
}

func (c *conn) pause(req *rtsp.Request, now time.Time) *rtsp.Response {
	ss, code := c.lookupSession(req)
	if code != 0 {
		return c.reply(req, code)
	}
	ss.touch(now)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.state == stateRecording {
		// RFC 2326 A.2: a recording session pauses to Ready, keeping its
		// path; RECORD resumes it. GStreamer's rtspclientsink pauses
		// before its TEARDOWN and waits for the answer.
		ss.state = stateReady
		ss.pub.recording.Store(false)
		resp := c.reply(req, rtsp.StatusOK)
		resp.Header.Set("Session", c.sessionHeader(ss))
		return resp
	}
	if ss.state != statePlaying {
		// RFC 2326 A.2: PAUSE is valid only while playing or recording.
		resp := c.reply(req, rtsp.StatusMethodNotValidInThisState)
		resp.Header.Set("Session", c.sessionHeader(ss))
		return resp
	}
	ss.state = stateReady
	ss.gen++
	if ls := ss.stream.live; ls != nil {
		ls.setPlaying(ss, false)
	}
	resp := c.reply(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(ss))
	return resp
}

// playLive starts (or resumes) a reader of a live path: it joins the
// path's readers once the response is written, and gets every frame from
// the next one on. RTP-Info quotes the timeline's time now.
func (c *conn) playLive(req *rtsp.Request, ss *Session, ls *liveStream) (*rtsp.Response, func()) {
	if ss.state != statePlaying {
		ss.state = statePlaying
		ss.gen++
	}
	resp := c.reply(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(ss))
	if ss.d.stdHeaders {
		resp.Header.Set("Range", rtsp.Range{Start: 0}.String())
		info := rtsp.RTPInfo{{URL: ss.base + trackControl, Seq: ss.seq, HasSeq: true, RTPTime: ss.tsBase + ls.nowTS(time.Now()), HasRTPTime: true}}
		resp.Header.Set("RTP-Info", info.String())
	}
	c.srv.log.Info("play", "session", ss.id, "stream", ss.stream.Name, "remote", c.remote, "live", true, "tcp", ss.tr.tcp, "dialect", ss.d.name)
	return resp, func() {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		if ss.state == statePlaying {
			ls.setPlaying(ss, true)
		}
	}
}

func (c *conn) teardown(req *rtsp.Request) *rtsp.Response {
	ss, code := c.lookupSession(req)
	if code == rtsp.StatusMethodNotValidInThisState {
		// TEARDOWN without a session is a no-op in the Init state.
		return c.reply(req, rtsp.StatusOK)
	}
	if code != 0 {
		return c.reply(req, code)
	}
	resp := c.reply(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(ss))
	c.srv.closeSession(ss, "teardown")
	return resp
}

func (c *conn) getParameter(req *rtsp.Request, now time.Time) *rtsp.Response {
	if sessionID(req) == "" {
		return c.reply(req, rtsp.StatusOK)
	}
	ss, code := c.lookupSession(req)
	if code != 0 {
		return c.reply(req, code)
	}
	ss.touch(now)
	resp := c.reply(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(ss))
	return resp
}
