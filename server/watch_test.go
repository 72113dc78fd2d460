package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtsp"
)

// serveWatched runs a server on dir like startServer, with the watcher
// tuned by wc (set before Serve starts it), logging into logs.
func serveWatched(t *testing.T, dir string, wc watchConfig, logs *logBuffer) (*Server, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, Config{MediaDir: dir, CacheDir: t.TempDir(), PatternFrames: 2, Logger: logs.logger()})
	if err != nil {
		cancel()
		t.Fatalf("New: %v", err)
	}
	srv.watch = wc
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		cancel()
		t.Fatalf("Listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, srv.Addr().String()
}

// describeStatus sends DESCRIBE for path on a new connection and returns
// the status and the SDP.
func describeStatus(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	c := dialCtl(t, addr)
	resp := c.do("DESCRIBE", c.url(path))
	c.nc.Close()
	return resp.StatusCode, string(resp.Body)
}

// waitDescribe waits up to d for DESCRIBE of path to answer code (and an
// SDP containing want, if not empty).
func waitDescribe(t *testing.T, addr, path string, code int, want string, d time.Duration) {
	t.Helper()
	var got int
	var sdp string
	ok := testenv.Poll(d, func() bool {
		got, sdp = describeStatus(t, addr, path)
		return got == code && strings.Contains(sdp, want)
	})
	if !ok {
		t.Fatalf("DESCRIBE %s: %d, want %d with %q within %v; SDP:\n%s", path, got, code, want, d, sdp)
	}
}

// fileReader is a test client playing one stream: packets counts its RTP
// packets, bye is closed at an RTCP BYE.
type fileReader struct {
	packets atomic.Int64
	bye     chan struct{}
}

// playStream plays path over TCP (interleaved) or UDP until the test ends.
func playStream(t *testing.T, addr, path string, tcp bool) *fileReader {
	t.Helper()
	c := dialCtl(t, addr)
	fr := &fileReader{bye: make(chan struct{})}
	var rtpc, rtcpc *net.UDPConn
	tr := "RTP/AVP/TCP;unicast;interleaved=0-1"
	if !tcp {
		rtpc, rtcpc = udpPorts(t)
		tr = fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port(rtpc), port(rtcpc))
	}
	resp := c.do("SETUP", c.url(path)+"/"+trackControl, "Transport: "+tr)
	wantStatus(t, "SETUP "+path, resp, 200)
	resp = c.do("PLAY", c.url(path), "Session: "+sessionOf(t, resp))
	wantStatus(t, "PLAY "+path, resp, 200)
	deadline := time.Now().Add(20 * time.Second)
	if tcp {
		go func() {
			_ = c.nc.SetReadDeadline(deadline)
			for {
				m, err := c.r.Read()
				if err != nil {
					return
				}
				if f, ok := m.(*rtsp.Frame); ok && f.Channel == 0 {
					fr.packets.Add(1)
				} else if ok && f.Channel == 1 && hasBye(f.Payload) {
					close(fr.bye)
					return
				}
			}
		}()
		return fr
	}
	go func() {
		buf := make([]byte, 2048)
		_ = rtpc.SetReadDeadline(deadline)
		for {
			if _, err := rtpc.Read(buf); err != nil {
				return
			}
			fr.packets.Add(1)
		}
	}()
	go func() {
		buf := make([]byte, 2048)
		_ = rtcpc.SetReadDeadline(deadline)
		for {
			n, err := rtcpc.Read(buf)
			if err != nil {
				return
			}
			if hasBye(buf[:n]) {
				close(fr.bye)
				return
			}
		}
	}()
	return fr
}

// waitBye waits up to d for the reader's BYE.
func (fr *fileReader) waitBye(t *testing.T, what string, d time.Duration) {
	t.Helper()
	select {
	case <-fr.bye:
	case <-time.After(d):
		t.Fatalf("%s: no RTCP BYE within %v", what, d)
	}
}

// waitPackets waits up to d for the reader to have more than n packets.
func (fr *fileReader) waitPackets(t *testing.T, what string, n int64, d time.Duration) {
	t.Helper()
	testenv.WaitFor(t, d, what, func() bool { return fr.packets.Load() > n })
}

// isOpen reports whether the catalog has the file stream name opened.
func isOpen(srv *Server, name string) bool {
	srv.cat.mu.RLock()
	defer srv.cat.mu.RUnlock()
	return slices.ContainsFunc(srv.cat.open, func(st *Stream) bool { return st.Name == name })
}

// copyIn writes b to path the way a copy does: first half, a pause
// (the watcher must not index a half-written file), then the rest.
func copyIn(t *testing.T, path string, b []byte, pause time.Duration) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b[:len(b)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(pause) // a slow copy, the behaviour under test; not synchronisation
	if _, err := f.Write(b[len(b)/2:]); err != nil {
		t.Fatal(err)
	}
}

