package rtsp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"testing/iotest"
)

// Seeds shared by f.Add and the committed corpus under testdata/fuzz
// (regenerate with RTPSTREAM_WRITE_CORPUS=1 go test -run TestWriteFuzzCorpus).
var (
	readerSeeds = []string{
		ffmpegSetup,
		labRequests[0],
		labRequests[1] + "\n" + labRequests[2],
		"OPTIONS rtsp://h/test RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n\r\n",
		"DESCRIBE rtsp://h/test RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\n\r\n",
		"PLAY rtsp://h/test/ RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 4\r\nSession: 1234ABCD\r\n\r\n",
		"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://h/test/\r\nContent-Type: application/sdp\r\nContent-Length: 14\r\n\r\nv=0\r\ns=x\r\nt=0 0",
		"RTSP/1.0 200 OK\nCSeq: 1\r\nSession: 837388",
		"\r\n\r\n$\x00\x00\x04\x80\x1a\x00\x01$\x01\x00\x00",
		"OPTIONS * RTSP/2.0\r\nCSeq: 5\r\n\r\n",
		"GET_PARAMETER rtsp://h/ RTSP/1.0\r\nX: a\r\n b\r\n\tc\r\nCSeq: 9\r\n\r\n",
		"ANNOUNCE rtsp://h/ RTSP/1.0\r\nContent-Length: 99999999999\r\n\r\n",
		"$\xff\xff\xff",
	}
	transportSeeds = []string{
		"RTP/UDP; client_port= 25000",
		"RTP/AVP/UDP;unicast;client_port=27488-27489",
		"RTP/AVP/TCP;unicast;interleaved=0-1",
		"RTP/AVP;unicast;client_port=5000-5001",
		`RTP/AVP;unicast;client_port=27488-27489;server_port=6970-6971;ssrc=0A1B2C3D;mode="PLAY"`,
		`rtp/avp;multicast;destination="224.2.0.1";ttl=16;mode=play, RTP/AVP/TCP;interleaved=2-3;mode="PLAY,RECORD"`,
		`RTP/AVP;destination=" a;b ";mode=" x"`,
	}
	rangeSeeds = []string{
		"npt=0.000-", "npt=now-", "npt=10-20", "npt=00:01:02.5-", "npt=0-25.000;time=19970123T143720Z",
		"clock=19961108T142300Z-", "smpte=10:07:00-", "npt=-5", "npt=99999999999.999999999999-",
	}
	sessionSeeds = []string{"837388", "12345678;timeout=60", " abc ; timeout = 5 ;x=y", "a;timeout=999999999"}
	rtpInfoSeeds = []string{
		"url=rtsp://h/test/stream=0;seq=5000;rtptime=123456789",
		`url="rtsp://h/a;b=1";seq=65535, url=rtsp://h/v;rtptime=4294967295;ssrc=1234`,
	}
	authSeeds = []string{
		fold(rfc2617Challenge), fold(rfc2617Authorization), fold(rfc7616ChallengeSHA), fold(rfc7616AuthorizationSHA),
		`Basic realm="rtpstream"`, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		`Digest realm="a, b \"q\"", nonce="n1", stale=true, algorithm=MD5-sess, Basic realm="x"`,
		`Negotiate, NTLM abc+/==, basic realm=y,digest nonce=n2`,
		`Digest username="u", realm="r", nonce="n", uri="*", response="0123", algorithm=SHA-256-sess, qop=auth, nc=00000001, cnonce="c"`,
	}
)

func FuzzReader(f *testing.F) {
	for _, s := range readerSeeds {
		f.Add([]byte(s))
	}
	// Limits below the defaults, so that a re-marshalled message (which may
	// grow by a space per header line) still fits ParseRequest's defaults.
	lim := Limits{MaxLineBytes: 1024, MaxHeaderBytes: 2048, MaxHeaders: 32, MaxBodyBytes: 4096, MaxFrameBytes: 2048}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The first byte picks how the bytes arrive: all at once, in halves
		// or one at a time (the lab end-of-segment rule depends on it).
		var src io.Reader = bytes.NewReader(data)
		if len(data) > 0 {
			switch data[0] % 4 {
			case 1:
				src = iotest.HalfReader(src)
			case 2:
				src = iotest.OneByteReader(src)
			}
		}
		r := NewReader(src, lim)
		for i := 0; i < 1000; i++ {
			m, err := r.Read()
			if err != nil && !errors.Is(err, ErrBadVersion) && !errors.Is(err, ErrFrameTooLarge) {
				return
			}
			switch m := m.(type) {
			case *Request:
				checkRequestRoundTrip(t, m)
			case *Response:
				checkResponseRoundTrip(t, m)
			case *Frame:
				if len(m.Payload) > lim.MaxFrameBytes {
					t.Fatalf("frame of %d bytes", len(m.Payload))
				}
			}
		}
	})
}

// withoutContentLength drops Content-Length, which Marshal rewrites.
func withoutContentLength(h Header) Header {
	h = h.Clone()
	h.Del("Content-Length")
	return h
}

