package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

var (
	authGood = rtsp.Credentials{Username: "alice", Password: "s3cret"}
	authBad  = rtsp.Credentials{Username: "alice", Password: "guess"}
)

// dialCtlFrom is dialCtl from a chosen loopback address (127.0.0.2...),
// so that tests can be several clients to the throttle.
func dialCtlFrom(t testing.TB, addr, local string) *ctl {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("dial from %s: %v", local, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &ctl{t: t, nc: nc, r: rtsp.NewReader(nc, rtsp.Limits{}), addr: addr}
}

// digestOf returns the Digest challenge of a 401 response.
func digestOf(t testing.TB, resp *rtsp.Response) rtsp.Challenge {
	t.Helper()
	chs, err := rtsp.ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		t.Fatalf("challenges %q: %v", resp.Header.Values("WWW-Authenticate"), err)
	}
	for _, ch := range chs {
		if ch.Scheme == "Digest" {
			return ch
		}
	}
	t.Fatalf("no Digest challenge in %q", resp.Header.Values("WWW-Authenticate"))
	return rtsp.Challenge{}
}

// authorize answers a challenge for one request.
func authorize(t testing.TB, ch rtsp.Challenge, cred rtsp.Credentials, method, uri string, nc uint32) string {
	t.Helper()
	h, err := ch.Authorize(cred, method, uri, nc, "")
	if err != nil {
		t.Fatal(err)
	}
	return "Authorization: " + h
}

// TestAuthThrottle (issue 13 acceptance 3): wrong Digest passwords from one
// address are answered ever more slowly (serial and parallel attempts
// alike), while the right password from another address gets in at once.
// Before the throttle, one connection got thousands of answers in the
// window below.
func TestAuthThrottle(t *testing.T) {
	srv, addr := startServer(t, Config{Credentials: &authGood})
	const window = 4 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	const attackers = 4
	results := make(chan attackResult, attackers)
	for range attackers {
		c := dialCtlFrom(t, addr, "127.0.0.2")
		go func() {
			results <- attack(ctx, c)
		}()
	}
	// The right password from 127.0.0.1 while 127.0.0.2 is being slowed.
	if !waitFor(3*time.Second, func() bool { return srv.authLimit.addresses() == 1 }) {
		t.Fatal("no failure from the attacker")
	}
	good := dialCtl(t, addr)
	u := good.url("/test")
	ch := digestOf(t, good.do("DESCRIBE", u))
	start := time.Now()
	wantStatus(t, "right password from another address", good.do("DESCRIBE", u, authorize(t, ch, authGood, "DESCRIBE", u, 1)), 200)
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the right password from another address took %v", d)
	}
	var checked, refused int
	for range attackers {
		r := <-results
		if r.err != nil {
			t.Error(r.err)
		}
		checked += r.checked
		refused += r.refused
	}
	// Defaults: 3 at once, then 0.1, 0.2, 0.4, 0.8 s and 1 s each: about
	// 10 checked in 4 s, that is 200 take over 3 minutes (at least 10 s:
	// fewer than 80 in 4 s).
	t.Logf("in %v: %d wrong passwords checked, %d attempts refused unchecked (503)", window, checked, refused)
	if checked > 16 || checked < 3 {
		t.Errorf("%d wrong passwords checked in %v, want about 10", checked, window)
	}
	if n := srv.authFailures.Load(); n != uint64(checked) {
		t.Errorf("auth failures counted %d, checked %d", n, checked)
	}
}

// attackResult is what one attacking connection saw.
type attackResult struct {
	checked, refused int
	err              error
}

