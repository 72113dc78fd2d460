package server

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
)

// The SDPs publishers announce: ffmpeg's shape (static payload type 26,
// control streamid=N), with audio beside the video, and H.264 only.
const (
	sdpHead      = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=pub\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	sdpJPEG      = sdpHead + "m=video 0 RTP/AVP 26\r\na=control:streamid=0\r\n"
	sdpJPEGAudio = sdpJPEG + "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\na=control:streamid=1\r\n"
	sdpH264      = sdpHead + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n"
)

// pubMTU splits the test frames into several packets each.
const pubMTU = 400

// pubFrames returns n distinct small 4:2:0 baseline JPEGs (Go's encoder:
// standard Huffman tables, two quantization tables).
func pubFrames(t testing.TB, n int) [][]byte {
	t.Helper()
	out := make([][]byte, n)
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for y := range 48 {
			for x := range 64 {
				img.Set(x, y, color.RGBA{uint8(x*4 + i*30), uint8(y * 5), uint8(i * 40), 255})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	return out
}

// vectorFrames reads the shared JPEG vectors of a folder (00001.jpg ...).
func vectorFrames(t testing.TB, dir string) [][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(testenv.SharedPath(t, "vectors/"+dir), "*.jpg"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no vectors in %s: %v", dir, err)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// samePixels fails unless two JPEGs decode to the same image.
func samePixels(t testing.TB, what string, got, want []byte) {
	t.Helper()
	g, err := jpeg.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("%s: received frame does not decode: %v", what, err)
	}
	w, err := jpeg.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatalf("%s: source does not decode: %v", what, err)
	}
	gy, ok1 := g.(*image.YCbCr)
	wy, ok2 := w.(*image.YCbCr)
	if !ok1 || !ok2 || gy.Rect != wy.Rect || gy.SubsampleRatio != wy.SubsampleRatio {
		t.Fatalf("%s: got %T %v, want %T %v", what, g, g.Bounds(), w, w.Bounds())
	}
	for y := gy.Rect.Min.Y; y < gy.Rect.Max.Y; y++ {
		for x := gy.Rect.Min.X; x < gy.Rect.Max.X; x++ {
			if gy.Y[gy.YOffset(x, y)] != wy.Y[wy.YOffset(x, y)] ||
				gy.Cb[gy.COffset(x, y)] != wy.Cb[wy.COffset(x, y)] || gy.Cr[gy.COffset(x, y)] != wy.Cr[wy.COffset(x, y)] {
				t.Fatalf("%s: pixel (%d,%d) differs from the source", what, x, y)
			}
		}
	}
}

// digestAuth answers a 401's Digest challenge for every later request.
type digestAuth struct {
	cred rtsp.Credentials
	ch   rtsp.Challenge
	nc   uint32
}

// newDigestAuth takes the Digest challenge of a 401 response.
func newDigestAuth(t testing.TB, resp *rtsp.Response, cred rtsp.Credentials) *digestAuth {
	t.Helper()
	chs, err := rtsp.ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		t.Fatalf("challenges: %v", err)
	}
	for _, ch := range chs {
		if strings.EqualFold(ch.Scheme, "digest") {
			return &digestAuth{cred: cred, ch: ch}
		}
	}
	t.Fatalf("no Digest challenge in %v", resp.Header.Values("WWW-Authenticate"))
	return nil
}

func (a *digestAuth) header(t testing.TB, method, uri string) string {
	t.Helper()
	a.nc++
	h, err := a.ch.Authorize(a.cred, method, uri, a.nc, fmt.Sprintf("c%08x", a.nc))
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	return "Authorization: " + h
}

// rtspReq sends a request with an optional SDP body, the session and
// credentials of its caller and extra header lines, and reads the answer.
func rtspReq(c *ctl, auth *digestAuth, method, url, body string, headers ...string) *rtsp.Response {
	c.t.Helper()
	c.cseq++
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s RTSP/1.0\r\nCSeq: %d\r\n", method, url, c.cseq)
	if auth != nil {
		b.WriteString(auth.header(c.t, method, url) + "\r\n")
	}
	for _, h := range headers {
		if h != "" {
			b.WriteString(h + "\r\n")
		}
	}
	if body != "" {
		fmt.Fprintf(&b, "Content-Type: application/sdp\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	return c.raw(b.String())
}

// testPub is a hand-made publisher: raw RTSP, RTP over interleaved '$'
// frames or UDP from the client_port its SETUP declared.
type testPub struct {
	t      testing.TB
	c      *ctl
	path   string
	auth   *digestAuth
	sess   string // "Session: ID" once set up
	id     string
	tcp    bool
	ch     uint8
	rtpc   *net.UDPConn
	srvRTP *net.UDPAddr
	// audioc is the audio track's client_port socket (UDP).
	audioc *net.UDPConn
	pt     uint8
	seq    uint16
	ssrc   uint32
	ts     uint32
	pk     rtpjpeg.Packetized
}

func newPub(t testing.TB, addr, path string, tcp bool) *testPub {
	return &testPub{t: t, c: dialCtl(t, addr), path: path, tcp: tcp, pt: rtpjpeg.PayloadType, ssrc: 0x1234abcd, seq: 65530, ts: 4294960000}
}

func (p *testPub) do(method, url, body string, headers ...string) *rtsp.Response {
	p.t.Helper()
	return rtspReq(p.c, p.auth, method, url, body, append(headers, p.sess)...)
}

func (p *testPub) announce(sdp string) *rtsp.Response {
	p.t.Helper()
	return p.do("ANNOUNCE", p.c.url(p.path), sdp)
}

// setup sets a track up for recording (track "streamid=0" is the video).
func (p *testPub) setup(track string) *rtsp.Response {
	p.t.Helper()
	tr := "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"
	if track != "streamid=0" {
		tr = "Transport: RTP/AVP/TCP;unicast;interleaved=2-3;mode=record"
	}
	if !p.tcp {
		rtpc, rtcpc := udpPorts(p.t)
		tr = fmt.Sprintf("Transport: RTP/AVP/UDP;unicast;client_port=%d-%d;mode=record", port(rtpc), port(rtcpc))
		if track == "streamid=0" {
			p.rtpc = rtpc
		} else {
			p.audioc = rtpc
		}
	}
	resp := p.do("SETUP", p.c.url(p.path+"/"+track), "", tr)
	if resp.StatusCode != 200 {
		return resp
	}
	p.id = sessionOf(p.t, resp)
	p.sess = "Session: " + p.id
	if track != "streamid=0" {
		return resp
	}
	trs, err := rtsp.ParseTransports(resp.Header.Get("Transport"))
	if err != nil || len(trs) != 1 {
		p.t.Fatalf("SETUP record: Transport %q: %v", resp.Header.Get("Transport"), err)
	}
	if p.tcp {
		p.ch = uint8(trs[0].Interleaved.Lo)
	} else {
		p.srvRTP = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: trs[0].ServerPort.Lo}
	}
	return resp
}

// start announces JPEG video, sets it up and records; every step must
// succeed.
func (p *testPub) start() *testPub {
	p.t.Helper()
	wantStatus(p.t, "ANNOUNCE", p.announce(sdpJPEG), 200)
	wantStatus(p.t, "SETUP record", p.setup("streamid=0"), 200)
	wantStatus(p.t, "RECORD", p.do("RECORD", p.c.url(p.path), ""), 200)
	return p
}

// sendRaw sends one datagram as RTP on the video's channel or port.
func (p *testPub) sendRaw(b []byte) {
	p.t.Helper()
	p.sendOn(p.ch, b)
}

// sendOn sends b on an interleaved channel (TCP) or from the video's
// client_port (UDP, channel ignored).
func (p *testPub) sendOn(ch uint8, b []byte) {
	p.t.Helper()
	var err error
	if p.tcp {
		_, err = p.c.nc.Write(rtsp.AppendFrame(nil, ch, b))
	} else {
		_, err = p.rtpc.WriteToUDP(b, p.srvRTP)
	}
	if err != nil {
		p.t.Fatalf("send RTP: %v", err)
	}
}

// packets builds the RTP packets of one frame at the publisher's next
// timestamp (30 fps steps).
func (p *testPub) packets(f *rtpjpeg.Frame) [][]byte {
	p.t.Helper()
	if err := f.PacketizeTo(&p.pk, pubMTU); err != nil {
		p.t.Fatalf("packetize: %v", err)
	}
	p.ts += 3000
	var out [][]byte
	for i, pl := range p.pk.Payloads {
		b := make([]byte, rtp.HeaderSize+len(pl))
		rtp.PutHeader(b, i == len(p.pk.Payloads)-1, p.pt, p.seq, p.ts, p.ssrc)
		copy(b[rtp.HeaderSize:], pl)
		p.seq++
		out = append(out, b)
	}
	return out
}

// sendFrame sends a frame described by f.
func (p *testPub) sendFrame(f *rtpjpeg.Frame) {
	p.t.Helper()
	for _, b := range p.packets(f) {
		p.sendRaw(b)
	}
}

// sendJPEG sends a JPEG as Packetize would (Q=255, 128 bytes of tables).
func (p *testPub) sendJPEG(j []byte) {
	p.t.Helper()
	p.sendFrame(mustFrame(p.t, j))
}

func mustFrame(t testing.TB, j []byte) *rtpjpeg.Frame {
	t.Helper()
	f, err := rtpjpeg.NewFrame(j)
	if err != nil {
		t.Fatalf("NewFrame: %v", err)
	}
	return f
}

// testReader plays a live path over UDP or TCP and depacketizes what it
// gets.
type testReader struct {
	t           testing.TB
	c           *ctl
	sess        string
	tcp         bool
	rtpc, rtcpc *net.UDPConn
	col         collector
	bye         bool
}

// playLive sets up and plays a reader of a live path and waits until the
// path sends to it: the server adds a reader only after its PLAY response
// is written, so a frame completed in between is not the reader's.
func playLive(t testing.TB, srv *Server, path string, tcp bool, auth *digestAuth) *testReader {
	t.Helper()
	addr := srv.Addr().String()
	r := &testReader{t: t, c: dialCtl(t, addr), tcp: tcp}
	if auth != nil {
		// Digest nonces belong to their connection: answer this one's.
		auth = newDigestAuth(t, rtspReq(r.c, nil, "DESCRIBE", r.c.url(path), ""), auth.cred)
	}
	wantStatus(t, "reader DESCRIBE", rtspReq(r.c, auth, "DESCRIBE", r.c.url(path), ""), 200)
	tr := "Transport: RTP/AVP/TCP;unicast;interleaved=0-1"
	if !tcp {
		r.rtpc, r.rtcpc = udpPorts(t)
		tr = fmt.Sprintf("Transport: RTP/AVP/UDP;unicast;client_port=%d-%d", port(r.rtpc), port(r.rtcpc))
	}
	resp := rtspReq(r.c, auth, "SETUP", r.c.url(path+"/"+trackControl), "", tr)
	wantStatus(t, "reader SETUP", resp, 200)
	r.sess = "Session: " + sessionOf(t, resp)
	wantStatus(t, "reader PLAY", rtspReq(r.c, auth, "PLAY", r.c.url(path), "", r.sess), 200)
	ss := srv.session(sessionOf(t, resp))
	ls := liveOf(t, srv, path)
	pubWait(t, "reader playing", func() bool {
		if rs := ls.readers.Load(); rs != nil {
			for _, o := range *rs {
				if o == frameReader(ss) {
					return true
				}
			}
		}
		return false
	})
	return r
}

// pubWait polls cond until it holds, failing the test after 5 s.
func pubWait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !waitFor(5*time.Second, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// readFrames reads until the reader holds n frames; false at the timeout.
func (r *testReader) readFrames(n int, timeout time.Duration) bool {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 65536)
	for len(r.col.frames) < n && time.Now().Before(deadline) {
		if !r.tcp {
			_ = r.rtpc.SetReadDeadline(deadline)
			k, _, err := r.rtpc.ReadFromUDP(buf)
			if err != nil {
				return false
			}
			r.col.push(r.t, buf[:k])
			continue
		}
		_ = r.c.nc.SetReadDeadline(deadline)
		m, err := r.c.r.Read()
		if err != nil {
			return false
		}
		if f, ok := m.(*rtsp.Frame); ok {
			switch f.Channel {
			case 0:
				r.col.push(r.t, f.Payload)
			case 1:
				r.bye = r.bye || hasBye(f.Payload)
			}
		}
	}
	return len(r.col.frames) >= n
}

// waitFrames is readFrames that fails the test at the timeout.
func (r *testReader) waitFrames(n int) {
	r.t.Helper()
	if !r.readFrames(n, 5*time.Second) {
		r.t.Fatalf("reader got %d frames, want %d", len(r.col.frames), n)
	}
}

func hasBye(b []byte) bool {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return false
	}
	for _, p := range pkts {
		if _, ok := p.(*rtcp.Goodbye); ok {
			return true
		}
	}
	return false
}

// waitBye reads RTCP until a BYE (true) or the timeout (false).
func (r *testReader) waitBye(timeout time.Duration) bool {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 65536)
	for !r.bye && time.Now().Before(deadline) {
		var err error
		var k int
		if r.tcp {
			_ = r.c.nc.SetReadDeadline(deadline)
			var m any
			m, err = r.c.r.Read()
			if f, ok := m.(*rtsp.Frame); ok && err == nil && f.Channel == 1 {
				r.bye = hasBye(f.Payload)
			}
		} else {
			_ = r.rtcpc.SetReadDeadline(deadline)
			k, _, err = r.rtcpc.ReadFromUDP(buf)
			if err == nil {
				r.bye = hasBye(buf[:k])
			}
		}
		if err != nil {
			break
		}
	}
	return r.bye
}

