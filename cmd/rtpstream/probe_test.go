package main

import (
	"strings"
	"testing"

	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
)

// TestProbeURL: OPTIONS + DESCRIBE, the SDP as received, then one summary
// line (codec, payload type, clock rate, frame rate, range, control).
func TestProbeURL(t *testing.T) {
	src, _ := recSources(t, false)
	addr := recServer(t, src, server.Config{})
	code, stdout, stderr := recRun(t, "probe", "rtsp://"+addr+"/v.mjpeg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if !strings.HasPrefix(lines[0], "v=0") || !strings.Contains(stdout, "m=video 0 RTP/AVP 26") {
		t.Fatalf("no SDP in %q", stdout)
	}
	sum := lines[len(lines)-1]
	for _, want := range []string{"rtsp://" + addr + "/v.mjpeg: video JPEG/90000 pt=26", "framerate=60", "range=npt=0-", "control=rtsp://" + addr + "/v.mjpeg/stream=0"} {
		if !strings.Contains(sum, want) {
			t.Fatalf("summary %q lacks %q", sum, want)
		}
	}
}

func TestProbeURLErrors(t *testing.T) {
	notFound := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
		return clienttest.Answer(rtsp.StatusNotFound)
	})
	silent := clienttest.Silent(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{notFound.URL("/x")}, 1, "404 Not Found"},
		{[]string{silent.URL("/x"), "--timeout", "300ms"}, 1, "--lab"},
		{[]string{}, 2, "want exactly one"},
	} {
		code, _, stderr := recRun(t, append([]string{"probe"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("probe %q: exit %d, %q", tc.args, code, stderr)
		}
	}
}
