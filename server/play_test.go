package server

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
)

// testMJPEG returns a raw MJPEG of n distinct 4:2:0 baseline frames.
func testMJPEG(t testing.TB, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for y := range 48 {
			for x := range 64 {
				img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(i * 40), 255})
			}
		}
		if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 80}); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// receivedFrame is a frame depacketized by a test receiver.
type receivedFrame struct {
	jpeg      []byte
	ts        uint32
	firstSeq  uint16
	arrivedAt time.Time
}

// collector depacketizes RTP packets into frames.
type collector struct {
	d       rtpjpeg.Depacketizer
	frames  []receivedFrame
	packets int
	first   *rtp.Packet
	curSeq  uint16
	haveSeq bool
	lastSeq uint16
}

func (c *collector) push(t testing.TB, b []byte) {
	t.Helper()
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil {
		t.Fatalf("bad RTP packet: %v", err)
	}
	if p.PayloadType != rtpjpeg.PayloadType {
		t.Fatalf("payload type %d", p.PayloadType)
	}
	c.packets++
	if c.first == nil {
		cp := p
		cp.Payload = append([]byte(nil), p.Payload...)
		c.first = &cp
	}
	if c.haveSeq && p.SequenceNumber != c.lastSeq+1 {
		t.Errorf("sequence jumped from %d to %d", c.lastSeq, p.SequenceNumber)
	}
	c.lastSeq, c.haveSeq = p.SequenceNumber, true
	f, err := c.d.Push(&p)
	if err != nil {
		t.Fatalf("depacketize: %v", err)
	}
	if f != nil {
		c.frames = append(c.frames, receivedFrame{jpeg: append([]byte(nil), f...), ts: p.Timestamp, arrivedAt: time.Now()})
	}
}

// readUDP collects RTP from rtpc until n frames or the timeout.
func readUDP(t testing.TB, rtpc *net.UDPConn, c *collector, n int, timeout time.Duration) {
	t.Helper()
	buf := make([]byte, 65536)
	deadline := time.Now().Add(timeout)
	for len(c.frames) < n && time.Now().Before(deadline) {
		_ = rtpc.SetReadDeadline(deadline)
		k, _, err := rtpc.ReadFromUDP(buf)
		if err != nil {
			break
		}
		c.push(t, buf[:k])
	}
}

func checkDecodes(t testing.TB, frames []receivedFrame, w, h int) {
	t.Helper()
	for i, f := range frames {
		img, err := jpeg.Decode(bytes.NewReader(f.jpeg))
		if err != nil {
			t.Fatalf("frame %d does not decode: %v", i, err)
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Fatalf("frame %d is %v, want %dx%d", i, b, w, h)
		}
	}
}