// sawBye drains the RTCP a UDP reader has been sent (a TCP reader's was
// read with its frames) and tells whether it held a BYE.
func (r *testReader) sawBye() bool {
	if r.tcp {
		return r.bye
	}
	return r.waitBye(200 * time.Millisecond)
}

// checkTimestamps fails unless the reader's frame timestamps increase.
func (r *testReader) checkTimestamps() {
	r.t.Helper()
	for i := 1; i < len(r.col.frames); i++ {
		if d := int32(r.col.frames[i].ts - r.col.frames[i-1].ts); d <= 0 {
			r.t.Errorf("frame %d: timestamp %d after %d (step %d)", i, r.col.frames[i].ts, r.col.frames[i-1].ts, d)
		}
	}
}

// checkFirstPacket fails unless the reader's first packet carries Q=255
// with 128 bytes of tables in-band (what every reader gets, whatever the
// publisher sent), and returns those tables.
func (r *testReader) checkFirstPacket() []byte {
	r.t.Helper()
	p := r.col.first
	if p == nil || len(p.Payload) < 12 {
		r.t.Fatalf("no first packet")
	}
	typ, q := p.Payload[4], p.Payload[5]
	off := 8
	if typ >= 64 {
		off += 4
	}
	if q != 255 || len(p.Payload) < off+4+128 {
		r.t.Fatalf("first packet: type %d Q %d, want Q=255 with tables", typ, q)
	}
	if n := int(p.Payload[off+2])<<8 | int(p.Payload[off+3]); n != 128 {
		r.t.Fatalf("first packet: table length %d, want 128", n)
	}
	return p.Payload[off+4 : off+4+128]
}