func checkRequestRoundTrip(t *testing.T, want *Request) {
	t.Helper()
	wire := want.Marshal()
	got, err := ParseRequest(wire)
	if err != nil && !errors.Is(err, ErrBadVersion) {
		t.Fatalf("re-parse of %q: %v", wire, err)
	}
	if got.Method != want.Method || got.URL != want.URL || got.Proto != want.Proto || got.Lab != want.Lab ||
		!bytes.Equal(got.Body, want.Body) ||
		!reflect.DeepEqual(withoutContentLength(got.Header), withoutContentLength(want.Header)) {
		t.Fatalf("round trip of %q:\ngot  %#v\nwant %#v", wire, got, want)
	}
}

func checkResponseRoundTrip(t *testing.T, want *Response) {
	t.Helper()
	wire := want.Marshal()
	got, err := ParseResponse(wire)
	if err != nil && !errors.Is(err, ErrBadVersion) {
		t.Fatalf("re-parse of %q: %v", wire, err)
	}
	reason := want.Reason
	if reason == "" {
		reason = StatusText(want.StatusCode)
	}
	if got.Proto != want.Proto || got.StatusCode != want.StatusCode || got.Reason != reason ||
		!bytes.Equal(got.Body, want.Body) ||
		!reflect.DeepEqual(withoutContentLength(got.Header), withoutContentLength(want.Header)) {
		t.Fatalf("round trip of %q:\ngot  %#v\nwant %#v", wire, got, want)
	}
}

func FuzzParseTransports(f *testing.F) {
	for _, s := range transportSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTransports(s)
		if err != nil {
			return
		}
		for i := range ts {
			ts[i].Raw = ""
		}
		again, err := ParseTransports(FormatTransports(ts))
		if err != nil {
			t.Fatalf("%q -> %q: %v", s, FormatTransports(ts), err)
		}
		for i := range again {
			again[i].Raw = ""
		}
		if !reflect.DeepEqual(again, ts) {
			t.Fatalf("%q -> %q:\ngot  %+v\nwant %+v", s, FormatTransports(ts), again, ts)
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range rangeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			return
		}
		if r.Start < 0 || r.End < 0 || (r.HasEnd && r.End < r.Start) {
			t.Fatalf("%q: %+v", s, r)
		}
		// String rounds to milliseconds; from there it is stable.
		s1 := r.String()
		r2, err := ParseRange(s1)
		if err != nil || r2.String() != s1 {
			t.Fatalf("%q -> %q -> %+v %v", s, s1, r2, err)
		}
	})
}

func FuzzParseSession(f *testing.F) {
	for _, s := range sessionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ses, err := ParseSession(s)
		if err != nil {
			return
		}
		again, err := ParseSession(ses.String())
		if err != nil || again != ses {
			t.Fatalf("%q -> %q -> %+v %v", s, ses.String(), again, err)
		}
	})
}

func FuzzParseRTPInfo(f *testing.F) {
	for _, s := range rtpInfoSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := ParseRTPInfo(s)
		if err != nil {
			return
		}
		again, err := ParseRTPInfo(info.String())
		if err != nil || !reflect.DeepEqual(again, info) {
			t.Fatalf("%q -> %q -> %+v %v", s, info.String(), again, err)
		}
	})
}

// FuzzParseAuth feeds the same text to both auth parsers (WWW-Authenticate
// and Authorization), answers any challenge and verifies any credentials.
func FuzzParseAuth(f *testing.F) {
	for _, s := range authSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cred := Credentials{"Mufasa", "Circle of Life"}
		if cs, err := ParseChallenges([]string{s}); err == nil {
			for _, c := range cs {
				again, err := ParseChallenges([]string{c.String()})
				if err != nil || len(again) != 1 || !reflect.DeepEqual(again[0], c) {
					t.Fatalf("%q -> %q -> %+v %v", s, c.String(), again, err)
				}
				if v, err := c.Authorize(cred, "PLAY", "rtsp://h/", 1, "c"); err == nil {
					a, err := ParseAuthorization(v)
					if err != nil || !a.VerifyRequest(cred, "PLAY", "rtsp://h/", c.Realm, c.Nonce) {
						t.Fatalf("%+v: %q does not verify: %v", c, v, err)
					}
				}
			}
		}
		if a, err := ParseAuthorization(s); err == nil {
			again, err := ParseAuthorization(a.String())
			if err != nil || again != a {
				t.Fatalf("%q -> %q -> %+v %v", s, a.String(), again, err)
			}
			_ = a.Verify(cred, "PLAY", a.Realm, a.Nonce)
			if !DigestURIMatches(a.URI, a.URI) {
				t.Fatalf("uri %q does not match itself", a.URI)
			}
			_ = DigestURIMatches(a.URI, "rtsp://h:554/x")
		}
	})
}

// TestWriteFuzzCorpus writes the seeds above as the committed corpus
// (go test fuzz v1 files). It runs only with RTPSTREAM_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("RTPSTREAM_WRITE_CORPUS") != "1" {
		t.Skip("set RTPSTREAM_WRITE_CORPUS=1 to rewrite testdata/fuzz seeds")
	}
	write := func(name, typ string, seeds []string) {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n%s(%s)\n", typ, strconv.Quote(s))
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%02d", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("FuzzReader", "[]byte", readerSeeds)
	write("FuzzParseTransports", "string", transportSeeds)
	write("FuzzParseRange", "string", rangeSeeds)
	write("FuzzParseSession", "string", sessionSeeds)
	write("FuzzParseRTPInfo", "string", rtpInfoSeeds)
	write("FuzzParseAuth", "string", authSeeds)
}
