package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/sdp"
)

// This file is the acceptance tests for publishing with real
// peers: ffmpeg and GStreamer rtspclientsink publish to a live path while
// ffmpeg (UDP, TCP) and GStreamer rtspsrc read it, the lab's client plays
// it, and a publisher leaving, a second publisher and a non-JPEG
// description get what the design says (BYE then 404, 409, 415).

// liveFPS is the rate every publisher here sends at.
const liveFPS = 30

// liveWindow is how long each reader reads (seconds of media).
const liveWindow = 3

// livePeer is a peer process running in the background (a publisher).
type livePeer struct {
	name string
	cmd  *exec.Cmd
	out  bytes.Buffer // stdout and stderr; read only after done
	done chan struct{}
}

// startLivePeer starts a peer in the background; it is killed at Cleanup
// if still running, and never outlives 90 s.
func startLivePeer(t testing.TB, name string, args ...string) *livePeer {
	t.Helper()
	bin := testenv.LookPeer(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	p := &livePeer{name: name, done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.WaitDelay = 2 * time.Second
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-p.done
	})
	return p
}

// stop sends sig and waits for the process to end, killing it after 5 s
// (killed reports that); it returns the process's output.
func (p *livePeer) stop(t testing.TB, sig os.Signal) (out string, killed bool) {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	// Generous: a loaded machine (the suite beside another go test) has
	// seen gst-launch take over 5 s to handle SIGINT; a hang still fails.
	const grace = 15 * time.Second
	select {
	case <-p.done:
	case <-time.After(grace):
		t.Logf("%s ignored %v for %v; killing it", p.name, sig, grace)
		_ = p.cmd.Process.Kill()
		<-p.done
		killed = true
	}
	return p.out.String(), killed
}

// stillRunning fails the test if the publisher has exited.
func (p *livePeer) stillRunning(t testing.TB) {
	t.Helper()
	select {
	case <-p.done:
		t.Errorf("%s exited while readers read:\n%s", p.name, p.out.String())
	default:
	}
}

// waitPublishing waits until path answers DESCRIBE with 200 (its publisher
// is recording), failing if the publisher exits first or 15 s pass.
func waitPublishing(t testing.TB, addr, path string, pub *livePeer) {
	t.Helper()
	c := dialCtl(t, addr)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	for {
		if c.do("DESCRIBE", c.url(path), "Accept: application/sdp").StatusCode == 200 {
			return
		}
		select {
		case <-pub.done:
			t.Fatalf("%s exited before publishing %s:\n%s", pub.name, path, pub.out.String())
		case <-deadline:
			t.Fatalf("%s: no publisher on %s after 15 s", pub.name, path)
		case <-tick.C:
		}
	}
}

// waitLiveFrames waits until the server has taken n frames from path's
// publisher (10 s at most).
func waitLiveFrames(t testing.TB, srv *Server, path string, n uint64) {
	t.Helper()
	st, ok := srv.cat.lookup(path)
	if !ok || st.live == nil {
		t.Fatalf("%s is not a live path", path)
	}
	ls := st.live
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		ls.mu.Lock()
		got := ls.frames
		ls.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("%s: %d frames after 10 s, want %d", path, got, n)
		case <-tick.C:
		}
	}
}

// ffmpegPublish starts ffmpeg publishing clip in a loop at liveFPS, the
// command of interop.md.
func ffmpegPublish(t testing.TB, addr, path, clip, transport string) *livePeer {
	t.Helper()
	p := startLivePeer(t, "ffmpeg", "-nostdin", "-v", "error", "-re", "-stream_loop", "-1",
		"-framerate", strconv.Itoa(liveFPS), "-i", clip, "-c", "copy",
		"-f", "rtsp", "-rtsp_transport", transport, "rtsp://"+addr+path)
	waitPublishing(t, addr, path, p)
	return p
}