// liveOf returns the live path name of srv.
func liveOf(t testing.TB, srv *Server, name string) *liveStream {
	t.Helper()
	srv.cat.mu.RLock()
	defer srv.cat.mu.RUnlock()
	ls := srv.cat.live[name]
	if ls == nil {
		t.Fatalf("no live path %s", name)
	}
	return ls
}

func (ls *liveStream) counts() (frames, dropped uint64) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.frames, ls.dropped
}

var transports = []struct {
	name string
	tcp  bool
}{{"udp", false}, {"tcp", true}}

// TestPublishHappyPath publishes over TCP and UDP to UDP and TCP readers:
// every frame arrives, pixel-identical, re-packetized with two 128-byte
// tables, on increasing timestamps.
func TestPublishHappyPath(t *testing.T) {
	src := pubFrames(t, 5)
	for _, pt := range transports {
		t.Run("publish-"+pt.name, func(t *testing.T) {
			srv, addr := startServer(t, Config{Publish: true, PatternFrames: 2})
			p := newPub(t, addr, "/live", pt.tcp).start()
			readers := []*testReader{playLive(t, srv, "/live", false, nil), playLive(t, srv, "/live", true, nil)}
			for i, j := range src {
				p.sendJPEG(j)
				for _, r := range readers {
					r.waitFrames(i + 1)
				}
			}
			for k, r := range readers {
				r.checkFirstPacket()
				r.checkTimestamps()
				for i := range src {
					samePixels(t, fmt.Sprintf("reader %d frame %d", k, i), r.col.frames[i].jpeg, src[i])
					if i > 0 && r.col.frames[i].ts-r.col.frames[i-1].ts != 3000 {
						t.Errorf("reader %d: step %d, want the publisher's 3000", k, r.col.frames[i].ts-r.col.frames[i-1].ts)
					}
				}
			}
		})
	}
}

