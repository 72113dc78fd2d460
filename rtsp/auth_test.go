package rtsp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// RFC 2617 §3.5 example.
const (
	rfc2617Challenge = `Digest
                 realm="testrealm@host.com",
                 qop="auth,auth-int",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41"`
	rfc2617Authorization = `Digest username="Mufasa",
                 realm="testrealm@host.com",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 uri="/dir/index.html",
                 qop=auth,
                 nc=00000001,
                 cnonce="0a4f113b",
                 response="6629fae49393a05397450978507c4ef1",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41"`
)

// RFC 7616 §3.9.1 example (note: "Circle of Life" there, "Of" in 2617).
const (
	rfc7616ChallengeSHA = `Digest
       realm="http-auth@example.org",
       qop="auth, auth-int",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`
	rfc7616ChallengeMD5 = `Digest
       realm="http-auth@example.org",
       qop="auth, auth-int",
       algorithm=MD5,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`
	rfc7616AuthorizationSHA = `Digest username="Mufasa",
       realm="http-auth@example.org",
       uri="/dir/index.html",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       nc=00000001,
       cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
       qop=auth,
       response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`
)

// fold turns the RFC's multi-line layout into one header value, as a
// Reader returns it (folded lines joined with a space).
func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestDigestRFC2617(t *testing.T) {
	cs, err := ParseChallenges([]string{fold(rfc2617Challenge)})
	if err != nil {
		t.Fatal(err)
	}
	want := Challenge{Scheme: "Digest", Realm: "testrealm@host.com", Nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		Opaque: "5ccc069c403ebaf9f0171e9517f40e41", QOP: []string{"auth", "auth-int"}}
	if len(cs) != 1 || !reflect.DeepEqual(cs[0], want) {
		t.Fatalf("challenge %+v", cs)
	}
	cred := Credentials{"Mufasa", "Circle Of Life"}
	got, err := cs[0].Authorize(cred, "GET", "/dir/index.html", 1, "0a4f113b")
	if err != nil {
		t.Fatal(err)
	}
	wantA, err := ParseAuthorization(fold(rfc2617Authorization))
	if err != nil {
		t.Fatal(err)
	}
	gotA, err := ParseAuthorization(got)
	if err != nil {
		t.Fatal(err)
	}
	if gotA != wantA {
		t.Fatalf("Authorize:\ngot  %+v\nwant %+v", gotA, wantA)
	}
	if wantA.Response != "6629fae49393a05397450978507c4ef1" {
		t.Fatalf("parsed response %q", wantA.Response)
	}
	if !wantA.Verify(cred, "GET", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093") {
		t.Fatal("Verify rejects the RFC example")
	}
	for _, bad := range []struct {
		cred                 Credentials
		method, realm, nonce string
	}{
		{Credentials{"Mufasa", "Circle of Life"}, "GET", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093"},
		{Credentials{"mufasa", "Circle Of Life"}, "GET", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093"},
		{cred, "PLAY", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093"},
		{cred, "GET", "other", "dcd98b7102dd2f0e8b11d0f600bfb0c093"},
		{cred, "GET", "testrealm@host.com", "stale"},
	} {
		if wantA.Verify(bad.cred, bad.method, bad.realm, bad.nonce) {
			t.Errorf("Verify accepts %+v", bad)
		}
	}
}

func TestDigestRFC7616(t *testing.T) {
	// Both challenges in one response, as two WWW-Authenticate fields.
	cs, err := ParseChallenges([]string{fold(rfc7616ChallengeSHA), fold(rfc7616ChallengeMD5)})
	if err != nil || len(cs) != 2 {
		t.Fatalf("%+v %v", cs, err)
	}
	if cs[0].Algorithm != "SHA-256" || cs[1].Algorithm != "MD5" || !reflect.DeepEqual(cs[0].QOP, []string{"auth", "auth-int"}) {
		t.Fatalf("%+v", cs)
	}
	cred := Credentials{"Mufasa", "Circle of Life"}
	const cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	for i, wantResp := range []string{"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", "8ca523f5e9506fed4657c9700eebdbec"} {
		got, err := cs[i].Authorize(cred, "GET", "/dir/index.html", 1, cnonce)
		if err != nil {
			t.Fatal(err)
		}
		a, err := ParseAuthorization(got)
		if err != nil || a.Response != wantResp || a.NC != "00000001" || a.QOP != "auth" || a.Opaque != cs[i].Opaque {
			t.Fatalf("%s: %+v %v", cs[i].Algorithm, a, err)
		}
		if !a.Verify(cred, "GET", cs[i].Realm, cs[i].Nonce) {
			t.Fatalf("%s: Verify rejects", cs[i].Algorithm)
		}
	}
	a, err := ParseAuthorization(fold(rfc7616AuthorizationSHA))
	if err != nil || !a.Verify(cred, "GET", "http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v") {
		t.Fatalf("RFC 7616 SHA-256 Authorization: %+v %v", a, err)
	}
}

func TestParseChallenges(t *testing.T) {
	got, err := ParseChallenges([]string{
		`Digest realm="a, b \"q\"", nonce="n1", stale=true, algorithm=MD5-sess, Basic realm="x"`,
		`Negotiate, NTLM abc+/==, basic realm=y,digest nonce=n2`,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Challenge{
		{Scheme: "Digest", Realm: `a, b "q"`, Nonce: "n1", Stale: true, Algorithm: "MD5-sess"},
		{Scheme: "Basic", Realm: "x"},
		{Scheme: "Negotiate"},
		{Scheme: "NTLM"},
		{Scheme: "Basic", Realm: "y"},
		{Scheme: "Digest", Nonce: "n2"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	for _, c := range want {
		again, err := ParseChallenges([]string{c.String()})
		if err != nil || len(again) != 1 || !reflect.DeepEqual(again[0], c) {
			t.Errorf("round trip of %q: %+v %v", c.String(), again, err)
		}
	}
	for _, bad := range [][]string{nil, {""}, {" , "}, {`Digest realm="open`}, {`="x"`}} {
		if _, err := ParseChallenges(bad); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestChallengeString(t *testing.T) {
	c := Challenge{Scheme: "Digest", Realm: "rtpstream", Nonce: "abc", Algorithm: "MD5", QOP: []string{"auth"}}
	if got, want := c.String(), `Digest realm="rtpstream", nonce="abc", algorithm=MD5, qop="auth"`; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if got := (Challenge{Scheme: "Basic", Realm: "rtpstream"}).String(); got != `Basic realm="rtpstream"` {
		t.Fatalf("got %q", got)
	}
}

func TestBasic(t *testing.T) {
	c := Challenge{Scheme: "Basic", Realm: "r"}
	// RFC 7617 §2 example.
	got, err := c.Authorize(Credentials{"Aladdin", "open sesame"}, "DESCRIBE", "rtsp://h/", 0, "")
	if err != nil || got != "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" {
		t.Fatalf("%q %v", got, err)
	}
	a, err := ParseAuthorization(got)
	if err != nil || a.Username != "Aladdin" || a.BasicPassword != "open sesame" {
		t.Fatalf("%+v %v", a, err)
	}
	if !a.Verify(Credentials{"Aladdin", "open sesame"}, "", "", "") || a.Verify(Credentials{"Aladdin", "open sesamE"}, "", "", "") {
		t.Fatal("Verify")
	}
	if _, err := c.Authorize(Credentials{"a:b", "c"}, "X", "*", 0, ""); !errors.Is(err, ErrUnsupportedAuth) {
		t.Fatalf("user with colon: %v", err)
	}
	for _, bad := range []string{"Basic", "Basic !!!", "Basic Zm9v", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== x", "", "  "} {
		if _, err := ParseAuthorization(bad); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	if _, err := ParseAuthorization("Bearer abc"); !errors.Is(err, ErrUnsupportedAuth) {
		t.Errorf("Bearer: err = %v", err)
	}
}

func TestDigestVariants(t *testing.T) {
	cred := Credentials{"user", "pass"}
	for _, c := range []Challenge{
		{Scheme: "Digest", Realm: "r", Nonce: "n"}, // RFC 2069, no qop
		{Scheme: "Digest", Realm: "r", Nonce: "n", Algorithm: "SHA-256"},
		{Scheme: "Digest", Realm: "r", Nonce: "n", Algorithm: "MD5-sess", QOP: []string{"auth"}},
		{Scheme: "Digest", Realm: "r", Nonce: "n", Algorithm: "sha-256-SESS", QOP: []string{"auth-int", "AUTH"}, Opaque: "o"},
	} {
		v, err := c.Authorize(cred, "SETUP", "rtsp://h/test/stream=0", 7, "")
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		a, err := ParseAuthorization(v)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.QOP) > 0 && (a.NC != "00000007" || len(a.CNonce) != 24) {
			t.Fatalf("%+v: nc/cnonce %+v", c, a)
		}
		if !a.Verify(cred, "SETUP", "r", "n") || a.Verify(cred, "PLAY", "r", "n") {
			t.Fatalf("%+v: Verify", c)
		}
		if again, err := ParseAuthorization(a.String()); err != nil || again != a {
			t.Fatalf("round trip %+v %v", again, err)
		}
	}
	for _, c := range []Challenge{
		{Scheme: "Digest", Realm: "r", Nonce: "n", Algorithm: "SHA-512-256"},
		{Scheme: "Digest", Realm: "r", Nonce: "n", QOP: []string{"auth-int"}},
		{Scheme: "Negotiate"},
	} {
		if _, err := c.Authorize(cred, "SETUP", "*", 1, "c"); !errors.Is(err, ErrUnsupportedAuth) {
			t.Errorf("%+v: err = %v", c, err)
		}
	}
	// qop without nc/cnonce, or an unknown qop, never verifies.
	a := Authorization{Scheme: "Digest", Username: "user", Realm: "r", Nonce: "n", URI: "*", QOP: "auth"}
	a.Response, _ = a.digest("pass", "X")
	if a.Verify(cred, "X", "r", "n") {
		t.Fatal("Verify accepts qop=auth without nc and cnonce")
	}
}

// TestDigestURIMatches: the Digest uri must name the Request-URI
// (RFC 7616 §3.4.6), in the absolute or relative forms peers send.
func TestDigestURIMatches(t *testing.T) {
	const req = "rtsp://127.0.0.1:8554/test/stream=0"
	for _, tc := range []struct {
		uri, req string
		want     bool
	}{
		{req, req, true},
		{"/test/stream=0", req, true}, // relative form
		{req, "/test/stream=0", true}, // a proxy's or the lab's form
		{"rtsp://127.0.0.1:8554/test/stream=0/", req, true},
		{"RTSP://127.0.0.1:8554/test/stream%3D0", req, true},
		{"rtsp://LOCALHOST/x", "rtsp://localhost:554/x", true},
		{"rtsp://h:8554/", "rtsp://h:8554", true},
		{"*", "*", true},
		{"rtsp://127.0.0.1:8554/test", req, false}, // the aggregate, not this track
		{"rtsp://127.0.0.1:8554/other/stream=0", req, false},
		{"/other/stream=0", req, false},
		{"rtsp://127.0.0.2:8554/test/stream=0", req, false},
		{"rtsp://127.0.0.1:9554/test/stream=0", req, false},
		{"http://127.0.0.1:8554/test/stream=0", req, false},
		{"rtsp://h/x?a=1", "rtsp://h/x?a=2", false},
		{"", req, false},
		{"*", req, false},
		{"rtsp://h/%zz", "rtsp://h/%zz/", false},
	} {
		if got := DigestURIMatches(tc.uri, tc.req); got != tc.want {
			t.Errorf("DigestURIMatches(%q, %q) = %v, want %v", tc.uri, tc.req, got, tc.want)
		}
	}
	cred := Credentials{"u", "p"}
	c := Challenge{Scheme: "Digest", Realm: "r", Nonce: "n", QOP: []string{"auth"}}
	v, err := c.Authorize(cred, "PLAY", "rtsp://h/a", 1, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseAuthorization(v)
	if err != nil {
		t.Fatal(err)
	}
	if !a.VerifyRequest(cred, "PLAY", "rtsp://h/a", "r", "n") || !a.VerifyRequest(cred, "PLAY", "/a", "r", "n") {
		t.Fatal("VerifyRequest refuses the header for its own URL")
	}
	if a.VerifyRequest(cred, "PLAY", "rtsp://h/b", "r", "n") {
		t.Fatal("VerifyRequest accepts a header computed for another URL")
	}
	b, _ := ParseAuthorization(Authorization{Scheme: "Basic", Username: "u", BasicPassword: "p"}.String())
	if !b.VerifyRequest(cred, "PLAY", "rtsp://h/b", "", "") {
		t.Fatal("Basic has no uri to compare")
	}
}