// liveClip makes a 30-frame 4:2:0 standard-Huffman clip (RFC 2435 carries
// it as it is) and returns it with the MD5s of its frames decoded by ffmpeg.
func liveClip(t testing.TB) (string, map[string]bool) {
	t.Helper()
	clip := makeMJPEG(t, t.TempDir(), "clip.mjpeg", 30, "-pix_fmt", "yuvj420p", "-huffman", "default", "-q:v", "5")
	want := map[string]bool{}
	for _, s := range ffmpegMD5s(t, "-i", clip) {
		want[s] = true
	}
	if len(want) != 30 {
		t.Fatalf("clip has %d distinct decoded frames, want 30", len(want))
	}
	return clip, want
}

// liveRead is what one reader got during its window.
type liveRead struct {
	who string
	// frames is how many frames it decoded; sent is how many the
	// publisher sent in its window (first to last frame it got, by their
	// timestamps, at liveFPS).
	frames, sent int
	// sums are the MD5s of its decoded frames, as ffmpeg decodes them.
	sums []string
	// jpegs are GStreamer's depayloaded frames (decoded by ffmpeg later).
	jpegs []string
	// problems are decoder errors and the like.
	problems []string
	err      error
}

// windowFrames is how many frames at liveFPS lie between the first and the
// last timestamp, both included. ffmpeg looping a file (-stream_loop) steps
// the timestamp by 1 tick instead of a frame at each loop (interop.md), so
// a window spanning loops holds a frame or two more than this.
func windowFrames(first, last float64) int {
	return int(math.Round((last-first)*liveFPS)) + 1
}

var framemd5TB = regexp.MustCompile(`(?m)^#tb 0: (\d+)/(\d+)$`)

// ffmpegLiveRead reads url for liveWindow seconds with ffmpeg and returns
// the per-frame MD5s of its decoded pixels. It runs outside the test
// goroutine: it reports problems in the result, never through t.
func ffmpegLiveRead(t testing.TB, url, transport string) liveRead {
	r := liveRead{who: "ffmpeg " + transport}
	out := filepath.Join(t.TempDir(), "ffmpeg-"+transport+".framemd5")
	_, stderr := runPeer(t, (liveWindow+20)*time.Second, "ffmpeg", "-nostdin", "-v", "error",
		"-timeout", "5000000", "-rtsp_transport", transport, "-i", url, "-t", strconv.Itoa(liveWindow),
		"-map", "0:v", "-fps_mode", "passthrough", "-f", "framemd5", out)
	r.problems = decodeErrors(stderr)
	b, err := os.ReadFile(out)
	if err != nil {
		r.err = fmt.Errorf("no framemd5 output: %w (stderr: %s)", err, stderr)
		return r
	}
	m := framemd5TB.FindSubmatch(b)
	if m == nil {
		r.err = fmt.Errorf("framemd5 output without a time base:\n%s", tail(string(b), 500))
		return r
	}
	num, _ := strconv.ParseFloat(string(m[1]), 64)
	den, _ := strconv.ParseFloat(string(m[2]), 64)
	var pts []float64
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		f := strings.Split(l, ",")
		if len(f) < 6 {
			r.err = fmt.Errorf("framemd5 line %q", l)
			return r
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(f[2]), 64)
		if err != nil {
			r.err = fmt.Errorf("framemd5 line %q: %w", l, err)
			return r
		}
		pts = append(pts, p*num/den)
		r.sums = append(r.sums, strings.TrimSpace(f[len(f)-1]))
	}
	r.frames = len(r.sums)
	if len(pts) > 0 {
		r.sent = windowFrames(pts[0], pts[len(pts)-1])
	}
	return r
}

var gstFileTS = regexp.MustCompile(`GstMultiFileSink, filename=\(string\)[^,]*, index=\(int\)\d+, timestamp=\(guint64\)(\d+)`)

