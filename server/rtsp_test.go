package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

func TestStatusCodes(t *testing.T) {
	_, addr := startServer(t, Config{})
	u := "rtsp://" + addr
	cases := []struct {
		name    string
		request string
		want    int
	}{
		{"options", "OPTIONS " + u + "/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", 200},
		{"describe", "DESCRIBE " + u + "/test RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n", 200},
		{"unknown stream", "DESCRIBE " + u + "/nope RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404},
		{"dot dot", "DESCRIBE " + u + "/../etc/passwd RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404},
		{"dot dot in stream", "DESCRIBE " + u + "/x/../test RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404},
		{"percent dot dot", "DESCRIBE " + u + "/%2e%2e/%2e%2e/etc/passwd RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404},
		{"encoded slash", "DESCRIBE " + u + "/..%2fetc%2fpasswd RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404},
		{"absolute path lab", "DESCRIBE /etc/passwd RTSP/1.0\r\nCSeq: 1\r\n\r\n", 404},
		{"play no session", "PLAY " + u + "/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", 455},
		{"pause no session", "PAUSE " + u + "/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", 455},
		{"play unknown session", "PLAY " + u + "/test RTSP/1.0\r\nCSeq: 1\r\nSession: 12345678\r\n\r\n", 454},
		{"get_parameter unknown session", "GET_PARAMETER " + u + "/test RTSP/1.0\r\nCSeq: 1\r\nSession: 1\r\n\r\n", 454},
		{"unknown method", "FROB " + u + "/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", 501},
		{"record without a session", "RECORD " + u + "/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", 455},
		{"version", "OPTIONS " + u + "/test RTSP/2.0\r\nCSeq: 1\r\n\r\n", 505},
		{"no transport", "SETUP " + u + "/test/stream=0 RTSP/1.0\r\nCSeq: 1\r\n\r\n", 461},
		{"multicast", "SETUP " + u + "/test/stream=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;multicast;port=5000-5001\r\n\r\n", 461},
		{"third-party destination", "SETUP " + u + "/test/stream=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;destination=192.0.2.7;client_port=5000-5001\r\n\r\n", 461},
		{"no client port", "SETUP " + u + "/test/stream=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast\r\n\r\n", 461},
		{"setup unknown stream", "SETUP " + u + "/nope/stream=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n", 404},
		{"setup unknown session", "SETUP " + u + "/test/stream=0 RTSP/1.0\r\nCSeq: 1\r\nSession: 999\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n", 454},
		{"garbage", "HELLO\r\n\r\n", 400},
		{"bad url", "DESCRIBE http://x/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400},
		{"huge header", "OPTIONS " + u + "/test RTSP/1.0\r\nCSeq: 1\r\nX-Pad: " + strings.Repeat("a", 70000) + "\r\n\r\n", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialCtl(t, addr)
			resp := c.raw(tc.request)
			wantStatus(t, tc.name, resp, tc.want)
			if tc.want != 400 && resp.Header.Get("CSeq") != "1" {
				t.Errorf("CSeq not echoed: %q", resp.Header.Get("CSeq"))
			}
			if resp.Header.Get("Date") == "" || resp.Header.Get("Server") == "" {
				t.Errorf("missing Date or Server header: %v", resp.Header)
			}
		})
	}
	// The server keeps serving after all of that.
	c := dialCtl(t, addr)
	wantStatus(t, "options after abuse", c.do("OPTIONS", c.url("/test")), 200)
}

func TestDescribe(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dialCtl(t, addr)
	resp := c.do("OPTIONS", c.url("/test"))
	if pub := resp.Header.Get("Public"); !strings.Contains(pub, "GET_PARAMETER") || !strings.Contains(pub, "SETUP") {
		t.Errorf("Public = %q", pub)
	}
	resp = c.do("DESCRIBE", c.url("/test"), "Accept: application/sdp")
	wantStatus(t, "DESCRIBE", resp, 200)
	if got, want := resp.Header.Get("Content-Base"), c.url("/test/"); got != want {
		t.Errorf("Content-Base = %q, want %q", got, want)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/sdp" {
		t.Errorf("Content-Type = %q", got)
	}
	body := string(resp.Body)
	for _, want := range []string{"v=0\r\n", "m=video 0 RTP/AVP 26\r\n", "a=rtpmap:26 JPEG/90000\r\n", "a=control:stream=0\r\n", "a=control:*\r\n", "a=range:npt=0-\r\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("SDP lacks %q:\n%s", want, body)
		}
	}
	wantStatus(t, "DESCRIBE without Accept sdp", c.do("DESCRIBE", c.url("/test"), "Accept: text/html"), 406)
}

func TestStateMachine(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dialCtl(t, addr)
	rtpc, _ := udpPorts(t)
	tr := fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", port(rtpc), port(rtpc)+1)
	resp := c.do("SETUP", c.url("/test/stream=0"), tr)
	wantStatus(t, "SETUP", resp, 200)
	id := sessionOf(t, resp)
	if len(id) < 16 {
		t.Errorf("session id %q: want >= 64 random bits", id)
	}
	sh := resp.Header.Get("Session")
	if !strings.Contains(sh, ";timeout=60") {
		t.Errorf("Session header %q lacks ;timeout=60", sh)
	}
	trs, err := rtsp.ParseTransports(resp.Header.Get("Transport"))
	if err != nil || len(trs) != 1 || !trs[0].ServerPort.Set || !trs[0].HasSSRC || trs[0].ClientPort.Lo != port(rtpc) {
		t.Fatalf("SETUP Transport %q: %+v %v", resp.Header.Get("Transport"), trs, err)
	}
	sess := "Session: " + id
	wantStatus(t, "PAUSE in Ready", c.do("PAUSE", c.url("/test/"), sess), 455)
	resp = c.do("PLAY", c.url("/test/"), sess, "Range: npt=0.000-")
	wantStatus(t, "PLAY", resp, 200)
	info, err := rtsp.ParseRTPInfo(resp.Header.Get("RTP-Info"))
	if err != nil || len(info) != 1 || !info[0].HasSeq || !info[0].HasRTPTime || !strings.HasSuffix(info[0].URL, "/test/stream=0") {
		t.Fatalf("RTP-Info %q: %+v %v", resp.Header.Get("RTP-Info"), info, err)
	}
	if resp.Header.Get("Range") == "" {
		t.Error("PLAY response lacks Range")
	}
	wantStatus(t, "PLAY while playing", c.do("PLAY", c.url("/test/"), sess), 200)
	wantStatus(t, "SETUP while playing", c.do("SETUP", c.url("/test/stream=0"), sess, tr), 455)
	wantStatus(t, "GET_PARAMETER", c.do("GET_PARAMETER", c.url("/test/"), sess), 200)
	wantStatus(t, "PAUSE", c.do("PAUSE", c.url("/test/"), sess), 200)
	wantStatus(t, "PAUSE again", c.do("PAUSE", c.url("/test/"), sess), 455)
	wantStatus(t, "TEARDOWN", c.do("TEARDOWN", c.url("/test/"), sess), 200)
	wantStatus(t, "PLAY after TEARDOWN", c.do("PLAY", c.url("/test/"), sess), 454)
}

func TestIdleConnectionClosed(t *testing.T) {
	_, addr := startServer(t, Config{ReadTimeout: 300 * time.Millisecond})
	for _, send := range []string{"", "OPTIONS rtsp://x/test RTSP/1.0\r\nCSe"} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if send != "" {
			nc.Write([]byte(send))
		}
		start := time.Now()
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = io.ReadAll(nc)
		nc.Close()
		if err != nil {
			t.Fatalf("%q: connection not closed by the server: %v", send, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%q: closed after %v, want about the 300ms read timeout", send, d)
		}
	}
}

func TestSessionTimeout(t *testing.T) {
	srv, addr := startServer(t, Config{SessionTimeout: 400 * time.Millisecond, ReadTimeout: 5 * time.Second})
	c := dialCtl(t, addr)
	resp := c.do("SETUP", c.url("/test/stream=0"), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	wantStatus(t, "SETUP", resp, 200)
	id := sessionOf(t, resp)
	deadline := time.Now().Add(5 * time.Second)
	for srv.session(id) != nil {
		if time.Now().After(deadline) {
			t.Fatal("session did not time out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConnectionCloseEndsSessions(t *testing.T) {
	srv, addr := startServer(t, Config{})
	c := dialCtl(t, addr)
	rtpc, _ := udpPorts(t)
	resp := c.do("SETUP", c.url("/test/stream=0"), fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", port(rtpc), port(rtpc)+1))
	id := sessionOf(t, resp)
	wantStatus(t, "PLAY", c.do("PLAY", c.url("/test/"), "Session: "+id), 200)
	c.nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for srv.session(id) != nil {
		if time.Now().After(deadline) {
			t.Fatal("session outlived its connection")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSymlinkOutsideMediaNotServed(t *testing.T) {
	outside := t.TempDir()
	media := t.TempDir()
	secret := filepath.Join(outside, "secret.mjpeg")
	if err := os.WriteFile(secret, testMJPEG(t, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(media, "ok.mjpeg"), testMJPEG(t, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(media, "escape.mjpeg")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	srv, addr := startServer(t, Config{MediaDir: media})
	names := strings.Join(srv.Streams(), " ")
	if names != "/ok.mjpeg /test" {
		t.Errorf("streams = %q, want only /ok.mjpeg and /test", names)
	}
	c := dialCtl(t, addr)
	wantStatus(t, "symlink escape", c.do("DESCRIBE", c.url("/escape.mjpeg")), 404)
	wantStatus(t, "served file", c.do("DESCRIBE", c.url("/ok.mjpeg")), 200)
}

func TestAuth(t *testing.T) {
	_, addr := startServer(t, Config{Credentials: &rtsp.Credentials{Username: "alice", Password: "s3cret"},
		AuthSchemes: []string{SchemeBasic, SchemeDigest}})
	c := dialCtl(t, addr)
	wantStatus(t, "OPTIONS needs no auth", c.do("OPTIONS", c.url("/test")), 200)
	resp := c.do("DESCRIBE", c.url("/test"))
	wantStatus(t, "DESCRIBE without credentials", resp, 401)
	chs, err := rtsp.ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	if err != nil || len(chs) < 2 {
		t.Fatalf("challenges %v: %v", resp.Header.Values("WWW-Authenticate"), err)
	}
	var digest, basic rtsp.Challenge
	for _, ch := range chs {
		switch strings.ToLower(ch.Scheme) {
		case "digest":
			digest = ch
		case "basic":
			basic = ch
		}
	}
	if len(digest.QOP) == 0 || digest.QOP[0] != "auth" {
		t.Errorf("Digest challenge without qop=auth: %+v", digest)
	}
	good := rtsp.Credentials{Username: "alice", Password: "s3cret"}
	bad := rtsp.Credentials{Username: "alice", Password: "nope"}
	for _, tc := range []struct {
		name string
		ch   rtsp.Challenge
		cred rtsp.Credentials
		want int
	}{
		{"digest good", digest, good, 200},
		{"digest bad", digest, bad, 401},
		{"basic good", basic, good, 200},
		{"basic bad", basic, bad, 401},
	} {
		u := c.url("/test")
		h, err := tc.ch.Authorize(tc.cred, "DESCRIBE", u, 1, "0a4f113b")
		if err != nil {
			t.Fatalf("%s: Authorize: %v", tc.name, err)
		}
		wantStatus(t, tc.name, c.do("DESCRIBE", u, "Authorization: "+h), tc.want)
	}
}

func TestMaxConns(t *testing.T) {
	_, addr := startServer(t, Config{MaxConns: 1})
	c := dialCtl(t, addr)
	wantStatus(t, "first", c.do("OPTIONS", c.url("/test")), 200)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = nc.Read(make([]byte, 1))
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("second connection over MaxConns not closed: %v", err)
	}
}