func TestUDPPlayback(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dialCtl(t, addr)
	rtpc, rtcpc := udpPorts(t)
	resp := c.do("SETUP", c.url("/test/stream=0"), fmt.Sprintf("Transport: RTP/AVP/UDP;unicast;client_port=%d-%d", port(rtpc), port(rtcpc)))
	wantStatus(t, "SETUP", resp, 200)
	sess := "Session: " + sessionOf(t, resp)
	trs, _ := rtsp.ParseTransports(resp.Header.Get("Transport"))
	resp = c.do("PLAY", c.url("/test/"), sess, "Range: npt=0.000-")
	wantStatus(t, "PLAY", resp, 200)
	info, _ := rtsp.ParseRTPInfo(resp.Header.Get("RTP-Info"))

	var col collector
	readUDP(t, rtpc, &col, 15, 5*time.Second)
	if len(col.frames) < 15 {
		t.Fatalf("got %d frames in 5 s, want 15", len(col.frames))
	}
	checkDecodes(t, col.frames, 640, 480)
	if col.first.SequenceNumber != info[0].Seq || col.first.Timestamp != info[0].RTPTime {
		t.Errorf("first packet seq=%d ts=%d, RTP-Info said seq=%d rtptime=%d",
			col.first.SequenceNumber, col.first.Timestamp, info[0].Seq, info[0].RTPTime)
	}
	if col.first.SSRC != trs[0].SSRC {
		t.Errorf("SSRC %08x, Transport said %08x", col.first.SSRC, trs[0].SSRC)
	}
	for i := 1; i < len(col.frames); i++ {
		// 3000 per frame at 30 fps (a loaded machine may skip frames).
		if d := col.frames[i].ts - col.frames[i-1].ts; d == 0 || d%3000 != 0 {
			t.Errorf("timestamp step %d, want a multiple of 3000", d)
		}
	}
	// Pacing: 15 frames at 30 fps take about 0.47 s.
	if el := col.frames[14].arrivedAt.Sub(col.frames[0].arrivedAt); el < 300*time.Millisecond {
		t.Errorf("15 frames arrived in %v: not paced", el)
	}

	// The first frame brings an SR with SDES CNAME.
	pkts := readRTCP(t, rtcpc, 2*time.Second)
	var sr *rtcp.SenderReport
	var cname string
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			sr = p
		case *rtcp.SourceDescription:
			for _, ch := range p.Chunks {
				for _, it := range ch.Items {
					if it.Type == rtcp.SDESCNAME {
						cname = it.Text
					}
				}
			}
		}
	}
	if sr == nil || sr.SSRC != trs[0].SSRC || cname == "" {
		t.Fatalf("want SR + SDES CNAME, got %#v", pkts)
	}

	wantStatus(t, "TEARDOWN", c.do("TEARDOWN", c.url("/test/"), sess), 200)
	for {
		pkts := readRTCP(t, rtcpc, 2*time.Second)
		if pkts == nil {
			t.Fatal("no BYE after TEARDOWN")
		}
		if _, ok := pkts[len(pkts)-1].(*rtcp.Goodbye); ok {
			break
		}
	}
}

func readRTCP(t testing.TB, c *net.UDPConn, timeout time.Duration) []rtcp.Packet {
	t.Helper()
	buf := make([]byte, 2048)
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	n, _, err := c.ReadFromUDP(buf)
	if err != nil {
		return nil
	}
	pkts, err := rtcp.Unmarshal(buf[:n])
	if err != nil {
		t.Fatalf("bad RTCP: %v", err)
	}
	return pkts
}

