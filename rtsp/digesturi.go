package rtsp

import (
	"net"
	"net/url"
	"strings"
)

// VerifyRequest checks the credentials in a like Verify and, for Digest,
// that the "uri" parameter names the request's own Request-URI
// (RFC 2617 §3.2.2.5, RFC 7616 §3.4.6): a header computed for another URL
// is refused. The two may differ in form: an absolute rtsp:// URL on one
// side and its path on the other, a default port written or not, the
// host's case, percent-encoding, and a trailing '/' (DigestURIMatches).
func (a Authorization) VerifyRequest(cred Credentials, method, requestURI, realm, nonce string) bool {
	if a.Scheme == "Digest" && !DigestURIMatches(a.URI, requestURI) {
		return false
	}
	return a.Verify(cred, method, realm, nonce)
}

// DigestURIMatches reports whether a Digest "uri" parameter names the
// same resource as the Request-URI (RFC 7616 §3.4.6 "the request-target
// ... MUST be the same"; §3.4.6 lets the server accept the absolute and
// relative forms). Paths compare after percent-decoding, ignoring one
// trailing '/'; queries compare exactly; hosts, when both sides have one,
// compare case-insensitively with the scheme's default port filled in.
func DigestURIMatches(uri, requestURI string) bool {
	if uri == requestURI {
		return true
	}
	if uri == "" || requestURI == "" || uri == "*" || requestURI == "*" {
		return false
	}
	u, err1 := url.Parse(uri)
	r, err2 := url.Parse(requestURI)
	if err1 != nil || err2 != nil || u.Opaque != "" || r.Opaque != "" {
		return false
	}
	if u.Host != "" && r.Host != "" {
		if !strings.EqualFold(u.Scheme, r.Scheme) || !strings.EqualFold(hostPort(u), hostPort(r)) {
			return false
		}
	}
	return cleanURIPath(u.Path) == cleanURIPath(r.Path) && u.RawQuery == r.RawQuery
}

// hostPort is the URL's host:port with the scheme's default port when
// none is written.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := map[string]string{"rtsp": "554", "rtsps": "322", "http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	return net.JoinHostPort(u.Hostname(), port)
}

// cleanURIPath drops one trailing '/' and makes the empty path "/".
func cleanURIPath(p string) string {
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	if p == "" {
		return "/"
	}
	return p
}
