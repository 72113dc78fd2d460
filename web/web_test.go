package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
	"github.com/rtpstream/rtpstream/web"
)

// start runs a server (servertest) and its HTTP listener on 127.0.0.1:0
// until the test ends; it returns the server and the listener's base URL.
func start(t *testing.T, scfg server.Config, wcfg web.Config, hcfg web.ServerConfig) (*server.Server, string) {
	t.Helper()
	if scfg.PatternFrames == 0 {
		scfg.PatternFrames = 8
	}
	srv := servertest.Start(t, scfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := web.BaseURL("http", ln.Addr())
	if wcfg.HTTPURL == "" {
		wcfg.HTTPURL = base
	}
	if wcfg.RTSPURL == "" {
		wcfg.RTSPURL = web.BaseURL("rtsp", srv.Addr())
	}
	stop := serveWeb(web.NewServer(web.New(srv, wcfg), hcfg), ln)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return srv, base
}

// serveWeb runs ws on ln; stop ends it and says how it ended.
func serveWeb(ws *web.Server, ln net.Listener) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ws.Serve(ctx, ln) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("Serve did not return after cancel")
		}
	}
}

// play starts an RTSP reader of url over transport and waits for its
// first frame.
func play(t *testing.T, url, transport string) *client.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Dial(ctx, url, client.Config{Transport: transport, DisableLabDetect: true})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Setup(ctx); err != nil {
		t.Fatalf("setup %s: %v", url, err)
	}
	if err := s.Play(ctx); err != nil {
		t.Fatalf("play %s: %v", url, err)
	}
	// Drain frames so the session keeps receiving.
	go func() {
		for {
			select {
			case <-s.Frames():
			case <-s.Done():
				return
			}
		}
	}()
	return s
}

// get fetches url and returns the status and body (at most 4 MiB).
func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, b
}

// scrape fetches /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// value is the metric of family name whose labels include want (0 when
// there is none).
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
next:
	for _, m := range f.GetMetric() {
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	return 0
}

// TestStatusAndMetricsWhilePlaying plays a media file over UDP and the
// test pattern over TCP, then checks that /api/status lists both with
// their readers and that /metrics parses and its counters grow.
func TestStatusAndMetricsWhilePlaying(t *testing.T) {
	media := t.TempDir()
	if err := os.WriteFile(filepath.Join(media, "clip.mjpeg"), clip(t, 20), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, base := start(t, server.Config{MediaDir: media, FPS: 20}, web.Config{}, web.ServerConfig{})
	play(t, servertest.URL(t, srv, "/clip.mjpeg"), "udp")
	play(t, servertest.URL(t, srv, "/test"), "tcp")

	t.Run("api", func(t *testing.T) {
		var st web.Status
		byPath := map[string]web.Stream{}
		testenv.WaitFor(t, 5*time.Second, "both readers in /api/status", func() bool {
			code, body := get(t, base+"/api/status")
			if code != http.StatusOK {
				t.Fatalf("/api/status: %d %s", code, body)
			}
			st = web.Status{}
			if err := json.Unmarshal(body, &st); err != nil {
				t.Fatalf("decode /api/status: %v\n%s", err, body)
			}
			for _, s := range st.Streams {
				byPath[s.Path] = s
			}
			return hasReader(byPath["/clip.mjpeg"], "udp") && hasReader(byPath["/test"], "tcp")
		})
		m := byPath["/clip.mjpeg"]
		if m.Kind != "file" || m.Width == 0 || m.Height == 0 {
			t.Errorf("clip: kind %q size %dx%d", m.Kind, m.Width, m.Height)
		}
		if want := base + "/clip.mjpeg/stream.mjpeg"; m.MJPEGURL != want {
			t.Errorf("mjpeg_url %q, want %q", m.MJPEGURL, want)
		}
		if want := base + "/clip.mjpeg/snapshot.jpg"; m.SnapshotURL != want {
			t.Errorf("snapshot_url %q, want %q", m.SnapshotURL, want)
		}
		if want := servertest.URL(t, srv, "/clip.mjpeg"); m.RTSPURL != want {
			t.Errorf("rtsp_url %q, want %q", m.RTSPURL, want)
		}
		if p := byPath["/test"]; p.Kind != "pattern" {
			t.Errorf("/test kind %q", p.Kind)
		}
		if st.HTTPURL != base || st.UptimeSeconds <= 0 || st.Started.IsZero() {
			t.Errorf("http_url %q uptime %v started %v", st.HTTPURL, st.UptimeSeconds, st.Started)
		}
		// The snapshot URL it gives decodes to the stream's JPEG.
		code, body := get(t, m.SnapshotURL)
		if code != http.StatusOK || len(body) < 4 || body[0] != 0xFF || body[1] != 0xD8 {
			t.Errorf("snapshot: %d, %d bytes", code, len(body))
		}
	})

	t.Run("metrics", func(t *testing.T) {
		first := scrape(t, base)
		for _, tr := range []string{"udp", "tcp"} {
			if n := value(first, "rtpstream_readers", map[string]string{"transport": tr}); n < 1 {
				t.Errorf("rtpstream_readers{transport=%q} = %v", tr, n)
			}
		}
		if n := value(first, "rtpstream_streams", map[string]string{"kind": "pattern"}); n != 1 {
			t.Errorf("rtpstream_streams{kind=pattern} = %v", n)
		}
		for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
			if first[name] == nil {
				t.Errorf("%s missing", name)
			}
		}
		// The live delay is a histogram with its buckets even before any
		// live frame (server.Status.LiveDelay; its counting is tested
		// in server).
		if f := first["rtpstream_live_frame_delay_seconds"]; f.GetType() != dto.MetricType_HISTOGRAM ||
			len(f.GetMetric()) != 1 || len(f.GetMetric()[0].GetHistogram().GetBucket()) != 10 { // 9 bounds and +Inf
			t.Errorf("rtpstream_live_frame_delay_seconds: %v", f)
		}
		for _, tr := range []string{"udp", "tcp"} {
			for _, name := range []string{"rtpstream_sent_packets_total", "rtpstream_sent_bytes_total"} {
				lbl := map[string]string{"transport": tr}
				v0 := value(first, name, lbl)
				testenv.WaitFor(t, 5*time.Second, name+" growing", func() bool {
					return value(scrape(t, base), name, lbl) > v0
				})
			}
		}
		checkLabels(t, first)
	})
}