// TestPublishPayloadVariants: what real publishers send besides Q=255 with
// 128 bytes of tables reaches readers as Q=255 with two tables and the
// same pixels.
func TestPublishPayloadVariants(t *testing.T) {
	q5 := vectorFrames(t, "frames_640x480_q5")
	dri := vectorFrames(t, "frames_640x480_q5_dri")
	for _, tc := range []struct {
		name string
		src  [][]byte
		// edit changes the frame as the publisher sends it.
		edit func(f *rtpjpeg.Frame)
		// q, when set, is the Q the publisher sends (tables from Q):
		// the reader's tables must be QuantTables(q).
		q uint8
	}{
		// ffmpeg sends one table when luma and chroma share it.
		{name: "one 64-byte table", src: q5, edit: func(f *rtpjpeg.Frame) { f.Tables = f.Tables[:64] }},
		{name: "Q=50 tables from Q", src: q5, q: 50},
		{name: "Q=90 tables from Q", src: q5, q: 90},
		{name: "type 65 restart markers", src: dri},
	} {
		for _, pt := range transports {
			t.Run(tc.name+"/"+pt.name, func(t *testing.T) {
				if tc.name == "one 64-byte table" {
					f := mustFrame(t, tc.src[0])
					if !bytes.Equal(f.Tables[:64], f.Tables[64:]) {
						t.Fatal("vector frames have two different tables; the 64-byte case needs one")
					}
				}
				srv, addr := startServer(t, Config{Publish: true, PatternFrames: 2})
				p := newPub(t, addr, "/v", pt.tcp).start()
				r := playLive(t, srv, "/v", !pt.tcp, nil)
				for i, j := range tc.src {
					f := mustFrame(t, j)
					if tc.edit != nil {
						tc.edit(f)
					}
					if tc.q != 0 {
						f.Q, f.Tables = tc.q, nil
					}
					p.sendFrame(f)
					r.waitFrames(i + 1)
				}
				tables := r.checkFirstPacket()
				r.checkTimestamps()
				if tc.q != 0 {
					l, c := rtpjpeg.QuantTables(int(tc.q))
					if !bytes.Equal(tables, append(l[:], c[:]...)) {
						t.Errorf("reader's tables are not QuantTables(%d)", tc.q)
					}
					checkDecodes(t, r.col.frames, 640, 480)
					return
				}
				for i := range tc.src {
					samePixels(t, fmt.Sprintf("frame %d", i), r.col.frames[i].jpeg, tc.src[i])
				}
				if r.col.first.Payload[4] != mustFrame(t, tc.src[0]).Type {
					t.Errorf("reader's type %d, want %d", r.col.first.Payload[4], mustFrame(t, tc.src[0]).Type)
				}
			})
		}
	}
}

