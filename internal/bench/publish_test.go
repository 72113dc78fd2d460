package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/sdp"
)

// fakeRecorder is a minimal RTSP server that accepts one publisher: it
// answers OPTIONS, ANNOUNCE, SETUP (mode=record), RECORD and TEARDOWN,
// optionally demanding credentials first (scheme "Basic" or "Digest"),
// records every request and counts the RTP packets that arrive (UDP or
// interleaved).
type fakeRecorder struct {
	t      *testing.T
	ln     net.Listener
	rtp    *net.UDPConn // server RTP port (UDP publishing)
	scheme string       // "" or the auth scheme required
	cred   rtsp.Credentials

	mu       sync.Mutex
	reqs     []*rtsp.Request
	packets  int
	markers  int
	lastSeq  uint16
	seqBreak int
	conn     net.Conn // the accepted connection
	done     chan struct{}
}

const fakeNonce = "abcdef0123456789"

func startFakeRecorder(t *testing.T, scheme string) *fakeRecorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRecorder{t: t, ln: ln, rtp: uc, scheme: scheme, cred: rtsp.Credentials{Username: "pub", Password: "s3cret"},
		done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); f.serve() }()
	go func() {
		defer wg.Done()
		buf := make([]byte, 2048)
		for {
			n, err := uc.Read(buf)
			if err != nil {
				return
			}
			f.count(buf[:n])
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		uc.Close()
		f.mu.Lock()
		if f.conn != nil {
			f.conn.Close()
		}
		f.mu.Unlock()
		wg.Wait()
	})
	return f
}

func (f *fakeRecorder) url() string {
	return "rtsp://" + f.ln.Addr().String() + "/live/cam"
}

// count accounts one RTP packet.
func (f *fakeRecorder) count(b []byte) {
	var h rtp.Header
	if _, err := h.Unmarshal(b); err != nil || h.PayloadType != 26 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.packets > 0 && h.SequenceNumber != f.lastSeq+1 {
		f.seqBreak++
	}
	f.packets++
	f.lastSeq = h.SequenceNumber
	if h.Marker {
		f.markers++
	}
}

// counts returns the packets and frames (markers) received.
func (f *fakeRecorder) counts() (packets, frames int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.packets, f.markers
}

// serve handles one connection.
func (f *fakeRecorder) serve() {
	defer close(f.done)
	nc, err := f.ln.Accept()
	if err != nil {
		return
	}
	defer nc.Close()
	f.mu.Lock()
	f.conn = nc
	f.mu.Unlock()
	r := rtsp.NewReader(nc, rtsp.Limits{})
	for {
		m, err := r.Read()
		if err != nil {
			return
		}
		switch m := m.(type) {
		case *rtsp.Frame:
			f.count(m.Payload)
		case *rtsp.Request:
			f.mu.Lock()
			f.reqs = append(f.reqs, m)
			f.mu.Unlock()
			resp := f.answer(m)
			if _, err := resp.WriteTo(nc); err != nil {
				return
			}
		}
	}
}

// answer makes the response to req.
func (f *fakeRecorder) answer(req *rtsp.Request) *rtsp.Response {
	resp := &rtsp.Response{StatusCode: 200}
	resp.Header.Add("CSeq", req.Header.Get("CSeq"))
	if f.scheme != "" && !f.authorized(req) {
		resp.StatusCode = 401
		if f.scheme == "Basic" {
			resp.Header.Add("WWW-Authenticate", `Basic realm="fake"`)
		} else {
			resp.Header.Add("WWW-Authenticate", `Digest realm="fake", nonce="`+fakeNonce+`", qop="auth", algorithm=MD5`)
		}
		return resp
	}
	switch req.Method {
	case "OPTIONS":
		resp.Header.Add("Public", "OPTIONS, ANNOUNCE, SETUP, RECORD, TEARDOWN")
	case "SETUP":
		trs, err := rtsp.ParseTransports(req.Header.Get("Transport"))
		if err != nil || len(trs) == 0 {
			resp.StatusCode = 461
			return resp
		}
		tr := trs[0]
		if !tr.TCP() {
			p := f.rtp.LocalAddr().(*net.UDPAddr).Port
			tr.ServerPort = rtsp.PortRange{Lo: p, Hi: p + 1, Set: true}
		}
		resp.Header.Add("Transport", tr.String())
		resp.Header.Add("Session", "F00D;timeout=60")
	}
	return resp
}

