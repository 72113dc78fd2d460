package server

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/jpeg" // snapshots are decoded
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/mpjpeg"
)

// httpViewSendBuffer is the socket send buffer of the test HTTP listener's
// connections: small, so that a viewer that stops reading fills it (and
// its own receive buffer) in a fraction of a second and the server's write
// timeout, not the kernel's buffering, decides when it is closed.
const httpViewSendBuffer = 32 << 10

// smallSendBufferListener sets httpViewSendBuffer on accepted connections.
type smallSendBufferListener struct{ net.Listener }

func (l smallSendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(httpViewSendBuffer)
	}
	return c, err
}

// serveHTTPView serves srv.ServeHTTP on a kernel-chosen loopback port until
// the test ends and returns its base URL ("http://127.0.0.1:PORT").
func serveHTTPView(t *testing.T, srv *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(smallSendBufferListener{ln}) }()
	t.Cleanup(func() {
		_ = hs.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("http Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// TestHTTPViewerWriteAllocs: the per-frame write path of an HTTP viewer
// (deliver, take, mpjpeg WriteFrame) allocates nothing.
func TestHTTPViewerWriteAllocs(t *testing.T) {
	v := newHTTPViewer(context.Background(), "127.0.0.1:1")
	defer v.end("test over")
	jpeg := bytes.Repeat([]byte{0xaa}, 40<<10)
	mw := mpjpeg.NewWriter(io.Discard, "")
	lf := &liveFrame{jpeg: jpeg, arrival: time.Now()}
	var failed bool
	allocs := testing.AllocsPerRun(500, func() {
		lf.arrival = lf.arrival.Add(33 * time.Millisecond)
		v.deliver(lf, lf.arrival)
		j, ts, ok := v.take()
		if !ok || mw.WriteFrame(j, ts) != nil {
			failed = true
		}
	})
	if failed {
		t.Fatal("a frame was not taken or not written")
	}
	if allocs != 0 {
		t.Errorf("%v allocations per frame per viewer, want 0", allocs)
	}
	if v.skipped.Load() != 0 {
		t.Errorf("%d frames skipped by a viewer that took each one", v.skipped.Load())
	}
}

// httpReaders returns the HTTP viewers of stream path in st.
func httpReaders(st Status, path string) []ReaderStatus {
	var out []ReaderStatus
	for _, s := range st.Streams {
		if s.Path != path {
			continue
		}
		for _, r := range s.Readers {
			if r.Transport == "http" {
				out = append(out, r)
			}
		}
	}
	return out
}

// TestHTTPStalledViewer: of 50 viewers, one stops reading: it costs the
// other 49 nothing (no skipped frame, about fps frames a second), is closed
// once it has taken nothing for HTTPConfig.WriteTimeout, and the server's
// memory stays flat meanwhile.
func TestHTTPStalledViewer(t *testing.T) {
	const (
		writeTimeout = 400 * time.Millisecond
		reading      = 49
	)
	srv, _ := startServer(t, Config{HTTP: HTTPConfig{WriteTimeout: writeTimeout}})
	base := serveHTTPView(t, srv)
	streamURL := base + PatternName + mjpegSuffix

	// The stalled viewer: a raw GET on a connection never read, with a
	// small receive buffer.
	stalled, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	_ = stalled.(*net.TCPConn).SetReadBuffer(8 << 10)
	if _, err := io.WriteString(stalled, "GET "+PatternName+mjpegSuffix+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stalledAt := time.Now()

	// The reading viewers.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	got := make([]int, reading)
	errs := make([]error, reading)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = readMJPEG(ctx, streamURL, &got[i])
		}()
	}
	defer func() { cancel(); wg.Wait() }()

	if !waitFor(10*time.Second, func() bool { return len(httpReaders(srv.Status(), PatternName)) == reading+1 }) {
		t.Fatalf("viewers: %d of %d", len(httpReaders(srv.Status(), PatternName)), reading+1)
	}
	start := time.Now()
	heapBefore := liveHeap()
	var before []ReaderStatus
	gone := waitFor(writeTimeout+5*time.Second, func() bool {
		rs := httpReaders(srv.Status(), PatternName)
		if len(rs) == reading+1 {
			before = rs
		}
		return len(rs) == reading
	})
	closedAfter := time.Since(stalledAt)
	if !gone {
		t.Fatalf("the stalled viewer is still served after %v: %+v", closedAfter, httpReaders(srv.Status(), PatternName))
	}
	if closedAfter < writeTimeout {
		t.Errorf("the stalled viewer was closed after %v, before the write timeout %v", closedAfter, writeTimeout)
	}
	t.Logf("stalled viewer closed %v after its request (%d viewers before)", closedAfter, len(before))
	// Its connection ends (after what the kernel had buffered).
	_ = stalled.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, stalled); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Errorf("stalled connection: %v, want EOF", err)
	}

	// The readers go on for 2 s in all.
	<-time.After(time.Until(start.Add(2 * time.Second))) // the measurement period
	elapsed := time.Since(start)
	rs := httpReaders(srv.Status(), PatternName)
	if len(rs) != reading {
		t.Fatalf("%d readers, want %d", len(rs), reading)
	}
	// Each viewer holds at most one frame, shared with every other: the
	// heap does not grow with the time a viewer stalls or reads.
	if grew := int64(liveHeap()) - int64(heapBefore); grew > 16<<20 {
		t.Errorf("live heap grew by %d MiB while 50 viewers watched", grew>>20)
	}
	st, _ := srv.cat.lookup(PatternName)
	wantMin := uint64(0.8 * st.FPS * elapsed.Seconds())
	for _, r := range rs {
		if r.SkippedFrames != 0 {
			t.Errorf("reader %s skipped %d frames", r.Remote, r.SkippedFrames)
		}
		if r.Frames < wantMin || r.Bytes == 0 {
			t.Errorf("reader %s: %d frames (%d bytes) in %v, want >= %d", r.Remote, r.Frames, r.Bytes, elapsed, wantMin)
		}
	}
	cancel()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("reader %d: %v", i, err)
		}
		if got[i] < int(wantMin) {
			t.Errorf("reader %d received %d frames, want >= %d", i, got[i], wantMin)
		}
	}
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// isReset tells whether err is a connection reset (the server closed with
// unread data).
func isReset(err error) bool { return strings.Contains(err.Error(), "reset by peer") }

