package rtsp

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Challenge is one challenge of a WWW-Authenticate header (RFC 2326 §12.44,
// RFC 7235 §4.1): Basic (RFC 7617) or Digest (RFC 2617, RFC 7616).
type Challenge struct {
	// Scheme is "Basic" or "Digest" (other schemes keep their spelling).
	Scheme string
	// Realm, Nonce and Opaque are the Digest parameters (Realm also Basic's).
	Realm, Nonce, Opaque string
	// Algorithm is the Digest algorithm as written: "" (meaning MD5), "MD5",
	// "SHA-256", or their "-sess" variants.
	Algorithm string
	// QOP lists the offered qop values ("auth", "auth-int"); empty for an
	// RFC 2069 style challenge.
	QOP []string
	// Stale is set when the nonce expired but the credentials were right
	// (RFC 7616 §3.3): retry with the new nonce without asking the user.
	Stale bool
}

// ParseChallenges parses the values of every WWW-Authenticate field of a
// response; one value may hold several challenges, and quoted strings may
// hold commas (realm="a, b").
func ParseChallenges(values []string) ([]Challenge, error) {
	var cs []Challenge
	for _, v := range values {
		l := authLexer{s: v}
		for {
			l.skipSeparators()
			if l.done() {
				break
			}
			scheme := l.token()
			if scheme == "" {
				return nil, fmt.Errorf("%w: WWW-Authenticate %q", ErrBadHeader, trunc([]byte(v)))
			}
			c := Challenge{Scheme: canonicalScheme(scheme)}
			l.skipSpace()
			l.skipToken68()
			err := l.params(func(name, value string) {
				switch name {
				case "realm":
					c.Realm = value
				case "nonce":
					c.Nonce = value
				case "opaque":
					c.Opaque = value
				case "algorithm":
					c.Algorithm = value
				case "stale":
					c.Stale = strings.EqualFold(value, "true")
				case "qop":
					c.QOP = nil
					for _, q := range strings.Split(value, ",") {
						if q = trimOWS(q); q != "" {
							c.QOP = append(c.QOP, q)
						}
					}
				}
			})
			if err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: no challenge", ErrBadHeader)
	}
	return cs, nil
}

// String formats the challenge as a WWW-Authenticate value:
//
//	Basic realm="r"
//	Digest realm="r", nonce="n", opaque="o", algorithm=MD5, qop="auth", stale=TRUE
func (c Challenge) String() string {
	b := make([]byte, 0, 128)
	b = append(b, c.Scheme...)
	first := true
	param := func(name, value string, quote bool) {
		b = appendParam(b, first, name, value, quote)
		first = false
	}
	if c.Realm != "" || c.Scheme == "Basic" || c.Scheme == "Digest" {
		param("realm", c.Realm, true)
	}
	if c.Nonce != "" {
		param("nonce", c.Nonce, true)
	}
	if c.Opaque != "" {
		param("opaque", c.Opaque, true)
	}
	if c.Algorithm != "" {
		param("algorithm", c.Algorithm, false)
	}
	if len(c.QOP) > 0 {
		param("qop", strings.Join(c.QOP, ","), true)
	}
	if c.Stale {
		param("stale", "TRUE", false)
	}
	return string(b)
}

// Credentials are a user name and password.
type Credentials struct {
	Username, Password string
}

// Authorize answers the challenge: it returns the Authorization header
// value for a request with this method and request-URI. For Digest with
// qop it uses qop=auth with nonce count nc (1 for the first request with
// this nonce, then 2, 3...) and client nonce cnonce (random when ""). It
// fails with ErrUnsupportedAuth for other schemes, algorithms, or a qop list
// without "auth".
func (c Challenge) Authorize(cred Credentials, method, uri string, nc uint32, cnonce string) (string, error) {
	switch c.Scheme {
	case "Basic":
		if strings.IndexByte(cred.Username, ':') >= 0 {
			return "", fmt.Errorf("%w: Basic user name with ':'", ErrUnsupportedAuth)
		}
		return Authorization{Scheme: "Basic", Username: cred.Username, BasicPassword: cred.Password}.String(), nil
	case "Digest":
	default:
		return "", fmt.Errorf("%w: scheme %q", ErrUnsupportedAuth, c.Scheme)
	}
	a := Authorization{
		Scheme:    "Digest",
		Username:  cred.Username,
		Realm:     c.Realm,
		Nonce:     c.Nonce,
		URI:       uri,
		Algorithm: c.Algorithm,
		Opaque:    c.Opaque,
	}
	if len(c.QOP) > 0 {
		ok := false
		for _, q := range c.QOP {
			ok = ok || strings.EqualFold(q, "auth")
		}
		if !ok {
			return "", fmt.Errorf("%w: qop %q", ErrUnsupportedAuth, c.QOP)
		}
		if cnonce == "" {
			var r [12]byte
			_, _ = rand.Read(r[:])
			cnonce = hex.EncodeToString(r[:])
		}
		a.QOP, a.NC, a.CNonce = "auth", fmt.Sprintf("%08x", nc), cnonce
	}
	resp, err := a.digest(cred.Password, method)
	if err != nil {
		return "", err
	}
	a.Response = resp
	return a.String(), nil
}

// Authorization is an Authorization header value (RFC 2326 §12.5,
// RFC 7617 §2 Basic, RFC 7616 §3.4 Digest), as the server receives it.
type Authorization struct {
	// Scheme is "Basic" or "Digest".
	Scheme string
	// Username, and for Digest the echoed Realm, Nonce, URI, Algorithm,
	// Opaque, the qop chosen, nonce count NC (8 hex digits as sent), client
	// nonce CNonce and the request digest Response (hex).
	Username, Realm, Nonce, URI, Response, Algorithm, QOP, NC, CNonce, Opaque string
	// BasicPassword is the password of Basic credentials.
	BasicPassword string
}

// ParseAuthorization parses an Authorization header value (Basic or
// Digest; other schemes give ErrUnsupportedAuth).
func ParseAuthorization(s string) (Authorization, error) {
	l := authLexer{s: s}
	l.skipSpace()
	a := Authorization{Scheme: canonicalScheme(l.token())}
	l.skipSpace()
	switch a.Scheme {
	case "Basic":
		t68, ok := l.skipToken68()
		l.skipSpace()
		if !ok || !l.done() {
			return Authorization{}, fmt.Errorf("%w: Basic credentials", ErrBadHeader)
		}
		raw, err := base64.StdEncoding.DecodeString(t68)
		if err != nil {
			return Authorization{}, fmt.Errorf("%w: Basic credentials: %v", ErrBadHeader, err)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return Authorization{}, fmt.Errorf("%w: Basic credentials without ':'", ErrBadHeader)
		}
		a.Username, a.BasicPassword = user, pass
		return a, nil
	case "Digest":
	case "":
		return Authorization{}, fmt.Errorf("%w: Authorization %q", ErrBadHeader, trunc([]byte(s)))
	default:
		return Authorization{}, fmt.Errorf("%w: scheme %q", ErrUnsupportedAuth, a.Scheme)
	}
	err := l.params(func(name, value string) {
		switch name {
		case "username":
			a.Username = value
		case "realm":
			a.Realm = value
		case "nonce":
			a.Nonce = value
		case "uri":
			a.URI = value
		case "response":
			a.Response = value
		case "algorithm":
			a.Algorithm = value
		case "qop":
			a.QOP = value
		case "nc":
			a.NC = value
		case "cnonce":
			a.CNonce = value
		case "opaque":
			a.Opaque = value
		}
	})
	if err != nil {
		return Authorization{}, err
	}
	l.skipSeparators()
	if !l.done() {
		return Authorization{}, fmt.Errorf("%w: Authorization: junk at %d", ErrBadHeader, l.i)
	}
	return a, nil
}

// String formats the Authorization header value: "Basic <base64>" or
// `Digest username="u", realm="r", nonce="n", uri="/x", algorithm=MD5,
// qop=auth, nc=00000001, cnonce="c", response="...", opaque="o"` (absent
// optional parameters left out).
func (a Authorization) String() string {
	if a.Scheme == "Basic" {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.Username+":"+a.BasicPassword))
	}
	b := make([]byte, 0, 256)
	b = append(b, a.Scheme...)
	b = appendParam(b, true, "username", a.Username, true)
	b = appendParam(b, false, "realm", a.Realm, true)
	b = appendParam(b, false, "nonce", a.Nonce, true)
	b = appendParam(b, false, "uri", a.URI, true)
	if a.Algorithm != "" {
		b = appendParam(b, false, "algorithm", a.Algorithm, false)
	}
	if a.QOP != "" {
		b = appendParam(b, false, "qop", a.QOP, false)
	}
	if a.NC != "" {
		b = appendParam(b, false, "nc", a.NC, false)
	}
	if a.CNonce != "" {
		b = appendParam(b, false, "cnonce", a.CNonce, true)
	}
	b = appendParam(b, false, "response", a.Response, true)
	if a.Opaque != "" {
		b = appendParam(b, false, "opaque", a.Opaque, true)
	}
	return string(b)
}
