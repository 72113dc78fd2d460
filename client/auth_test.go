package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
)

// TestAuth answers Basic and Digest (MD5, SHA-256, qop=auth) challenges;
// wrong or missing credentials fail fast with ErrUnauthorized and a clear
// message, after a single attempt.
func TestAuth(t *testing.T) {
	good := rtsp.Credentials{Username: "alice", Password: "s3cret"}
	bad := rtsp.Credentials{Username: "alice", Password: "nope"}
	for _, tc := range []struct {
		name, scheme, alg string
		cred              *rtsp.Credentials
		inURL             bool
		wantErr           string
	}{
		{name: "basic", scheme: "Basic", cred: &good},
		{name: "digest-md5", scheme: "Digest", cred: &good},
		{name: "digest-MD5-explicit", scheme: "Digest", alg: "MD5", cred: &good},
		{name: "digest-sha256", scheme: "Digest", alg: "SHA-256", cred: &good},
		{name: "credentials-in-url", scheme: "Digest", inURL: true},
		{name: "basic-wrong", scheme: "Basic", cred: &bad, wantErr: "wrong user name or password"},
		{name: "digest-wrong", scheme: "Digest", cred: &bad, wantErr: "wrong user name or password"},
		{name: "sha256-wrong", scheme: "Digest", alg: "SHA-256", cred: &bad, wantErr: "wrong user name or password"},
		{name: "none", scheme: "Digest", wantErr: "give a user name and password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			auth := &clienttest.Auth{Scheme: tc.scheme, Algorithm: tc.alg, Realm: "test realm", Nonce: "n0nce", Cred: good}
			fake := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
				if req.Method != "OPTIONS" {
					if r := auth.Check(req); r != nil {
						return r
					}
				}
				return clienttest.Describe(req)
			})
			url := fake.URL("/cam")
			if tc.inURL {
				url = "rtsp://alice:s3cret@" + fake.Addr + "/cam"
			}
			start := time.Now()
			s, err := client.Dial(context.Background(), url, client.Config{Credentials: tc.cred, Logger: testLogger(t)})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if s.Description() == nil {
					t.Fatal("no description")
				}
				for _, r := range fake.Requests() {
					if strings.Contains(r.URL, "alice") {
						t.Fatalf("user info leaked into the request URL %q", r.URL)
					}
				}
				return
			}
			mustIs(t, err, client.ErrUnauthorized)
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q does not say %q", err, tc.wantErr)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v to fail", d)
			}
			if tc.cred != nil && auth.Failures() != 1 {
				t.Fatalf("%d attempts with wrong credentials, want 1", auth.Failures())
			}
		})
	}
}

// TestAuthStaleNonce retries once with the new nonce when the server says
// the old one is stale (RFC 7616 §3.3).
func TestAuthStaleNonce(t *testing.T) {
	cred := rtsp.Credentials{Username: "u", Password: "p"}
	nonces := []string{"old", "new"}
	calls := 0
	fake := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
		if req.Method != "DESCRIBE" {
			return clienttest.Describe(req)
		}
		calls++
		nonce := nonces[min(calls-1, 1)]
		if v := req.Header.Get("Authorization"); v != "" {
			az, err := rtsp.ParseAuthorization(v)
			if err == nil && az.Verify(cred, req.Method, "r", "new") {
				return clienttest.Describe(req)
			}
			c := rtsp.Challenge{Scheme: "Digest", Realm: "r", Nonce: nonce, QOP: []string{"auth"}, Stale: true}
			return clienttest.Answer(rtsp.StatusUnauthorized, "WWW-Authenticate", c.String())
		}
		c := rtsp.Challenge{Scheme: "Digest", Realm: "r", Nonce: nonce, QOP: []string{"auth"}}
		return clienttest.Answer(rtsp.StatusUnauthorized, "WWW-Authenticate", c.String())
	})
	s := dial(t, fake.URL("/x"), client.Config{Credentials: &cred})
	if s.Description() == nil || calls != 3 {
		t.Fatalf("calls %d", calls)
	}
}

// TestAuthOwnServer plays from our server with credentials (its Digest
// challenge with qop=auth), and fails cleanly with wrong ones.
func TestAuthOwnServer(t *testing.T) {
	src := sources(t)
	cred := rtsp.Credentials{Username: "bob", Password: "pw"}
	addr := startServer(t, src, server.Config{Credentials: &cred})
	url := "rtsp://" + addr + "/v.mjpeg"
	t.Run("good", func(t *testing.T) {
		for _, tr := range []string{client.TransportUDP, client.TransportTCP} {
			s := dial(t, url, client.Config{Credentials: &cred, Transport: tr})
			if err := s.Play(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			matchAll(t, src, collect(t, s, 5, 5*time.Second))
			if err := s.Teardown(ctxT(t)); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("wrong", func(t *testing.T) {
		_, err := client.Dial(ctxT(t), url, client.Config{Credentials: &rtsp.Credentials{Username: "bob", Password: "x"}})
		mustIs(t, err, client.ErrUnauthorized)
	})
}
