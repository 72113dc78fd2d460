package clienttest

import (
	"bufio"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// StartGst runs the GStreamer reference server
// (../shared/peers/gst_rtsp_server.py, with /usr/bin/python3) on a free
// port with the given extra arguments (e.g. "--source", "frames", "--path",
// GLOB) and returns its URL once it prints READY. The server is stopped at
// Cleanup. Without GStreamer the test skips (fails under
// RTPSTREAM_REQUIRE_PEERS=1).
func StartGst(tb testing.TB, args ...string) string {
	tb.Helper()
	testenv.LookPeer(tb, "gst-launch-1.0")
	python := testenv.LookPeer(tb, "/usr/bin/python3")
	script := testenv.SharedPath(tb, "peers/gst_rtsp_server.py")
	port := FreePort(tb)
	cmd := exec.Command(python, append([]string{script, "--port", strconv.Itoa(port)}, args...)...)
	var stderr testenv.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", script, err)
	}
	ready := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "READY" {
				select {
				case ready <- f[1]:
				default:
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() {
		<-scanned
		exited <- cmd.Wait()
	}()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case u := <-ready:
		return u
	case err := <-exited:
		exited <- err
		tb.Fatalf("gst_rtsp_server.py exited before READY: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		tb.Fatalf("gst_rtsp_server.py not READY after 30 s\n%s", stderr.String())
	}
	return ""
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