// gstLiveRead plays url with GStreamer rtspsrc for liveWindow+1 seconds of
// wall time (its connection set-up and jitter buffer take some; 300 ms of
// jitter buffer because with 100 ms a loaded 2-core machine under -race
// saw it drop a few late packets' frames): the
// depayloaded JPEGs go to files (named by multifilesink's messages, whose
// timestamps give the window) and through jpegdec, whose errors count as
// problems. Like ffmpegLiveRead it never calls t's failing methods.
func gstLiveRead(t testing.TB, url, protocols string) (r liveRead) {
	r = liveRead{who: "gst " + protocols}
	dir := t.TempDir()
	stdout, stderr := runPeer(t, (liveWindow+20)*time.Second, "timeout", "-s", "INT", strconv.Itoa(liveWindow+1),
		"gst-launch-1.0", "-m", "-e", "rtspsrc", "location="+url, "protocols="+protocols, "latency=300",
		"!", "rtpjpegdepay", "!", "tee", "name=t",
		"t.", "!", "queue", "!", "multifilesink", "post-messages=true", "location="+filepath.Join(dir, "f_%05d.jpg"),
		"t.", "!", "queue", "!", "jpegdec", "!", "fakesink")
	var writeErrors []string
	for _, l := range strings.Split(stdout+"\n"+stderr, "\n") {
		switch {
		case strings.Contains(l, "Could not write to resource"):
			// rtspsrc failing to send: under heavy load seen once at
			// the SIGINT that ends the read (its TEARDOWN), with
			// every frame of the window received; a problem only if
			// frames are missing (checked below).
			writeErrors = append(writeErrors, l)
		case strings.HasPrefix(l, "ERROR") || strings.Contains(l, "(error)") ||
			strings.Contains(l, "jpegdec") && strings.Contains(l, "(warning)"):
			r.problems = append(r.problems, l)
		}
	}
	defer func() {
		if r.frames < r.sent {
			r.problems = append(r.problems, writeErrors...)
		}
	}()
	var ts []float64
	for _, m := range gstFileTS.FindAllStringSubmatch(stdout, -1) {
		ns, _ := strconv.ParseFloat(m[1], 64)
		ts = append(ts, ns/1e9)
	}
	r.jpegs, _ = filepath.Glob(filepath.Join(dir, "f_*.jpg"))
	sort.Strings(r.jpegs)
	r.frames = len(r.jpegs)
	if len(ts) == 0 {
		r.err = fmt.Errorf("no frames (stdout tail: %s\nstderr: %s)", tail(stdout, 1500), stderr)
		return r
	}
	r.sent = windowFrames(ts[0], ts[len(ts)-1])
	return r
}

// readLive runs the three readers of url at the same time: ffmpeg over UDP,
// ffmpeg over TCP and GStreamer rtspsrc over TCP.
func readLive(t *testing.T, url string) []liveRead {
	t.Helper()
	// Look the peers up here: a skip cannot happen in a goroutine.
	for _, p := range []string{"ffmpeg", "gst-launch-1.0", "timeout"} {
		testenv.LookPeer(t, p)
	}
	reads := make([]liveRead, 3)
	var wg sync.WaitGroup
	wg.Go(func() { reads[0] = ffmpegLiveRead(t, url, "udp") })
	wg.Go(func() { reads[1] = ffmpegLiveRead(t, url, "tcp") })
	wg.Go(func() { reads[2] = gstLiveRead(t, url, "tcp") })
	wg.Wait()
	// GStreamer's JPEGs are decoded by ffmpeg, so that every reader's
	// pixels come from the same decoder as the clip's (jpegdec outputs
	// I420 where ffmpeg outputs yuvj420p: not comparable byte for byte).
	if g := &reads[2]; g.err == nil && len(g.jpegs) > 0 {
		all := filepath.Join(t.TempDir(), "gst.mjpeg")
		var b []byte
		for _, f := range g.jpegs {
			j, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, j...)
		}
		writeFile(t, all, b)
		g.sums = ffmpegMD5s(t, "-f", "mjpeg", "-i", all)
		if len(g.sums) != len(g.jpegs) {
			g.problems = append(g.problems, fmt.Sprintf("ffmpeg decoded %d of GStreamer's %d JPEGs", len(g.sums), len(g.jpegs)))
		}
	}
	return reads
}

