package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
)

// writeClip writes a raw MJPEG of n small test-pattern frames to path.
func writeClip(t *testing.T, path string, n int) {
	t.Helper()
	p, err := mjpeg.NewPattern(64, 48, 30, 80, n)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for i := range n {
		b.Write(p.Frame(i))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// describe sends one DESCRIBE of url (rtsp://HOST:PORT/PATH) and returns
// the status and the SDP.
func describe(t *testing.T, url string) (int, string) {
	t.Helper()
	host := strings.SplitN(strings.TrimPrefix(url, "rtsp://"), "/", 2)[0]
	nc, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(nc, "DESCRIBE %s RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n", url); err != nil {
		t.Fatal(err)
	}
	m, err := rtsp.NewReader(nc, rtsp.Limits{}).Read()
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := m.(*rtsp.Response)
	if !ok {
		t.Fatalf("DESCRIBE answered with %T", m)
	}
	return resp.StatusCode, string(resp.Body)
}

// TestServeConfigFiles: serve --config with files: describes a file at
// its own frame rate, warns about a name matching no file, and after a
// reload gives a file added later the reloaded settings while the file
// already served keeps its own until it is touched.
func TestServeConfigFiles(t *testing.T) {
	media := t.TempDir()
	writeClip(t, filepath.Join(media, "clip.mjpeg"), 10)
	conf := filepath.Join(t.TempDir(), "rtpstream.yaml")
	write := func(files string) {
		body := fmt.Sprintf("listen: \"127.0.0.1:0\"\nmedia: %q\nfps: 20\nfiles:\n%s", media, files)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("  clip.mjpeg: {fps: 10, loop: false}\n  missing.mjpeg: {fps: 5}\n")
	stdout, stderr, reload := serveInProcess(t, "--config", conf, "--cache-dir", "-")
	line, ok := stdout.WaitLine(10*time.Second, "stream ", "/clip.mjpeg")
	if !ok {
		t.Fatalf("no stream line for clip.mjpeg:\n%s\n%s", stdout.String(), stderr.String())
	}
	clip := streamURL(line)
	if code, sdp := describe(t, clip); code != 200 || !strings.Contains(sdp, "a=framerate:10\r\n") ||
		!strings.Contains(sdp, "a=range:npt=0-1.000\r\n") {
		t.Errorf("DESCRIBE clip.mjpeg: %d\n%s", code, sdp)
	}
	if _, ok := stderr.WaitLine(0, "level=WARN", "no media file", "/missing.mjpeg"); !ok {
		t.Errorf("no warning for missing.mjpeg:\n%s", stderr.String())
	}

	write("  clip.mjpeg: {fps: 25}\n  late.mjpeg: {fps: 4}\n")
	reload <- struct{}{}
	if _, ok := stderr.WaitLine(5*time.Second, "configuration reloaded"); !ok {
		t.Fatalf("reload not logged:\n%s", stderr.String())
	}
	writeClip(t, filepath.Join(media, "late.mjpeg"), 6)
	late := strings.TrimSuffix(clip, "clip.mjpeg") + "late.mjpeg"
	var sdp string
	testenv.WaitFor(t, 10*time.Second, "late.mjpeg served", func() bool {
		var code int
		code, sdp = describe(t, late)
		return code == 200
	})
	if !strings.Contains(sdp, "a=framerate:4\r\n") || !strings.Contains(sdp, "a=range:npt=0-1.500\r\n") {
		t.Errorf("DESCRIBE late.mjpeg after the reload:\n%s", sdp)
	}
	if _, sdp := describe(t, clip); !strings.Contains(sdp, "a=framerate:10\r\n") {
		t.Errorf("clip.mjpeg, made before the reload, changed:\n%s", sdp)
	}
	// Touched, the file gets a new stream, with the reloaded settings.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(media, "clip.mjpeg"), later, later); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "clip.mjpeg at 25 fps after a touch", func() bool {
		_, sdp := describe(t, clip)
		return strings.Contains(sdp, "a=framerate:25\r\n")
	})
}