// authorized checks the request's credentials.
func (f *fakeRecorder) authorized(req *rtsp.Request) bool {
	a, err := rtsp.ParseAuthorization(req.Header.Get("Authorization"))
	return err == nil && a.Scheme == f.scheme && a.Verify(f.cred, req.Method, "fake", fakeNonce)
}

// requests returns the requests received so far.
func (f *fakeRecorder) requests() []*rtsp.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not synchronising on time
	}
}

func testFrames(t *testing.T, n int) [][]byte {
	t.Helper()
	v, err := mjpeg.PatternVideo(160, 120, 30, n, 75)
	if err != nil {
		t.Fatal(err)
	}
	return v.Frames
}

func TestPublisherAgainstFake(t *testing.T) {
	frames := testFrames(t, 5)
	for _, tc := range []struct {
		name, transport, scheme string
	}{
		{"udp", TransportUDP, ""},
		{"tcp", TransportTCP, ""},
		{"udp-digest", TransportUDP, "Digest"},
		{"tcp-basic", TransportTCP, "Basic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeRecorder(t, tc.scheme)
			u := f.url()
			if tc.scheme != "" {
				u = strings.Replace(u, "rtsp://", "rtsp://pub:s3cret@", 1)
			}
			p, err := DialPublisher(context.Background(), PublishConfig{URL: u, Frames: frames, FPS: 100, Transport: tc.transport})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			waitFor(t, "12 frames", 10*time.Second, func() bool { _, fr := f.counts(); return fr >= 12 })
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			<-f.done // TEARDOWN answered, connection closed

			var methods []string
			for _, r := range f.requests() {
				if r.Method == "OPTIONS" && len(methods) > 0 {
					continue // keep-alive
				}
				if n := len(methods); n > 0 && methods[n-1] == r.Method {
					continue // the retry after a 401
				}
				methods = append(methods, r.Method)
				if r.URL != f.url() && !(r.Method == "SETUP" && r.URL == f.url()+"/streamid=0") {
					t.Errorf("%s %s: credentials or path wrong", r.Method, r.URL)
				}
				if tc.scheme != "" && r.Method != "OPTIONS" && !f.authorized(r) {
					t.Errorf("%s not authorized: %q", r.Method, r.Header.Get("Authorization"))
				}
				checkPublishRequest(t, r, tc.transport)
			}
			if want := []string{"OPTIONS", "ANNOUNCE", "SETUP", "RECORD", "TEARDOWN"}; !slices.Equal(methods, want) {
				t.Errorf("requests %v, want %v", methods, want)
			}
			st := p.Stats()
			waitFor(t, "every packet", 5*time.Second, func() bool { pk, _ := f.counts(); return uint64(pk) >= st.Packets })
			pk, fr := f.counts()
			if uint64(pk) != st.Packets || uint64(fr) != st.Frames || f.seqBreak != 0 || st.Bytes == 0 {
				t.Errorf("server got %d packets %d frames (%d sequence breaks), publisher sent %+v", pk, fr, f.seqBreak, st)
			}
		})
	}
}