// pubOf is the ingest side of a publisher's session.
func pubOf(t testing.TB, srv *Server, id string) *publisher {
	t.Helper()
	ss := srv.session(id)
	if ss == nil || ss.pub == nil {
		t.Fatalf("no publisher session %s", id)
	}
	return ss.pub
}

// TestPublisherBadInput: garbage, another payload type, a frame over the
// size limit, interleaved data on channels nobody set up, and frames cut
// short are dropped (counted) and never reach readers; the publisher's
// later frames and the other paths keep going.
func TestPublisherBadInput(t *testing.T) {
	src := pubFrames(t, 4)
	big := vectorFrames(t, "frames_640x480_q5")[0]
	const limit = 6000
	if len(big) < 2*limit || len(src[0]) > limit/2 {
		t.Fatalf("frame sizes %d and %d do not straddle the limit %d", len(big), len(src[0]), limit)
	}
	for _, pt := range transports {
		t.Run(pt.name, func(t *testing.T) {
			srv, _ := startServer(t, Config{Publish: true, PatternFrames: 2, MaxFrameBytes: limit})
			addr := srv.Addr().String()
			p := newPub(t, addr, "/g", pt.tcp).start()
			other := newPub(t, addr, "/other", !pt.tcp).start()
			r := playLive(t, srv, "/g", false, nil)
			ro := playLive(t, srv, "/other", true, nil)
			p.sendJPEG(src[0])
			r.waitFrames(1)

			wantBad, wantWrongType, wantDropped := uint64(0), uint64(0), uint64(0)
			for _, g := range [][]byte{
				[]byte("GET / HTTP/1.0\r\n\r\n"), // not RTP (version 1)
				{0x80, 26, 0},                    // shorter than the RTP header
				{},                               // empty
			} {
				p.sendRaw(g)
				wantBad++
			}
			// RTP without a JPEG payload header: a malformed frame.
			empty := make([]byte, rtp.HeaderSize)
			rtp.PutHeader(empty, true, p.pt, p.seq, p.ts+1, p.ssrc)
			p.seq++
			p.sendRaw(empty)
			wantDropped++
			// Another payload type: a whole frame under PT 96.
			p.pt = 96
			for _, b := range p.packets(mustFrame(t, src[3])) {
				p.sendRaw(b)
				wantWrongType++
			}
			p.pt = rtpjpeg.PayloadType
			// Over MaxFrameBytes.
			p.sendJPEG(big)
			wantDropped++
			if pt.tcp {
				// A whole frame on a channel nobody set up.
				for _, b := range p.packets(mustFrame(t, src[3])) {
					p.sendOn(7, b)
				}
			}
			// A frame cut short: its last packet never comes, the
			// next frame's timestamp drops it.
			pk := p.packets(mustFrame(t, src[3]))
			if len(pk) < 2 {
				t.Fatalf("frame in %d packets: want several", len(pk))
			}
			for _, b := range pk[:len(pk)-1] {
				p.sendRaw(b)
			}
			wantDropped++
			p.sendJPEG(src[1])
			r.waitFrames(2)
			samePixels(t, "frame after the bad input", r.col.frames[1].jpeg, src[1])
			r.checkTimestamps()

			pub := pubOf(t, srv, p.id)
			if got := pub.badPackets.Load(); got != wantBad {
				t.Errorf("badPackets %d, want %d", got, wantBad)
			}
			if got := pub.wrongType.Load(); got != wantWrongType {
				t.Errorf("wrongType %d, want %d", got, wantWrongType)
			}
			frames, dropped := liveOf(t, srv, "/g").counts()
			if frames != 2 || dropped != wantDropped {
				t.Errorf("path counted %d frames, %d dropped; want 2, %d", frames, dropped, wantDropped)
			}

			// The other path was not disturbed.
			other.sendJPEG(src[2])
			ro.waitFrames(1)
			samePixels(t, "other path", ro.col.frames[0].jpeg, src[2])

			// The publisher stops mid-frame and leaves: readers get BYE,
			// never the partial frame.
			pk = p.packets(mustFrame(t, src[2]))
			for _, b := range pk[:len(pk)/2] {
				p.sendRaw(b)
			}
			wantStatus(t, "TEARDOWN", p.do("TEARDOWN", p.c.url(p.path), ""), 200)
			if !r.waitBye(5 * time.Second) {
				t.Fatal("no BYE after the publisher left")
			}
			if r.readFrames(3, 100*time.Millisecond) || len(r.col.frames) != 2 {
				t.Fatalf("reader got %d frames, want 2 (a partial frame was forwarded)", len(r.col.frames))
			}
		})
	}
}