// clip is a small media file: n frames of 96x64 JPEG, a grey ramp moving
// one step a frame (small, so that the server indexes it at once even
// under -race).
func clip(t *testing.T, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 96, 64))
		for j := range img.Pix {
			img.Pix[j] = uint8(j%96*2 + i*8)
		}
		if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 75}); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// hasReader says whether s has a reader over transport that was sent
// something.
func hasReader(s web.Stream, transport string) bool {
	for _, r := range s.Readers {
		if r.Transport == transport && r.Bytes > 0 {
			return true
		}
	}
	return false
}

// checkLabels fails on any rtpstream_ label other than transport, kind and
// path, and on label values that look like a session or an address.
func checkLabels(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	for name, f := range fams {
		if !strings.HasPrefix(name, "rtpstream_") {
			continue
		}
		if f.GetType() == dto.MetricType_COUNTER && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s lacks _total", name)
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "transport", "kind", "path":
				default:
					t.Errorf("%s: label %s=%q", name, l.GetName(), l.GetValue())
				}
				if strings.Contains(l.GetValue(), "127.0.0.1") || strings.Contains(l.GetValue(), ":") {
					t.Errorf("%s: per-session label value %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// TestAccess: the page, API and metrics answer loopback clients by
// default and the credentials' holders when set; streams and unknown
// paths are the server's whatever the address.
func TestAccess(t *testing.T) {
	srv := servertest.Start(t, server.Config{PatternFrames: 8})
	open := web.New(srv, web.Config{})
	creds := web.New(srv, web.Config{Credentials: &rtsp.Credentials{Username: "ops", Password: "s3cret"}})
	const far, near = "192.0.2.7:40000", "127.0.0.1:40000"
	cases := []struct {
		name     string
		h        http.Handler
		remote   string
		path     string
		user     string
		pass     string
		wantCode int
	}{
		{"page from loopback", open, near, "/", "", "", 200},
		{"page from afar", open, far, "/", "", "", 403},
		{"api from afar", open, far, "/api/status", "", "", 403},
		{"metrics from afar", open, far, "/metrics", "", "", 403},
		{"static from afar", open, far, "/static/index.html", "", "", 403},
		{"api from IPv6 loopback", open, "[::1]:5", "/api/status", "", "", 200},
		{"snapshot from afar is the server's", open, far, "/test/snapshot.jpg", "", "", 200},
		{"unknown from afar", open, far, "/nope", "", "", 404},
		{"creds: none from loopback", creds, near, "/api/status", "", "", 401},
		{"creds: wrong from afar", creds, far, "/metrics", "ops", "nope", 401},
		{"creds: right from afar", creds, far, "/metrics", "ops", "s3cret", 200},
		{"creds: right page", creds, far, "/", "ops", "s3cret", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, c.path, nil)
			r.RemoteAddr = c.remote
			if c.user != "" {
				r.SetBasicAuth(c.user, c.pass)
			}
			w := httptest.NewRecorder()
			c.h.ServeHTTP(w, r)
			if w.Code != c.wantCode {
				t.Fatalf("%s %s from %s: %d, want %d: %s", r.Method, c.path, c.remote, w.Code, c.wantCode, w.Body)
			}
			if c.wantCode == 401 && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("401 without a Basic challenge: %q", w.Header().Get("WWW-Authenticate"))
			}
		})
	}
	if n := srv.Status().AuthFailures; n < 2 {
		t.Errorf("auth failures %d, want the two refused above", n)
	}
}