// readMJPEG reads the stream at u, counting frames in *n, until ctx ends.
func readMJPEG(ctx context.Context, u string, n *int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	r := mpjpeg.NewReader(resp.Body, resp.Header.Get("Content-Type"), mpjpeg.Options{})
	for range 1 << 20 {
		if _, err := r.Next(); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		*n++
	}
	return nil
}

// TestHTTPRequests: snapshots decode to the stream's size, ?t= past the end
// is 400, unknown paths 404, methods other than GET/HEAD 405.
func TestHTTPRequests(t *testing.T) {
	media := t.TempDir()
	if err := os.WriteFile(filepath.Join(media, "clip.mjpeg"), testMJPEG(t, 40), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, _ := startServer(t, Config{MediaDir: media, FPS: 20}) // clip: 2 s of 64x48
	base := serveHTTPView(t, srv)
	for _, tc := range []struct {
		name, method, path string
		code               int
		w, h               int // decoded size of a 200's JPEG
	}{
		{"pattern snapshot", http.MethodGet, "/test/snapshot.jpg", 200, 640, 480},
		{"file snapshot", http.MethodGet, "/clip.mjpeg/snapshot.jpg", 200, 64, 48},
		{"file snapshot at t", http.MethodGet, "/clip.mjpeg/snapshot.jpg?t=1.5", 200, 64, 48},
		{"t at the end", http.MethodGet, "/clip.mjpeg/snapshot.jpg?t=2", 400, 0, 0},
		{"t past the end", http.MethodGet, "/clip.mjpeg/snapshot.jpg?t=99", 400, 0, 0},
		{"t not a number", http.MethodGet, "/clip.mjpeg/snapshot.jpg?t=x", 400, 0, 0},
		{"unknown stream", http.MethodGet, "/nothing/stream.mjpeg", 404, 0, 0},
		{"unknown snapshot", http.MethodGet, "/nothing/snapshot.jpg", 404, 0, 0},
		{"unknown suffix", http.MethodGet, "/test/other", 404, 0, 0},
		{"root", http.MethodGet, "/", 404, 0, 0},
		{"POST stream", http.MethodPost, "/test/stream.mjpeg", 405, 0, 0},
		{"POST snapshot", http.MethodPost, "/clip.mjpeg/snapshot.jpg", 405, 0, 0},
		{"DELETE", http.MethodDelete, "/test/snapshot.jpg", 405, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, body)
			}
			if tc.code == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if tc.code != http.StatusOK {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "image/jpeg" {
				t.Errorf("Content-Type %q", ct)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
			if err != nil || format != "jpeg" || cfg.Width != tc.w || cfg.Height != tc.h {
				t.Errorf("decoded %s %dx%d (%v), want jpeg %dx%d", format, cfg.Width, cfg.Height, err, tc.w, tc.h)
			}
		})
	}
}