// TestPublisherUDPFromElsewhere: UDP RTP is taken only from the address the
// SETUP declared (the RTSP peer's IP, the client_port): another port or
// another source address is ignored.
func TestPublisherUDPFromElsewhere(t *testing.T) {
	src := pubFrames(t, 3)
	srv, addr := startServer(t, Config{Publish: true, PatternFrames: 2})
	p := newPub(t, addr, "/u", false).start()
	r := playLive(t, srv, "/u", false, nil)

	otherPort, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer otherPort.Close()
	liars := []*net.UDPConn{otherPort}
	// The same port number on another loopback address.
	if otherIP, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: port(p.rtpc)}); err == nil {
		defer otherIP.Close()
		liars = append(liars, otherIP)
	} else {
		t.Logf("cannot bind 127.0.0.2 (%v): only another port is tried", err)
	}
	for i, c := range liars {
		for _, b := range p.packets(mustFrame(t, src[i])) {
			if _, err := c.WriteToUDP(b, p.srvRTP); err != nil {
				t.Fatal(err)
			}
		}
	}
	p.sendJPEG(src[2])
	r.waitFrames(1)
	samePixels(t, "first frame", r.col.frames[0].jpeg, src[2])
	if frames, _ := liveOf(t, srv, "/u").counts(); frames != 1 {
		t.Errorf("path took %d frames, want 1", frames)
	}
}

// TestPublisherSilence: a publisher that sends no RTP for PublisherTimeout
// is closed; its readers get BYE; the path takes a new publisher.
func TestPublisherSilence(t *testing.T) {
	src := pubFrames(t, 2)
	for _, pt := range transports {
		t.Run(pt.name, func(t *testing.T) {
			srv, addr := startServer(t, Config{Publish: true, PatternFrames: 2, PublisherTimeout: 300 * time.Millisecond})
			p := newPub(t, addr, "/s", pt.tcp).start()
			r := playLive(t, srv, "/s", pt.tcp, nil)
			p.sendJPEG(src[0])
			r.waitFrames(1)
			if !r.waitBye(5 * time.Second) {
				t.Fatal("reader got no BYE after the publisher went silent")
			}
			pubWait(t, "publisher session closed", func() bool { return srv.session(p.id) == nil })
			wantStatus(t, "RECORD of the closed session", p.do("RECORD", p.c.url(p.path), ""), 454)

			p2 := newPub(t, addr, "/s", !pt.tcp).start()
			r2 := playLive(t, srv, "/s", !pt.tcp, nil)
			p2.sendJPEG(src[1])
			r2.waitFrames(1)
			samePixels(t, "next publisher's frame", r2.col.frames[0].jpeg, src[1])
		})
	}
}

var (
	pubCred  = rtsp.Credentials{Username: "cam", Password: "pub-secret"}
	readCred = rtsp.Credentials{Username: "viewer", Password: "read-secret"}
)

// TestPublishForbidden: publishing without --publish, or to a file path,
// is refused with 403.
func TestPublishForbidden(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "clip.mjpeg"), bytes.Join(pubFrames(t, 2), nil))
	for _, tc := range []struct {
		name    string
		publish bool
		path    string
	}{
		{"publishing not enabled", false, "/live"},
		{"the test pattern", true, "/test"},
		{"a file", true, "/clip.mjpeg"},
		{"a file without --publish", false, "/clip.mjpeg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := startServer(t, Config{Publish: tc.publish, MediaDir: dir, PatternFrames: 2})
			p := newPub(t, addr, tc.path, true)
			wantStatus(t, "ANNOUNCE", p.announce(sdpJPEG), 403)
			// SETUP record without ANNOUNCE is out of order in any case.
			wantStatus(t, "SETUP record", p.setup("streamid=0"), 455)
		})
	}
}