// TestWatchAddRemove is acceptance 6: a file copied into the media folder
// while serving is playable within 2 s (and indexed whole, not
// half-written); removed, its UDP and TCP sessions get BYE and DESCRIBE
// gets 404, while the other file plays on.
func TestWatchAddRemove(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.mjpeg"), testMJPEG(t, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	srv, addr := serveWatched(t, dir, watchConfig{}, &logs)
	if code, _ := describeStatus(t, addr, "/b.mjpeg"); code != 404 {
		t.Fatalf("DESCRIBE /b.mjpeg before the copy: %d", code)
	}
	start := time.Now()
	copyIn(t, filepath.Join(dir, "b.mjpeg"), testMJPEG(t, 6), 100*time.Millisecond)
	// 6 frames at 20 fps (the default): the whole file, not the half written first.
	waitDescribe(t, addr, "/b.mjpeg", 200, "a=range:npt=0-0.300", 2*time.Second)
	t.Logf("copied file playable %v after the copy began", time.Since(start).Round(time.Millisecond))
	if n := len(logs.lines("media added", "/b.mjpeg")); n != 1 {
		t.Errorf("%d 'media added' lines, want 1:\n%s", n, logs.String())
	}

	udp := playStream(t, addr, "/b.mjpeg", false)
	tcp := playStream(t, addr, "/b.mjpeg", true)
	other := playStream(t, addr, "/a.mjpeg", false)
	udp.waitPackets(t, "UDP RTP of /b.mjpeg", 0, 5*time.Second)
	tcp.waitPackets(t, "TCP RTP of /b.mjpeg", 0, 5*time.Second)
	if !isOpen(srv, "/b.mjpeg") {
		t.Fatal("/b.mjpeg playing but not among the opened files")
	}
	if err := os.Remove(filepath.Join(dir, "b.mjpeg")); err != nil {
		t.Fatal(err)
	}
	udp.waitBye(t, "UDP session of the removed file", 3*time.Second)
	tcp.waitBye(t, "TCP session of the removed file", 3*time.Second)
	if code, _ := describeStatus(t, addr, "/b.mjpeg"); code != 404 {
		t.Errorf("DESCRIBE of the removed file: %d, want 404", code)
	}
	n := other.packets.Load()
	other.waitPackets(t, "/a.mjpeg playing on", n, 5*time.Second)
	select {
	case <-other.bye:
		t.Error("the other file's session got BYE")
	default:
	}
	// Its file is closed once its readers are gone.
	testenv.WaitFor(t, 5*time.Second, "the removed file closed", func() bool { return !isOpen(srv, "/b.mjpeg") })
	if n := len(logs.lines("media removed", "/b.mjpeg")); n != 1 {
		t.Errorf("%d 'media removed' lines, want 1:\n%s", n, logs.String())
	}
}