// checkPublishRequest checks the headers of one publisher request.
func checkPublishRequest(t *testing.T, r *rtsp.Request, transport string) {
	t.Helper()
	switch r.Method {
	case "ANNOUNCE":
		if ct := r.Header.Get("Content-Type"); ct != "application/sdp" {
			t.Errorf("ANNOUNCE Content-Type %q", ct)
		}
		s, err := sdp.Unmarshal(r.Body)
		if err != nil || len(s.Media) != 1 {
			t.Fatalf("ANNOUNCE SDP: %v\n%s", err, r.Body)
		}
		m := s.Media[0]
		name, rate, _ := m.Encoding(26)
		if m.Type != "video" || !slices.Equal(m.Formats, []int{26}) || name != "JPEG" || rate != 90000 || m.Control != publishControl {
			t.Errorf("ANNOUNCE SDP media %+v", m)
		}
	case "SETUP":
		trs, err := rtsp.ParseTransports(r.Header.Get("Transport"))
		if err != nil || len(trs) != 1 || !strings.EqualFold(trs[0].Mode, "record") || trs[0].TCP() != (transport == TransportTCP) {
			t.Errorf("SETUP Transport %q", r.Header.Get("Transport"))
		}
		if transport == TransportUDP && !trs[0].ClientPort.Set {
			t.Errorf("SETUP without client_port: %q", r.Header.Get("Transport"))
		}
	case "RECORD", "TEARDOWN":
		if r.Header.Get("Session") != "F00D" {
			t.Errorf("%s Session %q", r.Method, r.Header.Get("Session"))
		}
	}
}