// TestRoutes: methods, unknown paths and the embedded page.
func TestRoutes(t *testing.T) {
	srv := servertest.Start(t, server.Config{PatternFrames: 8})
	h := web.New(srv, web.Config{})
	cases := []struct {
		method, path string
		wantCode     int
		wantType     string
	}{
		{"GET", "/", 200, "text/html"},
		{"HEAD", "/", 200, "text/html"},
		{"GET", "/static/index.html", 200, "text/html"},
		{"GET", "/api/status", 200, "application/json"},
		{"GET", "/metrics", 200, "text/plain"},
		{"POST", "/", 405, ""},
		{"POST", "/api/status", 405, ""},
		{"DELETE", "/metrics", 405, ""},
		{"POST", "/test/snapshot.jpg", 405, ""},
		{"GET", "/nope", 404, ""},
		{"GET", "/api/nope", 404, ""},
		{"GET", "/static/nope.js", 404, ""},
		{"GET", "/static/", 404, ""},
		{"GET", "/static/../web.go", 404, ""},
		{"GET", "/nope/stream.mjpeg", 404, ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.path, nil)
			r.RemoteAddr = "127.0.0.1:1"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.wantCode {
				t.Fatalf("%d, want %d: %s", w.Code, c.wantCode, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); c.wantType != "" && !strings.HasPrefix(ct, c.wantType) {
				t.Errorf("Content-Type %q, want %s", ct, c.wantType)
			}
		})
	}
}

// TestListenerLimits runs the listener with short timeouts: headers over
// MaxHeaderBytes get 431, headers trickled slower than ReadHeaderTimeout
// are cut, viewers over the limit get 503, and an MJPEG stream outlives
// the listener's ReadTimeout and WriteTimeout.
func TestListenerLimits(t *testing.T) {
	hcfg := web.ServerConfig{
		ReadHeaderTimeout: 300 * time.Millisecond,
		ReadTimeout:       400 * time.Millisecond,
		WriteTimeout:      400 * time.Millisecond,
		IdleTimeout:       time.Second,
		MaxHeaderBytes:    1024,
	}
	_, base := start(t, server.Config{HTTP: server.HTTPConfig{MaxViewers: 1}}, web.Config{}, hcfg)
	addr := strings.TrimPrefix(base, "http://")

	t.Run("431", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/status", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 8<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("%d, want 431", resp.StatusCode)
		}
	})

	t.Run("slow loris", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		began := time.Now()
		closed := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, c)
			closed <- err
		}()
		if _, err := io.WriteString(c, "GET /api/status HTTP/1.1\r\nHost: x\r\n"); err != nil {
			t.Fatal(err)
		}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-closed:
				el := time.Since(began)
				if el < hcfg.ReadHeaderTimeout/2 || el > hcfg.ReadHeaderTimeout+3*time.Second {
					t.Fatalf("closed after %v, ReadHeaderTimeout %v", el, hcfg.ReadHeaderTimeout)
				}
				t.Logf("slow loris closed after %v", el)
				return
			case <-tick.C:
			}
			if i > 200 {
				t.Fatal("trickled for 10 s and still open")
			}
			// One header byte at a time; a write may fail once closed.
			_, _ = io.WriteString(c, "X")
		}
	})

	t.Run("stream outlives the listener timeouts; a second viewer gets 503", func(t *testing.T) {
		resp, err := http.Get(base + "/test/stream.mjpeg")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %d", resp.StatusCode)
		}
		code, body := get(t, base+"/test/stream.mjpeg")
		if code != http.StatusServiceUnavailable {
			t.Errorf("second viewer over MaxViewers 1: %d %s, want 503", code, body)
		}
		_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		mr := multipart.NewReader(bufio.NewReader(resp.Body), params["boundary"])
		began := time.Now()
		frames := 0
		for time.Since(began) < 3*hcfg.WriteTimeout {
			part, err := mr.NextPart()
			if err != nil {
				t.Fatalf("after %d frames, %v: %v", frames, time.Since(began), err)
			}
			if _, err := io.Copy(io.Discard, io.LimitReader(part, 1<<20)); err != nil {
				t.Fatal(err)
			}
			frames++
			if frames > 10000 {
				t.Fatal("runaway stream")
			}
		}
		t.Logf("%d frames in %v", frames, time.Since(began))
	})
}

// TestShutdownEndsStreams: cancelling Serve's context ends an MJPEG
// viewer's response and Serve returns promptly.
func TestShutdownEndsStreams(t *testing.T) {
	srv := servertest.Start(t, server.Config{PatternFrames: 8})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := serveWeb(web.NewServer(web.New(srv, web.Config{}), web.ServerConfig{ShutdownTimeout: 3 * time.Second}), ln)
	resp, err := http.Get(web.BaseURL("http", ln.Addr()) + "/test/stream.mjpeg")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	read := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		read <- err
	}()
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	select {
	case err := <-read:
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Logf("stream ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open after shutdown")
	}
}

// TestBaseURL covers the host forms.
func TestBaseURL(t *testing.T) {
	cases := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8888}, "http://127.0.0.1:8888"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 80}, "http://127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, "http://127.0.0.1:80"},
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 1}, "http://192.0.2.1:1"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 2}, "http://[2001:db8::1]:2"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 3}, "http://[::1]:3"},
	}
	for _, c := range cases {
		if got := web.BaseURL("http", c.addr); got != c.want {
			t.Errorf("BaseURL(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}