// attack sends wrong Digest passwords on c until ctx ends, counting the
// 401s (checked) and 503s (refused unchecked).
func attack(ctx context.Context, c *ctl) (r attackResult) {
	stop := context.AfterFunc(ctx, func() { c.nc.Close() })
	defer stop()
	u := c.url("/test")
	var ch rtsp.Challenge
	for cseq := 1; ctx.Err() == nil && cseq < 100_000; cseq++ {
		req := fmt.Sprintf("DESCRIBE %s RTSP/1.0\r\nCSeq: %d\r\n", u, cseq)
		if ch.Nonce != "" {
			h, err := ch.Authorize(authBad, "DESCRIBE", u, 1, "")
			if err != nil {
				r.err = err
				return r
			}
			req += "Authorization: " + h + "\r\n"
		}
		_ = c.nc.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := c.nc.Write([]byte(req + "\r\n")); err != nil {
			return r // closed at the end of the window
		}
		m, err := c.r.Read()
		if err != nil {
			return r
		}
		resp, ok := m.(*rtsp.Response)
		if !ok {
			continue
		}
		switch {
		case resp.StatusCode == 401:
			if ch.Nonce != "" {
				r.checked++
			}
			cs, err := rtsp.ParseChallenges(resp.Header.Values("WWW-Authenticate"))
			if err != nil || len(cs) == 0 {
				r.err = fmt.Errorf("401 without challenge: %v", err)
				return r
			}
			ch = cs[0]
		case resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "":
			r.refused++
		default:
			r.err = fmt.Errorf("wrong password answered %d", resp.StatusCode)
			return r
		}
	}
	return r
}

// TestAuthReplay: a captured Digest header is refused on another
// connection and, with the same nc, on its own (401 stale=true, so that a
// client that knows the password answers the new nonce at once); the
// next nc on the same connection is good. Before, Digest nonces were
// stateless and the replay got 200.
func TestAuthReplay(t *testing.T) {
	_, addr := startServer(t, Config{Credentials: &authGood})
	a := dialCtl(t, addr)
	u := a.url("/test")
	ch := digestOf(t, a.do("DESCRIBE", u))
	h1 := authorize(t, ch, authGood, "DESCRIBE", u, 1)
	wantStatus(t, "first use", a.do("DESCRIBE", u, h1), 200)

	b := dialCtl(t, addr)
	resp := b.do("DESCRIBE", u, h1)
	wantStatus(t, "replay on another connection", resp, 401)
	if !digestOf(t, resp).Stale {
		t.Error("replay with a right digest: no stale=true")
	}
	resp = a.do("DESCRIBE", u, h1)
	wantStatus(t, "replay of (nonce, nc) on its connection", resp, 401)
	if !digestOf(t, resp).Stale {
		t.Error("replayed nc: no stale=true")
	}
	wantStatus(t, "next nc", a.do("DESCRIBE", u, authorize(t, ch, authGood, "DESCRIBE", u, 2)), 200)
	// A wrong password with another connection's nonce is wrong, not stale.
	resp = b.do("DESCRIBE", u, authorize(t, ch, authBad, "DESCRIBE", u, 3))
	wantStatus(t, "wrong password", resp, 401)
	if digestOf(t, resp).Stale {
		t.Error("wrong password answered stale=true")
	}
}