func TestTCPInterleavedPlayback(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dialCtl(t, addr)
	resp := c.do("SETUP", c.url("/test/stream=0"), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	wantStatus(t, "SETUP", resp, 200)
	if tr := resp.Header.Get("Transport"); !strings.Contains(tr, "interleaved=0-1") {
		t.Errorf("Transport %q", tr)
	}
	sess := "Session: " + sessionOf(t, resp)
	wantStatus(t, "PLAY", c.do("PLAY", c.url("/test/"), sess), 200)
	var col collector
	sawRTCP := false
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(col.frames) < 10 {
		m, err := c.r.Read()
		if err != nil {
			t.Fatalf("read: %v (after %d frames)", err, len(col.frames))
		}
		f, ok := m.(*rtsp.Frame)
		if !ok {
			t.Fatalf("unexpected %T while playing", m)
		}
		switch f.Channel {
		case 0:
			col.push(t, f.Payload)
		case 1:
			sawRTCP = true
		default:
			t.Fatalf("channel %d", f.Channel)
		}
	}
	checkDecodes(t, col.frames, 640, 480)
	if !sawRTCP {
		t.Error("no RTCP SR on channel 1")
	}
	// A request while media flows gets its response in between frames.
	c.cseq++
	fmt.Fprintf(c.nc, "TEARDOWN %s RTSP/1.0\r\nCSeq: %d\r\n%s\r\n\r\n", c.url("/test/"), c.cseq, sess)
	wantStatus(t, "TEARDOWN", c.read(), 200)
}

func TestPauseResumeContinuesTimeline(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dialCtl(t, addr)
	rtpc, rtcpc := udpPorts(t)
	resp := c.do("SETUP", c.url("/test/stream=0"), fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", port(rtpc), port(rtcpc)))
	sess := "Session: " + sessionOf(t, resp)
	wantStatus(t, "PLAY", c.do("PLAY", c.url("/test/"), sess), 200)
	var col collector
	readUDP(t, rtpc, &col, 5, 5*time.Second)
	wantStatus(t, "PAUSE", c.do("PAUSE", c.url("/test/"), sess), 200)
	// Drain what was in flight, then nothing may arrive while paused.
	readUDP(t, rtpc, &col, 1000, 200*time.Millisecond)
	lastSeq, lastTS := col.lastSeq, col.frames[len(col.frames)-1].ts
	buf := make([]byte, 65536)
	_ = rtpc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, _, err := rtpc.ReadFromUDP(buf); err == nil {
		t.Fatal("RTP arrived while paused")
	}
	resp = c.do("PLAY", c.url("/test/"), sess)
	wantStatus(t, "PLAY again", resp, 200)
	info, _ := rtsp.ParseRTPInfo(resp.Header.Get("RTP-Info"))
	if info[0].Seq != lastSeq+1 {
		t.Errorf("resume seq %d, want %d", info[0].Seq, lastSeq+1)
	}
	if info[0].RTPTime != lastTS+3000 {
		t.Errorf("resume rtptime %d, want %d (the next frame)", info[0].RTPTime, lastTS+3000)
	}
	before := len(col.frames)
	readUDP(t, rtpc, &col, before+3, 5*time.Second)
	if len(col.frames) < before+3 {
		t.Fatal("no frames after resume")
	}
}

func TestSeek(t *testing.T) {
	media := t.TempDir()
	writeFile(t, media+"/clip.mjpeg", testMJPEG(t, 40))
	_, addr := startServer(t, Config{MediaDir: media, FPS: 20})
	c := dialCtl(t, addr)
	resp := c.do("DESCRIBE", c.url("/clip.mjpeg"))
	if !strings.Contains(string(resp.Body), "a=range:npt=0-2.000") {
		t.Errorf("SDP range: %s", resp.Body)
	}
	resp = c.do("SETUP", c.url("/clip.mjpeg/stream=0"), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	sess := "Session: " + sessionOf(t, resp)
	wantStatus(t, "PLAY past the end", c.do("PLAY", c.url("/clip.mjpeg/"), sess, "Range: npt=5-"), 457)
	resp = c.do("PLAY", c.url("/clip.mjpeg/"), sess, "Range: npt=1.5-")
	wantStatus(t, "PLAY seek", resp, 200)
	if r := resp.Header.Get("Range"); !strings.HasPrefix(r, "npt=1.5") {
		t.Errorf("Range %q, want npt=1.500-", r)
	}
}

// TestSendUDPFrameAllocs proves the per-client UDP send path allocates
// nothing.
func TestSendUDPFrameAllocs(t *testing.T) {
	srv, _ := startServer(t, Config{})
	rtpc, _ := udpPorts(t)
	st := srv.cat.streams[PatternName]
	ss := &Session{srv: srv, stream: st, ssrc: 1, d: standard}
	ss.tr.rtpDst = netip.MustParseAddrPort(rtpc.LocalAddr().String())
	ss.ensureScratchFor(len(patternFrame(srv, 0).pk.Payloads))
	go func() { // drain, without allocating (AllocsPerRun counts every goroutine)
		buf := make([]byte, 65536)
		for {
			if _, err := rtpc.Read(buf); err != nil {
				return
			}
		}
	}()
	// The scheduler goroutine owns udp.batch; this test is its only user
	// since no session plays.
	allocs := testing.AllocsPerRun(200, func() {
		srv.sendUDPFrame(ss, patternFrame(srv, 0).pk, 1234)
		srv.flushUDP()
	})
	if allocs != 0 {
		t.Errorf("sendUDPFrame allocates %.1f times per frame, want 0", allocs)
	}
}

func TestSchedulerOrdersByDueTime(t *testing.T) {
	var got []int
	done := make(chan struct{})
	sc := newScheduler(func(e dueEntry, now time.Time) (time.Time, bool) {
		got = append(got, int(e.gen))
		if len(got) == 3 {
			close(done)
		}
		return time.Time{}, false
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Now()
	s := &Session{}
	sc.add(s, 3, now.Add(60*time.Millisecond))
	sc.add(s, 1, now.Add(20*time.Millisecond))
	sc.add(s, 2, now.Add(40*time.Millisecond))
	go sc.run(ctx)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("scheduler did not run entries")
	}
	if fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("order %v", got)
	}
}

// TestFFmpegTCPFallback replays ffmpeg's UDP-to-TCP fallback (interop.md):
// after PAUSE it sends a new SETUP RTP/AVP/TCP without a Session header on
// the same connection, then PLAY with the new session.
func TestFFmpegTCPFallback(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dialCtl(t, addr)
	rtpc, rtcpc := udpPorts(t)
	resp := c.do("SETUP", c.url("/test/stream=0"), fmt.Sprintf("Transport: RTP/AVP/UDP;unicast;client_port=%d-%d", port(rtpc), port(rtcpc)))
	udpSess := "Session: " + sessionOf(t, resp)
	wantStatus(t, "PLAY udp", c.do("PLAY", c.url("/test/"), udpSess, "Range: npt=0.000-"), 200)
	wantStatus(t, "PAUSE udp", c.do("PAUSE", c.url("/test/"), udpSess), 200)
	resp = c.do("SETUP", c.url("/test/stream=0"), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	wantStatus(t, "SETUP tcp without Session", resp, 200)
	tcpSess := "Session: " + sessionOf(t, resp)
	if tcpSess == udpSess {
		t.Fatal("fallback SETUP reused the UDP session")
	}
	c.cseq++
	fmt.Fprintf(c.nc, "PLAY %s RTSP/1.0\r\nCSeq: %d\r\n%s\r\n\r\n", c.url("/test/"), c.cseq, tcpSess)
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var col collector
	gotResp := false
	for len(col.frames) < 5 {
		m, err := c.r.Read()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		switch m := m.(type) {
		case *rtsp.Response:
			wantStatus(t, "PLAY tcp", m, 200)
			gotResp = true
		case *rtsp.Frame:
			if !gotResp {
				t.Fatal("interleaved data before the PLAY response")
			}
			if m.Channel == 0 {
				col.push(t, m.Payload)
			}
		}
	}
	checkDecodes(t, col.frames, 640, 480)
}

// TestRTCPKeepsSessionAlive: receiver reports alone (GStreamer over TCP
// sends no RTSP keepalive) keep a session past its timeout, over UDP and
// interleaved, and their statistics are kept.
func TestRTCPKeepsSessionAlive(t *testing.T) {
	srv, addr := startServer(t, Config{SessionTimeout: 600 * time.Millisecond, ReadTimeout: 5 * time.Second})
	rtpc, rtcpc := udpPorts(t)
	for _, tcp := range []bool{false, true} {
		c := dialCtl(t, addr)
		tr := fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", port(rtpc), port(rtcpc))
		if tcp {
			tr = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1"
		}
		resp := c.do("SETUP", c.url("/test/stream=0"), tr)
		id := sessionOf(t, resp)
		trs, _ := rtsp.ParseTransports(resp.Header.Get("Transport"))
		rr, err := rtcp.Marshal(&rtcp.ReceiverReport{SSRC: 7, Reports: []rtcp.ReceptionReport{{SSRC: trs[0].SSRC, FractionLost: 3, Jitter: 90}}})
		if err != nil {
			t.Fatal(err)
		}
		srvRTCP := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: trs[0].ServerPort.Lo + 1}
		for range 8 {
			if tcp {
				c.nc.Write(rtsp.AppendFrame(nil, 1, rr))
			} else if _, err := rtcpc.WriteToUDP(rr, srvRTCP); err != nil {
				t.Fatal(err)
			}
			// Paces the reports below the session timeout on purpose (the
			// behaviour under test), not synchronisation.
			time.Sleep(200 * time.Millisecond)
		}
		ss := srv.session(id)
		if ss == nil {
			t.Fatalf("tcp=%v: session expired although RTCP kept arriving", tcp)
		}
		ss.mu.Lock()
		got := ss.lastRR
		ss.mu.Unlock()
		if got.FractionLost != 3 || got.Jitter != 90 {
			t.Errorf("tcp=%v: receiver report not kept: %+v", tcp, got)
		}
	}
}

// TestStalledTCPReaderDropsWholeFrames: a TCP client that stops reading
// loses whole frames (counted) while a UDP client of the same stream keeps
// receiving every frame.
func TestStalledTCPReaderDropsWholeFrames(t *testing.T) {
	srv, addr := startServer(t, Config{TCPQueueFrames: 4, WriteTimeout: 30 * time.Second})
	stalled := dialCtl(t, addr)
	if tc, ok := stalled.nc.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	resp := stalled.do("SETUP", stalled.url("/test/stream=0"), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	stalledID := sessionOf(t, resp)
	stalled.cseq++
	fmt.Fprintf(stalled.nc, "PLAY %s RTSP/1.0\r\nCSeq: %d\r\nSession: %s\r\n\r\n", stalled.url("/test/"), stalled.cseq, stalledID)
	// ... and never reads again.

	c := dialCtl(t, addr)
	rtpc, rtcpc := udpPorts(t)
	resp = c.do("SETUP", c.url("/test/stream=0"), fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", port(rtpc), port(rtcpc)))
	wantStatus(t, "PLAY", c.do("PLAY", c.url("/test/"), "Session: "+sessionOf(t, resp)), 200)
	var col collector
	readUDP(t, rtpc, &col, 60, 10*time.Second)
	if len(col.frames) < 60 {
		t.Fatalf("UDP client got %d frames while a TCP reader stalled", len(col.frames))
	}
	ss := srv.session(stalledID)
	if ss == nil {
		t.Fatal("stalled session gone")
	}
	ss.mu.Lock()
	dropped := ss.framesDropped
	ss.mu.Unlock()
	if dropped == 0 {
		t.Error("stalled TCP reader: no frame counted as dropped")
	}
}

// TestShutdownSaysBye: stopping the server ends every playing session with
// an RTCP BYE (cli.md: SIGINT/SIGTERM) and Serve returns nil.
func TestShutdownSaysBye(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := New(ctx, Config{Logger: testLogger(), PatternFrames: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	c := dialCtl(t, srv.Addr().String())
	rtpc, rtcpc := udpPorts(t)
	resp := c.do("SETUP", c.url("/test/stream=0"), fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", port(rtpc), port(rtcpc)))
	wantStatus(t, "PLAY", c.do("PLAY", c.url("/test/"), "Session: "+sessionOf(t, resp)), 200)
	var col collector
	readUDP(t, rtpc, &col, 2, 5*time.Second)
	cancel()
	for {
		pkts := readRTCP(t, rtcpc, 3*time.Second)
		if pkts == nil {
			t.Fatal("no BYE at shutdown")
		}
		if bye, ok := pkts[len(pkts)-1].(*rtcp.Goodbye); ok {
			if !strings.Contains(bye.Reason, "shutting down") {
				t.Errorf("BYE reason %q", bye.Reason)
			}
			break
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}
