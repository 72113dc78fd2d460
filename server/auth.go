package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// nonceLifetime bounds how long a Digest nonce is accepted; an older one
// with the right digest is answered with stale=true (RFC 7616 §3.3).
const nonceLifetime = 5 * time.Minute

// connNonces is how many of its latest nonces a connection remembers: a
// client answers the newest challenge, so a few cover a retry in flight.
const connNonces = 4

// Authentication schemes of Config.AuthSchemes.
const (
	SchemeDigest = "digest"
	SchemeBasic  = "basic"
)

// connAuth is a connection's Digest state: the nonces it issued and the
// highest nonce count (nc) seen with each. A nonce is good only on the
// connection that issued it, and with qop each (nonce, nc) only once, so a
// captured Authorization header cannot be replayed (RFC 7616 §3.3, §5.12).
// The connection's goroutine owns it.
type connAuth struct {
	nonces [connNonces]issuedNonce
	next   int
}

// issuedNonce is one nonce a connection sent in a challenge.
type issuedNonce struct {
	nonce  string
	issued time.Time
	lastNC uint64
}

// challengeNonce is the nonce for a challenge: the connection's newest
// while it is younger than half nonceLifetime (a client may still be
// answering it, and an old one pushed out would look stale), else a new
// one; after a stale answer always a new one, since the client starts
// again at nc=1.
func (a *connAuth) challengeNonce(now time.Time, stale bool) string {
	if n := a.nonces[(a.next+connNonces-1)%connNonces]; !stale && n.nonce != "" && now.Sub(n.issued) < nonceLifetime/2 {
		return n.nonce
	}
	return a.issue(now)
}

// issue makes a fresh random nonce, remembered in place of the oldest.
func (a *connAuth) issue(now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	n := hex.EncodeToString(b[:])
	a.nonces[a.next] = issuedNonce{nonce: n, issued: now}
	a.next = (a.next + 1) % connNonces
	return n
}

// use checks a nonce and nonce count from a header with a right response
// (false: stale):
// the nonce must be one this connection issued within nonceLifetime and,
// with qop, nc must be higher than any used before with it. Without qop
// (RFC 2069 style, as GStreamer answers) there is no nc: the nonce is
// reused on its connection until it expires.
func (a *connAuth) use(az rtsp.Authorization, now time.Time) bool {
	for i := range a.nonces {
		n := &a.nonces[i]
		if n.nonce == "" || subtle.ConstantTimeCompare([]byte(n.nonce), []byte(az.Nonce)) != 1 {
			continue
		}
		if now.Sub(n.issued) > nonceLifetime {
			return false
		}
		if az.QOP == "" {
			return true
		}
		nc, err := strconv.ParseUint(az.NC, 16, 32)
		if err != nil || nc <= n.lastNC {
			return false
		}
		n.lastNC = nc
		return true
	}
	return false
}

// credentialsFor chooses the credentials a request must carry (nil: none).
// Publishing (ANNOUNCE, SETUP mode=record, RECORD, and every request of a
// publisher's session) takes the publishers' credentials, of the path or
// the server; everything else the readers', of the path or the server.
func (c *conn) credentialsFor(req *rtsp.Request) *rtsp.Credentials {
	var pc *PathConfig
	if name, _ := publishPathOf(req.URL); name != "" {
		pc = c.srv.cat.pathConfig(name)
	}
	publishing := req.Method == "ANNOUNCE" || req.Method == "RECORD" || req.Method == "SETUP" && isRecordSetup(req)
	if ss := c.ownSession(sessionID(req)); ss != nil && ss.pub != nil {
		publishing = true
	}
	if publishing {
		if pc != nil && pc.PublishCredentials != nil {
			return pc.PublishCredentials
		}
		return c.srv.cfg.PublishCredentials
	}
	if pc != nil && pc.ReadCredentials != nil {
		return pc.ReadCredentials
	}
	return c.srv.cfg.Credentials
}

// authenticate checks the request's credentials (Digest, RFC 7616 with
// qop=auth or RFC 2069 style; Basic, RFC 7617, only when configured) and
// returns a 401 response carrying fresh challenges when they are missing,
// wrong or replayed (stale=true when only the nonce was at fault); nil
// when the request may proceed. An address that gave wrong credentials
// too often waits its turn first (authLimiter), in this connection's
// goroutine, or gets 503 at once when it has too many attempts queued.
func (c *conn) authenticate(ctx context.Context, req *rtsp.Request, cred rtsp.Credentials) *rtsp.Response {
	s := c.srv
	stale := false
	if v := req.Header.Get("Authorization"); v != "" {
		if ok, retry := s.authLimit.waitTurn(ctx, c.peer); !ok {
			s.refused.Add(1)
			resp := c.reply(req, rtsp.StatusServiceUnavailable)
			resp.Header.Set("Retry-After", retryAfter(retry))
			return resp
		}
		now := time.Now()
		switch c.checkCredentials(req, v, cred, now) {
		case credOK:
			s.authLimit.succeeded(c.peer)
			return nil
		case credStale:
			stale = true
		default:
			s.authFailures.Add(1)
			s.authLimit.failed(c.peer, now, "remote", c.remote, "method", req.Method, "url", req.URL)
		}
	}
	resp := c.reply(req, rtsp.StatusUnauthorized)
	if s.cfg.offers(SchemeDigest) {
		resp.Header.Add("WWW-Authenticate", rtsp.Challenge{
			Scheme: "Digest", Realm: s.cfg.Realm, Nonce: c.auth.challengeNonce(time.Now(), stale), QOP: []string{"auth"},
			Algorithm: "MD5", Stale: stale,
		}.String())
	}
	if s.cfg.offers(SchemeBasic) {
		resp.Header.Add("WWW-Authenticate", rtsp.Challenge{Scheme: "Basic", Realm: s.cfg.Realm}.String())
	}
	return resp
}

// credVerdict is what checkCredentials found.
type credVerdict int

const (
	credWrong credVerdict = iota
	credOK
	credStale
)

// checkCredentials checks an Authorization value: the scheme must be one
// offered; a Digest response must be right for this request's method and
// Request-URI (rtsp.Authorization.VerifyRequest), and then its nonce good
// on this connection (connAuth.use), else the verdict is stale.
func (c *conn) checkCredentials(req *rtsp.Request, v string, cred rtsp.Credentials, now time.Time) credVerdict {
	a, err := rtsp.ParseAuthorization(v)
	if err != nil {
		return credWrong
	}
	realm := c.srv.cfg.Realm
	switch {
	case a.Scheme == "Basic" && c.srv.cfg.offers(SchemeBasic):
		if a.Verify(cred, req.Method, realm, "") {
			return credOK
		}
	case a.Scheme == "Digest" && c.srv.cfg.offers(SchemeDigest):
		if !a.VerifyRequest(cred, req.Method, req.URL, realm, a.Nonce) {
			return credWrong
		}
		if c.auth.use(a, now) {
			return credOK
		}
		return credStale
	}
	return credWrong
}

// offers reports whether the server offers and accepts an authentication
// scheme (SchemeDigest, SchemeBasic).
func (c Config) offers(scheme string) bool {
	for _, s := range c.AuthSchemes {
		if strings.EqualFold(s, scheme) {
			return true
		}
	}
	return false
}

// constantEqual compares secrets in time that does not depend on where
// they differ.
func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