// TestConnNonces covers what a connection's nonces accept: its own, fresh,
// with nc rising (or without qop); not expired, not unknown.
func TestConnNonces(t *testing.T) {
	var a connAuth
	now := time.Now()
	n := a.issue(now)
	az := func(nonce, qop, nc string) rtsp.Authorization {
		return rtsp.Authorization{Scheme: "Digest", Nonce: nonce, QOP: qop, NC: nc}
	}
	for _, tc := range []struct {
		name string
		az   rtsp.Authorization
		at   time.Duration
		want bool
	}{
		{"first", az(n, "auth", "00000001"), 0, true},
		{"same nc", az(n, "auth", "00000001"), 0, false},
		{"lower nc", az(n, "auth", "00000000"), 0, false},
		{"next nc", az(n, "auth", "00000003"), time.Minute, true},
		{"bad nc", az(n, "auth", "zz"), 0, false},
		{"no qop", az(n, "", ""), 0, true},
		{"no qop again", az(n, "", ""), 0, true},
		{"unknown nonce", az("feed", "auth", "00000009"), 0, false},
		{"expired", az(n, "auth", "00000009"), nonceLifetime + time.Second, false},
	} {
		if got := a.use(tc.az, now.Add(tc.at)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if a.challengeNonce(now, false) != n || a.challengeNonce(now.Add(nonceLifetime/2), false) == n {
		t.Error("a challenge does not reuse the newest nonce while it is young, or reuses an old one")
	}
	if a.challengeNonce(now, true) == n {
		t.Error("a stale answer reuses the nonce")
	}
	for range connNonces {
		a.issue(now)
	}
	if a.use(az(n, "", ""), now) {
		t.Error("a nonce pushed out by newer ones is still good")
	}
}

// TestAuthURI: a Digest header computed for another URL is refused; the
// relative form of the same URL is good. Before, the uri was not compared.
func TestAuthURI(t *testing.T) {
	_, addr := startServer(t, Config{Credentials: &authGood, MediaDir: t.TempDir()})
	c := dialCtl(t, addr)
	u := c.url("/test")
	ch := digestOf(t, c.do("DESCRIBE", u))
	wantStatus(t, "header for another URL", c.do("DESCRIBE", u, authorize(t, ch, authGood, "DESCRIBE", c.url("/other"), 1)), 401)
	wantStatus(t, "relative uri", c.do("DESCRIBE", u, authorize(t, ch, authGood, "DESCRIBE", "/test", 2)), 200)
	wantStatus(t, "absolute uri", c.do("DESCRIBE", u, authorize(t, ch, authGood, "DESCRIBE", u, 3)), 200)
}

// TestAuthBasicOnlyWhenAsked: by default only Digest is offered and Basic
// is refused, for readers and publishers; AuthSchemes basic brings it back.
// Before, Basic was offered and accepted over clear text by default.
func TestAuthBasicOnlyWhenAsked(t *testing.T) {
	pub := rtsp.Credentials{Username: "cam", Password: "pub"}
	basic := func(c rtsp.Credentials) string {
		return "Authorization: " + rtsp.Authorization{Scheme: "Basic", Username: c.Username, BasicPassword: c.Password}.String()
	}
	for _, tc := range []struct {
		name    string
		schemes []string
		want    int
	}{
		{"default", nil, 401},
		{"digest", []string{SchemeDigest}, 401},
		{"basic,digest", []string{SchemeBasic, SchemeDigest}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := startServer(t, Config{Credentials: &authGood, PublishCredentials: &pub, Publish: true, AuthSchemes: tc.schemes})
			c := dialCtl(t, addr)
			resp := c.do("DESCRIBE", c.url("/test"))
			offered := strings.Join(resp.Header.Values("WWW-Authenticate"), " | ")
			if hasBasic := strings.Contains(offered, "Basic"); hasBasic != (tc.want == 200) {
				t.Errorf("offered %q", offered)
			}
			wantStatus(t, "reader with Basic", c.do("DESCRIBE", c.url("/test"), basic(authGood)), tc.want)
			resp = c.do("ANNOUNCE", c.url("/live/cam"), basic(pub), "Content-Type: application/sdp")
			if got := resp.StatusCode == 401; got != (tc.want == 401) {
				t.Errorf("publisher with Basic: %d", resp.StatusCode)
			}
		})
	}
}

// TestAuthFloodLog: a flood of failed logins logs its first failure, then
// one line per interval with the count. Before, every failure was a line.
func TestAuthFloodLog(t *testing.T) {
	var logs logBuffer
	_, addr := startServer(t, Config{Credentials: &authGood, Logger: logs.logger(),
		AuthThrottle: AuthThrottle{FreeFailures: 1000, LogInterval: 300 * time.Millisecond}})
	const attempts = 20
	for _, local := range []string{"127.0.0.2", "127.0.0.3"} {
		c := dialCtlFrom(t, addr, local)
		u := c.url("/test")
		ch := digestOf(t, c.do("DESCRIBE", u))
		for i := range attempts {
			resp := c.do("DESCRIBE", u, authorize(t, ch, authBad, "DESCRIBE", u, uint32(i+1)))
			wantStatus(t, "wrong password", resp, 401)
			ch = digestOf(t, resp)
		}
	}
	if !waitFor(5*time.Second, func() bool { return len(logs.lines("more failed logins")) > 0 }) {
		t.Fatal("no summary line")
	}
	if n := len(logs.lines("authentication failed")); n != 1 {
		t.Errorf("%d single failure lines, want 1:\n%s", n, logs.lines(""))
	}
	if want := fmt.Sprintf("%d more failed logins from 2 addresses", 2*attempts-1); len(logs.lines(want)) != 1 {
		t.Errorf("no %q:\n%s", want, logs.lines(""))
	}
}

// TestAuthLimiter checks the limiter on a made-up clock: the schedule of
// serial and parallel failures, other addresses untouched, the queue
// bound, success, expiry and the address cap.
func TestAuthLimiter(t *testing.T) {
	l := newAuthLimiter(AuthThrottle{MaxAddresses: 3}, slog.New(slog.DiscardHandler))
	defer l.stop()
	t0 := time.Now()
	bad := netip.MustParseAddr("192.0.2.1")
	other := netip.MustParseAddr("192.0.2.2")

	// 200 serial wrong passwords: each waits for its turn, then fails.
	now := t0
	for range 200 {
		w, ok := l.turn(bad, now)
		if !ok {
			t.Fatal("a serial attempt refused")
		}
		now = now.Add(w)
		l.failed(bad, now)
	}
	if d := now.Sub(t0); d < 10*time.Second {
		t.Fatalf("200 serial failures took %v, want at least 10 s", d)
	} else {
		t.Logf("200 serial failures take %v", d)
	}
	if w, ok := l.turn(other, now); w != 0 || !ok {
		t.Fatalf("another address waits %v", w)
	}
	// Parallel attempts queue one delay apart, up to MaxWait, then are
	// refused without reserving anything.
	var last time.Duration
	queued := 0
	for i := range 100 {
		w, ok := l.turn(bad, now)
		if !ok {
			break
		}
		if i > 0 && w-last != time.Second {
			t.Fatalf("attempt %d waits %v after %v", i, w, last)
		}
		last = w
		queued++
	}
	if queued < 10 || queued > 12 {
		t.Fatalf("%d parallel attempts queued, want MaxWait/MaxDelay (about 10)", queued)
	}
	// Right credentials end the slow-down.
	l.succeeded(bad)
	if w, ok := l.turn(bad, now); w != 0 || !ok {
		t.Fatalf("after success the address waits %v", w)
	}
	// IPv6: one /64 is one address; entries expire; the cap holds.
	v6a, v6b := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	for range 3 {
		l.failed(v6a, now)
	}
	if w, _ := l.turn(v6b, now); w == 0 {
		t.Error("another address of the same /64 is not slowed down")
	}
	if w, _ := l.turn(v6b, now.Add(11*time.Minute)); w != 0 {
		t.Error("failures not forgotten after Forget")
	}
	for i := range 10 {
		l.failed(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), now)
	}
	if n := l.addresses(); n != 3 {
		t.Errorf("%d addresses remembered, cap 3", n)
	}
}