// TestPublishAuth: ANNOUNCE, SETUP record and RECORD need the publishers'
// credentials; the readers' do not let anyone publish, and the publishers'
// do not let anyone read.
func TestPublishAuth(t *testing.T) {
	src := pubFrames(t, 1)
	srv, addr := startServer(t, Config{Publish: true, PatternFrames: 2, PublishCredentials: &pubCred, Credentials: &readCred})
	p := newPub(t, addr, "/a", true)
	resp := p.announce(sdpJPEG)
	wantStatus(t, "ANNOUNCE without credentials", resp, 401)
	p.auth = newDigestAuth(t, resp, readCred)
	wantStatus(t, "ANNOUNCE with the readers' credentials", p.announce(sdpJPEG), 401)
	p.auth = newDigestAuth(t, resp, pubCred)
	wantStatus(t, "ANNOUNCE with the publishers' credentials", p.announce(sdpJPEG), 200)
	auth := p.auth
	p.auth = nil
	wantStatus(t, "SETUP record without credentials", p.setup("streamid=0"), 401)
	p.auth = auth
	wantStatus(t, "SETUP record with credentials", p.setup("streamid=0"), 200)
	p.auth = nil
	wantStatus(t, "RECORD without credentials", p.do("RECORD", p.c.url(p.path), ""), 401)
	p.auth = newDigestAuth(t, resp, readCred)
	wantStatus(t, "RECORD with the readers' credentials", p.do("RECORD", p.c.url(p.path), ""), 401)
	p.auth = auth
	wantStatus(t, "RECORD with credentials", p.do("RECORD", p.c.url(p.path), ""), 200)

	c := dialCtl(t, addr)
	resp = c.do("DESCRIBE", c.url("/a"))
	wantStatus(t, "DESCRIBE without credentials", resp, 401)
	wantStatus(t, "DESCRIBE with the publishers' credentials",
		rtspReq(c, newDigestAuth(t, resp, pubCred), "DESCRIBE", c.url("/a"), ""), 401)
	r := playLive(t, srv, "/a", false, newDigestAuth(t, resp, readCred))
	p.sendJPEG(src[0])
	r.waitFrames(1)
	samePixels(t, "frame", r.col.frames[0].jpeg, src[0])
}

// TestSecondPublisher: a busy path refuses a second publisher with 409,
// at ANNOUNCE or, if it announced before the path became busy, at RECORD.
func TestSecondPublisher(t *testing.T) {
	srv, addr := startServer(t, Config{Publish: true, PatternFrames: 2})
	early := newPub(t, addr, "/b", false)
	wantStatus(t, "early ANNOUNCE", early.announce(sdpJPEG), 200)
	first := newPub(t, addr, "/b", true).start()
	wantStatus(t, "early SETUP", early.setup("streamid=0"), 200)
	resp := early.do("RECORD", early.c.url(early.path), "")
	wantStatus(t, "early RECORD on a busy path", resp, 409)
	late := newPub(t, addr, "/b", true)
	resp = late.announce(sdpJPEG)
	wantStatus(t, "ANNOUNCE to a busy path", resp, 409)
	if !strings.Contains(resp.Reason, "/b") {
		t.Errorf("409 reason %q does not name the path", resp.Reason)
	}
	// The first publisher is undisturbed.
	r := playLive(t, srv, "/b", false, nil)
	src := pubFrames(t, 1)
	first.sendJPEG(src[0])
	r.waitFrames(1)
}

// TestPublishReplace: with PathConfig.Replace the second publisher takes
// over; the first one's session is closed and its RTP ignored; readers
// stay and get the new publisher's frames.
func TestPublishReplace(t *testing.T) {
	src := pubFrames(t, 3)
	srv, addr := startServer(t, Config{PatternFrames: 2, Paths: []PathConfig{{Name: "/cam", Publish: true, Replace: true}}})
	p1 := newPub(t, addr, "/cam", true).start()
	readers := []*testReader{playLive(t, srv, "/cam", false, nil), playLive(t, srv, "/cam", true, nil)}
	p1.sendJPEG(src[0])
	for _, r := range readers {
		r.waitFrames(1)
	}
	p2 := newPub(t, addr, "/cam", false).start()
	pubWait(t, "first publisher closed", func() bool { return srv.session(p1.id) == nil })
	p1.sendJPEG(src[1])
	p2.sendJPEG(src[2])
	for k, r := range readers {
		r.waitFrames(2)
		samePixels(t, fmt.Sprintf("reader %d after the replacement", k), r.col.frames[1].jpeg, src[2])
		r.checkTimestamps()
		if r.sawBye() {
			t.Errorf("reader %d got BYE when the publisher was replaced", k)
		}
	}
	wantStatus(t, "the replaced publisher's RECORD", p1.do("RECORD", p1.c.url(p1.path), ""), 454)
}