// TestWatchChange: a file rewritten with other frames is re-indexed (the
// new frame count is in the SDP) and the session playing the old content
// ends with BYE.
func TestWatchChange(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.mjpeg")
	if err := os.WriteFile(file, testMJPEG(t, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	_, addr := serveWatched(t, dir, watchConfig{}, &logs)
	waitDescribe(t, addr, "/a.mjpeg", 200, "a=range:npt=0-0.150", time.Second)
	r := playStream(t, addr, "/a.mjpeg", false)
	r.waitPackets(t, "RTP of /a.mjpeg", 0, 5*time.Second)
	if err := os.WriteFile(file, testMJPEG(t, 5), 0o644); err != nil {
		t.Fatal(err)
	}
	waitDescribe(t, addr, "/a.mjpeg", 200, "a=range:npt=0-0.250", 2*time.Second)
	r.waitBye(t, "session of the changed file", 3*time.Second)
	if n := len(logs.lines("media changed", "/a.mjpeg")); n != 1 {
		t.Errorf("%d 'media changed' lines, want 1:\n%s", n, logs.String())
	}
}

// writeJPEGs writes n small JPEG files into dir, named from first on.
func writeJPEGs(t *testing.T, dir string, first, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.jpg", first+i)), testMJPEG(t, 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWatchJPEGFolder: a folder of JPEGs is a stream of its frames in
// name order, beside the frame files in it; a JPEG added to it is one
// more frame for new readers, while a session already playing goes on
// without BYE; ffmpeg decodes it.
func TestWatchJPEGFolder(t *testing.T) {
	dir := t.TempDir()
	tl := filepath.Join(dir, "timelapse")
	writeJPEGs(t, tl, 0, 3)
	if err := os.WriteFile(filepath.Join(tl, "clip.mjpeg"), testMJPEG(t, 2), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	_, addr := serveWatched(t, dir, watchConfig{}, &logs)
	waitDescribe(t, addr, "/timelapse", 200, "a=range:npt=0-0.150", time.Second)
	waitDescribe(t, addr, "/timelapse/clip.mjpeg", 200, "a=range:npt=0-0.100", time.Second)
	r := playStream(t, addr, "/timelapse", false)
	r.waitPackets(t, "RTP of /timelapse", 0, 5*time.Second)

	writeJPEGs(t, tl, 3, 1)
	waitDescribe(t, addr, "/timelapse", 200, "a=range:npt=0-0.200", 2*time.Second)
	n := r.packets.Load()
	r.waitPackets(t, "the playing session going on", n, 5*time.Second)
	select {
	case <-r.bye:
		t.Fatal("a frame added to the folder ended the playing session")
	default:
	}

	bin := testenv.LookPeer(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-nostdin", "-v", "error", "-rtsp_transport", "tcp",
		"-i", "rtsp://"+addr+"/timelapse", "-frames:v", "4", "-f", "framecrc", "-")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	frames := 0
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			frames++
		}
	}
	if frames != 4 {
		t.Errorf("ffmpeg decoded %d frames, want 4:\n%s", frames, out)
	}
}

// TestWatchRescanDeletedWhilePlaying: with notifications off (injected)
// the periodic rescan alone sees a file copied in; a file deleted while
// playing goes on from its open descriptor until the rescan sees it
// gone, then its session gets BYE and DESCRIBE 404.
func TestWatchRescanDeletedWhilePlaying(t *testing.T) {
	dir := t.TempDir()
	var logs logBuffer
	_, addr := serveWatched(t, dir, watchConfig{noNotify: true, rescan: 700 * time.Millisecond, settle: 50 * time.Millisecond}, &logs)
	file := filepath.Join(dir, "late.mjpeg")
	if err := os.WriteFile(file, testMJPEG(t, 4), 0o644); err != nil {
		t.Fatal(err)
	}
	waitDescribe(t, addr, "/late.mjpeg", 200, "a=range:npt=0-0.200", 3*time.Second)
	r := playStream(t, addr, "/late.mjpeg", true)
	r.waitPackets(t, "RTP of /late.mjpeg", 0, 5*time.Second)
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	n := r.packets.Load()
	r.waitPackets(t, "frames of the deleted file from its open descriptor", n, 5*time.Second)
	r.waitBye(t, "session of the deleted file", 3*time.Second)
	if code, _ := describeStatus(t, addr, "/late.mjpeg"); code != 404 {
		t.Errorf("DESCRIBE of the deleted file: %d, want 404", code)
	}
	if n := len(logs.lines("level=WARN")); n != 0 {
		t.Errorf("warnings while the deleted file played:\n%s", strings.Join(logs.lines("level=WARN"), "\n"))
	}
}

// TestWatchNewFolders: folders made under the media folder while serving
// are watched (a file written in one is seen well before the 10 s
// rescan), and a folder moved in whole is scanned.
func TestWatchNewFolders(t *testing.T) {
	dir := t.TempDir()
	var logs logBuffer
	_, addr := serveWatched(t, dir, watchConfig{}, &logs)
	deep := filepath.Join(dir, "new", "deeper")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deep, "x.mjpeg"), testMJPEG(t, 2), 0o644); err != nil {
		t.Fatal(err)
	}
	waitDescribe(t, addr, "/new/deeper/x.mjpeg", 200, "a=range:npt=0-0.100", 2*time.Second)

	outside := filepath.Join(t.TempDir(), "moved")
	writeJPEGs(t, outside, 0, 2)
	if err := os.Rename(outside, filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	waitDescribe(t, addr, "/moved", 200, "a=range:npt=0-0.100", 2*time.Second)
	if err := os.RemoveAll(filepath.Join(dir, "new")); err != nil {
		t.Fatal(err)
	}
	waitDescribe(t, addr, "/new/deeper/x.mjpeg", 404, "", 2*time.Second)
}

// TestWatchRemovedEndsHTTPViewers: an HTTP viewer of a removed file is
// ended (its response ends) and the file's feed forgotten.
func TestWatchRemovedEndsHTTPViewers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "v.mjpeg")
	if err := os.WriteFile(file, testMJPEG(t, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	srv, _ := serveWatched(t, dir, watchConfig{}, &logs)
	base := serveHTTPView(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v.mjpeg"+mjpegSuffix, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan struct{})
	ended := make(chan error, 1)
	go func() {
		buf := make([]byte, 4096)
		first := true
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				ended <- err
				return
			}
			if first {
				close(got)
				first = false
			}
		}
	}()
	select {
	case <-got:
	case err := <-ended:
		t.Fatalf("viewer ended before its first bytes: %v", err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		t.Fatal("the removed file's HTTP viewer was not ended within 3 s")
	}
	testenv.WaitFor(t, 5*time.Second, "the feed forgotten", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.feeds) == 0 && len(srv.viewers) == 0
	})
}