// TestAuthHTTPThrottle: HTTP viewers' wrong Basic passwords go through
// the same throttle (429 with Retry-After once too many are queued), and
// other addresses are not slowed. Before, every attempt got a quick 401.
func TestAuthHTTPThrottle(t *testing.T) {
	srv, _ := startServer(t, Config{Credentials: &authGood,
		AuthThrottle: AuthThrottle{FreeFailures: 2, Delay: 5 * time.Second, MaxWait: time.Second}})
	get := func(remote string, cred rtsp.Credentials) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodHead, "/test/snapshot.jpg", nil)
		r.RemoteAddr = remote
		r.SetBasicAuth(cred.Username, cred.Password)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w
	}
	for i, want := range []int{401, 401, 429, 429} {
		start := time.Now()
		w := get("127.0.0.2:1000", authBad)
		if w.Code != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, w.Code, want)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("attempt %d waited %v", i+1, d)
		}
		if want == 429 && w.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if w := get("127.0.0.3:1000", authGood); w.Code != 200 {
		t.Fatalf("another address: %d", w.Code)
	}
}

// TestAuthPeers: ffmpeg (Digest with qop, absolute uri, nc counting) and
// GStreamer's rtspsrc (Digest without qop, absolute uri) still get in with
// the password in the URL, and the Basic they would fall back to is not
// needed.
func TestAuthPeers(t *testing.T) {
	_, addr := startServer(t, Config{Credentials: &authGood})
	url := "rtsp://alice:s3cret@" + addr + "/test"
	t.Run("ffmpeg", func(t *testing.T) {
		t.Parallel()
		if n := ffmpegFrames(t, url, "tcp", 2); n < 10 {
			t.Errorf("ffmpeg with a password: %d frames", n)
		}
	})
	t.Run("gstreamer", func(t *testing.T) {
		t.Parallel()
		if n := gstFrames(t, url, "tcp", 3); n < 10 {
			t.Errorf("GStreamer with a password: %d frames", n)
		}
	})
}