// TestPublishWaitForPublisher: readers of a path that waits for its
// publisher stay across publishers (no BYE) and get the next one's frames
// on increasing timestamps.
func TestPublishWaitForPublisher(t *testing.T) {
	src := pubFrames(t, 4)
	srv, addr := startServer(t, Config{PatternFrames: 2, Paths: []PathConfig{{Name: "/w", Publish: true, WaitForPublisher: true}}})
	readers := []*testReader{playLive(t, srv, "/w", false, nil), playLive(t, srv, "/w", true, nil)}
	n := 0
	for _, pt := range []bool{false, true} {
		p := newPub(t, addr, "/w", pt).start()
		for range 2 {
			p.sendJPEG(src[n])
			n++
			for _, r := range readers {
				r.waitFrames(n)
			}
		}
		wantStatus(t, "TEARDOWN", p.do("TEARDOWN", p.c.url(p.path), ""), 200)
	}
	for k, r := range readers {
		for i := range src {
			samePixels(t, fmt.Sprintf("reader %d frame %d", k, i), r.col.frames[i].jpeg, src[i])
		}
		r.checkTimestamps()
		if r.sawBye() {
			t.Errorf("reader %d got BYE between publishers", k)
		}
	}
}

// TestPublishDescriptionAndState: what can be announced and in which
// order publishing requests may come.
func TestPublishDescriptionAndState(t *testing.T) {
	srv, addr := startServer(t, Config{Publish: true, PatternFrames: 2})

	p := newPub(t, addr, "/h264", true)
	resp := p.announce(sdpH264)
	wantStatus(t, "ANNOUNCE H.264", resp, 415)
	if !strings.Contains(resp.Reason, "H264") {
		t.Errorf("415 reason %q does not name H264", resp.Reason)
	}

	for _, pt := range transports {
		t.Run("audio beside the video/"+pt.name, func(t *testing.T) {
			path := "/av" + pt.name
			p := newPub(t, addr, path, pt.tcp)
			wantStatus(t, "ANNOUNCE video+audio", p.announce(sdpJPEGAudio), 200)
			wantStatus(t, "SETUP video", p.setup("streamid=0"), 200)
			wantStatus(t, "SETUP audio", p.setup("streamid=1"), 200)
			wantStatus(t, "RECORD", p.do("RECORD", p.c.url(path), ""), 200)
			r := playLive(t, srv, path, false, nil)
			audio := make([]byte, rtp.HeaderSize+100)
			for i := range 5 {
				rtp.PutHeader(audio, true, 97, uint16(i), uint32(i*1024), 0x5555)
				if pt.tcp {
					p.sendOn(2, audio)
				} else if _, err := p.audioc.WriteToUDP(audio, p.srvRTP); err != nil {
					t.Fatal(err)
				}
			}
			src := pubFrames(t, 1)
			p.sendJPEG(src[0])
			r.waitFrames(1)
			samePixels(t, "video", r.col.frames[0].jpeg, src[0])
			pub := pubOf(t, srv, p.id)
			if pub.wrongType.Load() != 0 || pub.badPackets.Load() != 0 {
				t.Errorf("audio reached the video's ingest: %d wrong type, %d bad", pub.wrongType.Load(), pub.badPackets.Load())
			}
			// A publisher's session cannot PLAY.
			wantStatus(t, "PLAY on a publisher's session", p.do("PLAY", p.c.url(path), ""), 455)
		})
	}

	q := newPub(t, addr, "/early", true)
	wantStatus(t, "SETUP record before ANNOUNCE", q.setup("streamid=0"), 455)
	wantStatus(t, "RECORD without a session", q.do("RECORD", q.c.url("/early"), ""), 455)
}

// TestPublisherRTPKeepsSessionAlive: a publisher that sends RTP but no RTCP
// and no RTSP keepalive is active: its session outlives SessionTimeout.
func TestPublisherRTPKeepsSessionAlive(t *testing.T) {
	const timeout = 400 * time.Millisecond
	src := pubFrames(t, 1)
	srv, addr := startServer(t, Config{Publish: true, PatternFrames: 2, SessionTimeout: timeout})
	p := newPub(t, addr, "/k", false).start()
	r := playLive(t, srv, "/k", false, nil)
	tick := time.NewTicker(timeout / 8)
	defer tick.Stop()
	end := time.Now().Add(3 * timeout)
	n := 0
	for time.Now().Before(end) {
		<-tick.C
		p.sendJPEG(src[0])
		n++
		r.waitFrames(n)
		// The reader keeps its own session alive.
		wantStatus(t, "reader keepalive", r.c.do("GET_PARAMETER", r.c.url("/k"), r.sess), 200)
	}
	if srv.session(p.id) == nil {
		t.Fatal("publisher sending RTP was closed by the session timeout")
	}
	if r.sawBye() {
		t.Fatal("reader got BYE while the publisher was sending")
	}
}