func TestPublisherErrors(t *testing.T) {
	frames := testFrames(t, 1)
	for _, tc := range []struct {
		name   string
		scheme string
		url    func(f *fakeRecorder) string
		cfg    PublishConfig
		want   error
	}{
		{"no credentials", "Digest", (*fakeRecorder).url, PublishConfig{}, ErrStatus},
		{"wrong password", "Digest", func(f *fakeRecorder) string {
			return strings.Replace(f.url(), "rtsp://", "rtsp://pub:nope@", 1)
		}, PublishConfig{}, ErrAuth},
		{"bad transport", "", (*fakeRecorder).url, PublishConfig{Transport: "sctp"}, ErrConfig},
		{"bad scheme", "", func(*fakeRecorder) string { return "http://x/y" }, PublishConfig{}, ErrURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeRecorder(t, tc.scheme)
			cfg := tc.cfg
			cfg.URL, cfg.Frames = tc.url(f), frames
			p, err := DialPublisher(context.Background(), cfg)
			if !errors.Is(err, tc.want) {
				if p != nil {
					p.close()
				}
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRollingTail(t *testing.T) {
	scan := make([]byte, 100)
	for i := range scan {
		scan[i] = byte(i)
	}
	withEOI := append(slices.Clone(scan), 0xFF, 0xD9)
	want := fingerprintOf(scan)
	if want.n != tailSize || want.b[tailSize-1] != 99 || fingerprintOf(withEOI) != want {
		t.Fatalf("fingerprint %+v", want)
	}
	// Any cut into packets, EOI or not, gives the same fingerprint.
	for _, src := range [][]byte{scan, withEOI} {
		for _, cut := range []int{1, 2, 3, 7, 17, 18, 19, 40, 99, 100, 101} {
			var r rollingTail
			for c := range slices.Chunk(src, cut) {
				r.push(c)
			}
			if got := r.fingerprint(); got != want {
				t.Errorf("len %d chunks of %d: %+v, want %+v", len(src), cut, got, want)
			}
		}
	}
	if f := fingerprintOf([]byte{1, 2, 3, 0xFF, 0xD9}); f.n != 3 {
		t.Errorf("short scan: %+v", f)
	}
}

func TestSentLog(t *testing.T) {
	l := newSentLog()
	t0 := l.base
	mk := func(i int) fingerprint { return fingerprintOf([]byte(fmt.Sprintf("entropy-coded-frame-%04d", i))) }
	for i := range sentLogSize + 10 {
		l.add(mk(i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	now := t0.Add(time.Second)
	for _, tc := range []struct {
		i    int
		want time.Duration
		ok   bool
	}{
		{sentLogSize + 9, time.Second - (sentLogSize+9)*time.Millisecond, true},
		{20, time.Second - 20*time.Millisecond, true},
		{5, 0, false}, // overwritten
	} {
		d, ok := l.latency(mk(tc.i), now)
		if ok != tc.ok || d != tc.want {
			t.Errorf("frame %d: %v %v, want %v %v", tc.i, d, ok, tc.want, tc.ok)
		}
	}
	// A shorter tail (a reader that got less of the frame) matches a suffix.
	f := mk(20)
	f.b = [tailSize]byte(append(f.b[6:], make([]byte, 6)...))
	f.n -= 6
	if _, ok := l.latency(f, now); !ok {
		t.Error("suffix did not match")
	}
	f.n = minMatch - 1
	if _, ok := l.latency(f, now); ok {
		t.Error("too short a tail matched")
	}
}

func TestLatencyHistogram(t *testing.T) {
	for _, tc := range []struct {
		us  uint64
		tol float64
	}{{0, 0}, {1, 0}, {127, 0}, {128, 1}, {1000, 16}, {2000, 32}, {123456, 2000}, {1<<32 - 1, 1 << 26}} {
		v := histValue(histBucket(tc.us))
		if d := v - float64(tc.us); d < -tc.tol || d > tc.tol {
			t.Errorf("%d µs -> bucket %d -> %v", tc.us, histBucket(tc.us), v)
		}
	}
	if histBucket(1<<40) != histBuckets-1 {
		t.Errorf("out of range: bucket %d", histBucket(1<<40))
	}
	var h latencyHist
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * 10 * time.Microsecond)
	}
	counts := make([]uint64, histBuckets)
	for i, c := range h.counts {
		counts[i] = uint64(c)
	}
	p50, _ := histPercentile(counts, 50)
	p99, _ := histPercentile(counts, 99)
	if p50 < 495 || p50 > 505 || p99 < 980 || p99 > 1000 {
		t.Errorf("p50 %v p99 %v", p50, p99)
	}
	if _, ok := histPercentile(make([]uint64, histBuckets), 50); ok {
		t.Error("percentile of nothing")
	}
}

// TestRelayTrackerAllocs: the reader side stays allocation-free per packet
// in publish mode (rolling tail, lookup, histogram), and matches every
// frame.
func TestRelayTrackerAllocs(t *testing.T) {
	log := newSentLog()
	log.measuring.Store(true)
	p := &Publisher{}
	hdr := rtp.Header{PayloadType: 26, SSRC: 1}
	var pkts [][]byte
	for k, jpeg := range testFrames(t, 3) {
		pz, err := rtpjpeg.Packetize(jpeg, 300)
		if err != nil {
			t.Fatal(err)
		}
		f, err := rtpjpeg.NewFrame(jpeg)
		if err != nil {
			t.Fatal(err)
		}
		log.add(fingerprintOf(f.Scan), time.Now())
		hdr.Timestamp = uint32(k * 3000)
		for j, pl := range pz.Payloads {
			hdr.Marker = j == len(pz.Payloads)-1
			b, err := p.packet(nil, &hdr, pl)
			if err != nil {
				t.Fatal(err)
			}
			pkts = append(pkts, b)
		}
	}
	tr := newTracker(90000, 3000, log)
	for _, b := range pkts { // warm up: the first frame anchors
		tr.packet(b, len(b), time.Now())
	}
	i := 0
	allocs := testing.AllocsPerRun(len(pkts)*4, func() {
		b := pkts[i%len(pkts)]
		tr.packet(b, len(b), time.Now())
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet", allocs)
	}
	if tr.relayMatched < 9 || tr.relayUnmatched != 0 {
		t.Errorf("matched %d unmatched %d", tr.relayMatched, tr.relayUnmatched)
	}
}