// checkLiveReads wants every reader to have decoded >= 95 % of the frames
// sent in its window (at least 2 s of it) without errors and, when want is
// given, every decoded frame to be pixel-identical to one of the clip's.
func checkLiveReads(t *testing.T, reads []liveRead, want map[string]bool) {
	t.Helper()
	for _, r := range reads {
		if r.err != nil {
			t.Errorf("%s: %v", r.who, r.err)
			continue
		}
		if r.sent < 2*liveFPS {
			t.Errorf("%s: window of %d frames, want at least %d", r.who, r.sent, 2*liveFPS)
		}
		if r.frames*100 < r.sent*95 {
			t.Errorf("%s: %d of the %d frames sent in its window, want >= 95 %%", r.who, r.frames, r.sent)
		}
		if len(r.problems) > 0 {
			t.Errorf("%s reported problems:\n%s", r.who, strings.Join(r.problems, "\n"))
		}
		same := "not compared"
		if want != nil {
			n := 0
			for _, s := range r.sums {
				if want[s] {
					n++
				}
			}
			if n != len(r.sums) || n == 0 {
				t.Errorf("%s: %d of %d decoded frames are pixel-identical to a clip frame, want all", r.who, n, len(r.sums))
			}
			same = fmt.Sprintf("%d/%d pixel-identical", n, len(r.sums))
		}
		t.Logf("%s: %d/%d frames of its window, %s", r.who, r.frames, r.sent, same)
	}
}

// TestLivePeersFFmpegPublisher: ffmpeg publishes a standard-Huffman 4:2:0
// clip over TCP and over UDP; ffmpeg (UDP, TCP) and GStreamer read the path
// at the same time, get >= 95 % of the frames of their window and decode
// exactly the clip's pixels.
func TestLivePeersFFmpegPublisher(t *testing.T) {
	clip, want := liveClip(t)
	for _, tr := range []string{"tcp", "udp"} {
		t.Run("publish-"+tr, func(t *testing.T) {
			t.Parallel() // 2 publishers, 6 readers: light enough for 2 cores
			_, addr := startServer(t, Config{Publish: true})
			pub := ffmpegPublish(t, addr, "/live", clip, tr)
			checkLiveReads(t, readLive(t, "rtsp://"+addr+"/live"), want)
			pub.stillRunning(t)
		})
	}
}

// TestLivePeersGStreamerPublisher: GStreamer rtspclientsink publishes a
// live jpegenc stream (interop.md's command) over TCP and over UDP; the
// readers get >= 95 % of the frames of their window and decode them
// without errors (the source is not a file: no pixel comparison).
func TestLivePeersGStreamerPublisher(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run("publish-"+proto, func(t *testing.T) {
			t.Parallel() // 2 publishers, 6 readers: light enough for 2 cores
			_, addr := startServer(t, Config{Publish: true})
			pub := startLivePeer(t, "gst-launch-1.0", "-e", "videotestsrc", "is-live=true", "!",
				fmt.Sprintf("video/x-raw,format=I420,width=640,height=480,framerate=%d/1", liveFPS), "!",
				"jpegenc", "!", "rtspclientsink", "location=rtsp://"+addr+"/live", "protocols="+proto)
			waitPublishing(t, addr, "/live", pub)
			checkLiveReads(t, readLive(t, "rtsp://"+addr+"/live"), nil)
			pub.stillRunning(t)
		})
	}
}

// TestLivePeersGStreamerPublisherStops: rtspclientsink stopped with
// SIGINT (gst-launch -e) ends its recording without an error response from
// the server: it may send PAUSE before TEARDOWN, and RFC 2326 A.2 allows
// PAUSE while recording (back to Ready). GStreamer 1.22 sometimes reports
// "Could not send message. (Received end-of-file)" at stop: its streaming
// thread's last interleaved RTP write races its own connection flush
// (seen with GST_DEBUG=rtspclientsink:5, before its TEARDOWN, which the
// server still gets); that is not counted.
//
// GStreamer 1.22 also loses the EOS now and then (about 1 stop in 15, our
// server of Dec 4 and of Dec 5 alike, by hand with SIGINT 0.2-1.6 s after
// start): with GST_DEBUG=rtpsession:5 both internal sources send BYE, one
// is created again, and the EOS never reaches the bus, so gst-launch sends
// nothing more (no PAUSE, no TEARDOWN) and waits. Such a stop says nothing
// about the server; the test tries again with a new publisher, up to 3
// times, and fails if every publisher hangs or any gets an error response.
func TestLivePeersGStreamerPublisherStops(t *testing.T) {
	const attempts = 3
	for i := 1; ; i++ {
		srv, addr := startServer(t, Config{Publish: true})
		pub := startLivePeer(t, "gst-launch-1.0", "-e", "videotestsrc", "is-live=true", "!",
			fmt.Sprintf("video/x-raw,format=I420,width=320,height=240,framerate=%d/1", liveFPS), "!",
			"jpegenc", "!", "rtspclientsink", "location=rtsp://"+addr+"/live", "protocols=tcp")
		waitPublishing(t, addr, "/live", pub)
		// Stopped before its pipeline plays, gst-launch waits for an EOS that
		// never comes: wait for frames first.
		waitLiveFrames(t, srv, "/live", 5)
		out, killed := pub.stop(t, syscall.SIGINT)
		if strings.Contains(out, "error response") {
			t.Fatalf("rtspclientsink got an error response while stopping:\n%s", out)
		}
		if !killed {
			return
		}
		if i == attempts {
			t.Fatalf("rtspclientsink did not stop within 15 s of SIGINT, %d times in a row; the last:\n%s", attempts, out)
		}
		t.Logf("rtspclientsink lost its EOS (attempt %d of %d); trying again", i, attempts)
	}
}

