package client

import (
	"errors"
	"testing"

	"github.com/rtpstream/rtpstream/rtsp"
)

const testSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\na=control:*\r\na=range:npt=0-25.000\r\n" +
	"m=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\na=framerate:30\r\na=control:stream=0\r\n"

// TestParseDescription resolves control URLs against Content-Base,
// Content-Location or the request URL (RFC 2326 C.1.1) and picks the JPEG
// stream.
func TestParseDescription(t *testing.T) {
	for _, tc := range []struct {
		name            string
		hdr             []string
		sdp             string
		control, aggreg string
		pt              int
		rng             string
		err             error
	}{
		{"content-base", []string{"Content-Base", "rtsp://h/test/"}, testSDP, "rtsp://h/test/stream=0", "rtsp://h/test/", 26, "npt=0-25.000", nil},
		{"no content-base", nil, testSDP, "rtsp://h/req/stream=0", "rtsp://h/req", 26, "npt=0-25.000", nil},
		{"content-location", []string{"Content-Location", "rtsp://other/loc/"}, testSDP, "rtsp://other/loc/stream=0", "rtsp://other/loc/", 26, "npt=0-25.000", nil},
		{"absolute media control", []string{"Content-Base", "rtsp://h/test/"},
			"v=0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\na=control:rtsp://cam/track1\r\n", "rtsp://cam/track1", "rtsp://h/test/", 26, "", nil},
		{"no media control", []string{"Content-Base", "rtsp://h/test/"},
			"v=0\r\ns=x\r\nt=0 0\r\na=control:rtsp://h/agg\r\nm=video 0 RTP/AVP 26\r\n", "rtsp://h/agg", "rtsp://h/agg", 26, "", nil},
		{"dynamic pt, LF only, second media", []string{"Content-Base", "rtsp://h/t/"},
			"v=0\ns=x\nt=0 0\nm=audio 0 RTP/AVP 0\na=control:a\nm=video 0 RTP/AVP 96\na=rtpmap:96 jpeg/90000\na=control:v\na=range:npt=now-\n",
			"rtsp://h/t/v", "rtsp://h/t/", 96, "npt=now-", nil},
		{"no jpeg", nil, "v=0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", "", "", 0, "", ErrNoJPEGStream},
		{"html", []string{"Content-Type", "text/html"}, "<html>", "", "", 0, "", ErrProtocol},
		{"not sdp", nil, "hello", "", "", 0, "", ErrProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &rtsp.Response{StatusCode: 200, Body: []byte(tc.sdp)}
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				resp.Header.Add(tc.hdr[i], tc.hdr[i+1])
			}
			d, err := parseDescription("rtsp://h/req", resp)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Control != tc.control || d.AggregateControl != tc.aggreg || d.PayloadType != tc.pt || d.Range != tc.rng ||
				d.ClockRate != 90000 || d.Encoding != "JPEG" {
				t.Fatalf("got control %q aggregate %q pt %d range %q rate %d enc %q", d.Control, d.AggregateControl, d.PayloadType, d.Range, d.ClockRate, d.Encoding)
			}
			if d.Summary() == "" {
				t.Fatal("empty summary")
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in, url, addr, user, lab string
		err                      bool
	}{
		{in: "rtsp://127.0.0.1:8554/test", url: "rtsp://127.0.0.1:8554/test", addr: "127.0.0.1:8554", lab: "test"},
		{in: "rtsp://cam/live/ch1", url: "rtsp://cam/live/ch1", addr: "cam:554", lab: "ch1"},
		{in: "RTSP://u:p%40ss@[::1]:9/movie.Mjpeg", url: "rtsp://[::1]:9/movie.Mjpeg", addr: "[::1]:9", user: "u:p@ss", lab: "movie.Mjpeg"},
		{in: "http://h/x", err: true},
		{in: "rtsp:///x", err: true},
		{in: "rtsp://h/%zz", err: true},
	} {
		tg, err := parseURL(tc.in)
		if tc.err {
			if !errors.Is(err, ErrBadURL) {
				t.Errorf("%s: error %v", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		user := ""
		if tg.cred != nil {
			user = tg.cred.Username + ":" + tg.cred.Password
		}
		lab, _ := tg.labFile()
		if tg.String() != tc.url || tg.addr != tc.addr || user != tc.user || lab != tc.lab {
			t.Errorf("%s: url %q addr %q user %q lab %q", tc.in, tg.String(), tg.addr, user, lab)
		}
	}
	tg, _ := parseURL("rtsp://h:1/a/b")
	if n, err := tg.resolve("../c"); err != nil || n.String() != "rtsp://h:1/c" {
		t.Errorf("resolve: %v %v", n.String(), err)
	}
	if _, err := (target{u: tg.u}).labFile(); err != nil {
		t.Error(err)
	}
	root, _ := parseURL("rtsp://h/")
	if _, err := root.labFile(); !errors.Is(err, ErrBadURL) {
		t.Errorf("lab file of rtsp://h/: %v", err)
	}
}
