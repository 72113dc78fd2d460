package rtsp

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// digestHash returns the hash of a Digest algorithm (RFC 7616 §3.2:
// "MD5", "SHA-256", their "-sess" variants; "" is MD5) and whether it is a
// session variant.
func digestHash(alg string) (func() hash.Hash, bool, error) {
	base, sess := alg, false
	if len(alg) > 5 && strings.EqualFold(alg[len(alg)-5:], "-sess") {
		base, sess = alg[:len(alg)-5], true
	}
	switch {
	case base == "" && !sess, strings.EqualFold(base, "MD5"):
		return md5.New, sess, nil
	case strings.EqualFold(base, "SHA-256"):
		return sha256.New, sess, nil
	}
	return nil, false, fmt.Errorf("%w: Digest algorithm %q", ErrUnsupportedAuth, alg)
}

// digest computes the request digest of RFC 7616 §3.4.1 (RFC 2617 §3.2.2)
// for the fields of a, the password and the request method:
//
//	A1 = user:realm:password        (-sess: H(A1):nonce:cnonce)
//	A2 = method:uri
//	response = H(H(A1):nonce:nc:cnonce:qop:H(A2))   with qop
//	response = H(H(A1):nonce:H(A2))                 without (RFC 2069)
func (a Authorization) digest(password, method string) (string, error) {
	newHash, sess, err := digestHash(a.Algorithm)
	if err != nil {
		return "", err
	}
	h := func(parts ...string) string {
		hh := newHash()
		for i, p := range parts {
			if i > 0 {
				hh.Write([]byte{':'})
			}
			hh.Write([]byte(p))
		}
		return hex.EncodeToString(hh.Sum(nil))
	}
	ha1 := h(a.Username, a.Realm, password)
	if sess {
		ha1 = h(ha1, a.Nonce, a.CNonce)
	}
	ha2 := h(method, a.URI)
	switch {
	case a.QOP == "":
		return h(ha1, a.Nonce, ha2), nil
	case strings.EqualFold(a.QOP, "auth"):
		return h(ha1, a.Nonce, a.NC, a.CNonce, a.QOP, ha2), nil
	}
	return "", fmt.Errorf("%w: qop %q", ErrUnsupportedAuth, a.QOP)
}

// Verify checks the credentials in a against cred, on the server side. For
// Digest, realm and nonce are the ones the server issued, and method is the
// request's method; the response is recomputed over the URI the client
// hashed (a.URI). A response without qop (RFC 2069 style, as GStreamer 1.22
// sends even when qop was offered) is accepted. Secrets are compared in
// constant time. Verify does not compare the Digest uri with the
// Request-URI: a server must call VerifyRequest, which does.
func (a Authorization) Verify(cred Credentials, method string, realm, nonce string) bool {
	switch a.Scheme {
	case "Basic":
		u := subtle.ConstantTimeCompare([]byte(a.Username), []byte(cred.Username))
		p := subtle.ConstantTimeCompare([]byte(a.BasicPassword), []byte(cred.Password))
		return u&p == 1
	case "Digest":
	default:
		return false
	}
	if a.Realm != realm || a.Nonce != nonce {
		return false
	}
	if a.QOP != "" && (a.NC == "" || a.CNonce == "") {
		return false
	}
	want, err := a.digest(cred.Password, method)
	if err != nil {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(a.Username), []byte(cred.Username))
	r := subtle.ConstantTimeCompare([]byte(strings.ToLower(a.Response)), []byte(want))
	return u&r == 1
}