// TestLivePeersLabClient: the lab's client (its exact bytes,
// lab-dialect.md) plays a path ffmpeg publishes to: whole-JPEG datagrams,
// sequence numbers from 1, at about the published rate, with the clip's
// pixels.
func TestLivePeersLabClient(t *testing.T) {
	clip, want := liveClip(t)
	_, addr := startServer(t, Config{Publish: true})
	ffmpegPublish(t, addr, "/live", clip, "tcp")

	rtpc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rtpc.Close()
	_ = rtpc.SetReadBuffer(4 << 20)
	lab := dialLab(t, addr)
	lab.send(fmt.Sprintf("SETUP live RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= %d", port(rtpc)), 1)
	lab.send("PLAY live RTSP/1.0\nCSeq: 2\nSession: "+lab.session, 2)

	const n = 45 // 1.5 s at 30 fps
	buf := make([]byte, 65536)
	var arrivals []time.Time
	var jpegs []byte
	for i := range n {
		_ = rtpc.SetReadDeadline(time.Now().Add(3 * time.Second))
		k, _, err := rtpc.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i+1, err)
		}
		arrivals = append(arrivals, time.Now())
		p := buf[:k]
		if k < 16 || p[0] != 0x80 || p[1]&0x7f != 26 {
			t.Fatalf("datagram %d: RTP header % x", i+1, p[:min(k, 12)])
		}
		if seq := binary.BigEndian.Uint16(p[2:]); seq != uint16(i+1) {
			t.Fatalf("datagram %d: sequence %d, want %d", i+1, seq, i+1)
		}
		jpg := p[12:]
		if !bytes.HasPrefix(jpg, []byte{0xff, 0xd8}) || !bytes.HasSuffix(jpg, []byte{0xff, 0xd9}) {
			t.Fatalf("datagram %d: payload is not a whole JPEG: % x ... % x", i+1, jpg[:4], jpg[len(jpg)-2:])
		}
		jpegs = append(jpegs, jpg...)
	}
	avg := arrivals[n-1].Sub(arrivals[0]) / (n - 1)
	if avg < 25*time.Millisecond || avg > 45*time.Millisecond {
		t.Errorf("datagrams every %v on average, want about %v", avg, time.Second/liveFPS)
	}
	lab.send("TEARDOWN live RTSP/1.0\nCSeq: 3\nSession: "+lab.session, 3)

	all := filepath.Join(t.TempDir(), "lab.mjpeg")
	writeFile(t, all, jpegs)
	sums := ffmpegMD5s(t, "-f", "mjpeg", "-i", all)
	same := 0
	for _, s := range sums {
		if want[s] {
			same++
		}
	}
	if len(sums) != n || same != n {
		t.Errorf("%d datagrams decode to %d frames, %d pixel-identical to the clip's", n, len(sums), same)
	}
	t.Logf("lab client: %d whole-JPEG datagrams every %v, %d/%d pixel-identical", n, avg, same, len(sums))
}

