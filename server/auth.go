package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// nonceLifetime bounds how long a Digest nonce is accepted.
const nonceLifetime = 5 * time.Minute

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

// authenticate checks the request's credentials (RFC 2617: Digest with
// qop=auth, or Basic) and returns a 401 response carrying fresh challenges
// when they are missing or wrong; nil when the request may proceed.
func (c *conn) authenticate(req *rtsp.Request, cred rtsp.Credentials) *rtsp.Response {
	realm := c.srv.cfg.Realm
	if v := req.Header.Get("Authorization"); v != "" {
		if a, err := rtsp.ParseAuthorization(v); err == nil {
			switch strings.ToLower(a.Scheme) {
			case "basic":
				if a.Verify(cred, req.Method, realm, "") {
					return nil
				}
			case "digest":
				if c.srv.validNonce(a.Nonce, time.Now()) && a.Verify(cred, req.Method, realm, a.Nonce) {
					return nil
				}
			}
		}
		c.srv.authFailures.Add(1)
		c.srv.log.Warn("authentication failed", "remote", c.remote, "method", req.Method)
	}
	resp := c.reply(req, rtsp.StatusUnauthorized)
	nonce := c.srv.newNonce(time.Now())
	resp.Header.Add("WWW-Authenticate", rtsp.Challenge{
		Scheme: "Digest", Realm: realm, Nonce: nonce, QOP: []string{"auth"}, Algorithm: "MD5",
	}.String())
	resp.Header.Add("WWW-Authenticate", rtsp.Challenge{Scheme: "Basic", Realm: realm}.String())
	return resp
}

// constantEqual compares secrets in time that does not depend on where
// they differ.
func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// newNonce makes a stateless nonce: the issue time and an HMAC of it under
// the server's secret, so any connection can verify it without storage.
func (s *Server) newNonce(now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 16)
	return ts + "-" + s.nonceMAC(ts)
}

func (s *Server) nonceMAC(ts string) string {
	m := hmac.New(sha256.New, s.secret[:])
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// validNonce checks a nonce's MAC and age.
func (s *Server) validNonce(nonce string, now time.Time) bool {
	ts, mac, ok := strings.Cut(nonce, "-")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.nonceMAC(ts))) {
		return false
	}
	sec, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return false
	}
	age := now.Sub(time.Unix(sec, 0))
	return age >= -time.Minute && age <= nonceLifetime
}