// TestLivePeersPublisherLeaves: a reader still playing when ffmpeg stops
// publishing (asked to, so it sends TEARDOWN, or killed, so its connection
// drops) gets RTCP BYE, and the path then answers DESCRIBE with 404; while
// the first publisher is on, a second ffmpeg publisher gets 409.
func TestLivePeersPublisherLeaves(t *testing.T) {
	clip, _ := liveClip(t)
	for _, tc := range []struct {
		name string
		sig  os.Signal
	}{
		{"teardown", syscall.SIGINT},
		{"killed", syscall.SIGKILL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := startServer(t, Config{Publish: true})
			pub := ffmpegPublish(t, addr, "/live", clip, "tcp")

			c := dialCtl(t, addr)
			resp := c.do("DESCRIBE", c.url("/live"), "Accept: application/sdp")
			wantStatus(t, "DESCRIBE", resp, 200)
			desc, err := sdp.Unmarshal(resp.Body)
			if err != nil || len(desc.Media) == 0 {
				t.Fatalf("DESCRIBE body: %v\n%s", err, resp.Body)
			}
			base := resp.Header.Get("Content-Base")
			if base == "" {
				base = c.url("/live/")
			}
			track, err := sdp.ResolveControl(base, desc.Media[0].Control)
			if err != nil {
				t.Fatalf("control %q: %v", desc.Media[0].Control, err)
			}
			rtpc, rtcpc := udpPorts(t)
			resp = c.do("SETUP", track, fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", port(rtpc), port(rtcpc)))
			wantStatus(t, "SETUP", resp, 200)
			wantStatus(t, "PLAY", c.do("PLAY", c.url("/live"), "Session: "+sessionOf(t, resp)), 200)
			buf := make([]byte, 65536)
			_ = rtpc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := rtpc.Read(buf); err != nil {
				t.Fatalf("no RTP while playing: %v", err)
			}

			// A second publisher while the first is on: 409, the first
			// goes on.
			_, stderr := runPeer(t, 20*time.Second, "ffmpeg", "-nostdin", "-v", "error", "-re",
				"-framerate", strconv.Itoa(liveFPS), "-i", clip, "-c", "copy",
				"-f", "rtsp", "-rtsp_transport", "tcp", "rtsp://"+addr+"/live")
			if !strings.Contains(stderr, "409") {
				t.Errorf("second publisher: ffmpeg did not report 409:\n%s", stderr)
			}
			t.Logf("second publisher: %s", strings.TrimSpace(stderr))
			wantStatus(t, "DESCRIBE with the first publisher on", dialCtl(t, addr).do("DESCRIBE", c.url("/live")), 200)

			_, _ = pub.stop(t, tc.sig)
			bye := false
			for i := 0; i < 100 && !bye; i++ {
				pkts := readRTCP(t, rtcpc, 5*time.Second)
				if pkts == nil {
					break
				}
				for _, p := range pkts {
					_, ok := p.(*rtcp.Goodbye)
					bye = bye || ok
				}
			}
			if !bye {
				t.Fatal("no RTCP BYE within 5 s of the publisher leaving")
			}
			wantStatus(t, "DESCRIBE after the publisher left", dialCtl(t, addr).do("DESCRIBE", c.url("/live")), 404)
		})
	}
}

// TestLivePeersH264Refused: a description with only H.264 video gets 415,
// and the reason names H264 (what ffmpeg and GStreamer show their user).
func TestLivePeersH264Refused(t *testing.T) {
	_, addr := startServer(t, Config{Publish: true})
	c := dialCtl(t, addr)
	body := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=h264\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:streamid=0\r\n"
	resp := c.raw(fmt.Sprintf("ANNOUNCE %s RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		c.url("/live"), len(body), body))
	c.cseq = 1
	wantStatus(t, "ANNOUNCE H.264", resp, 415)
	if !strings.Contains(resp.Reason, "H264") {
		t.Errorf("reason %q does not name H264", resp.Reason)
	}
	t.Logf("ANNOUNCE H.264: %d %s", resp.StatusCode, resp.Reason)
	resp = c.do("DESCRIBE", c.url("/live"))
	wantStatus(t, "DESCRIBE after a refused ANNOUNCE", resp, 404)
}
