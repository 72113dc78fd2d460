package bench

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/rtpstream/rtpstream/rtsp"
)

// authState answers a 401 (RFC 2326 §12.44 WWW-Authenticate) with Digest
// (RFC 7616; SHA-256 preferred over MD5) or Basic (RFC 7617) and signs
// every later request of the connection with the chosen challenge. The
// arithmetic is rtsp.Challenge's. Its owner (control) uses it under wmu.
type authState struct {
	cred rtsp.Credentials
	ch   *rtsp.Challenge
	// nc counts requests signed with ch's nonce (Digest nonce-count).
	nc uint32
}

// authorization returns the Authorization value for a request, "" before
// any challenge.
func (a *authState) authorization(method, uri string) (string, error) {
	if a == nil || a.ch == nil {
		return "", nil
	}
	a.nc++
	v, err := a.ch.Authorize(a.cred, method, uri, a.nc, "")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrAuth, err)
	}
	return v, nil
}

// challenge takes the best challenge of a 401 response. It fails when none
// can be answered, or when credentials already sent were refused (unless
// the Digest nonce was only stale, RFC 7616 §3.3).
func (a *authState) challenge(resp *rtsp.Response) error {
	cs, err := rtsp.ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		return fmt.Errorf("%w: unusable challenge: %w", ErrAuth, err)
	}
	var best *rtsp.Challenge
	bestScore := 0
	for i := range cs {
		if s := challengeScore(cs[i]); s > bestScore {
			best, bestScore = &cs[i], s
		}
	}
	switch {
	case best == nil:
		return fmt.Errorf("%w: no supported scheme in %q", ErrAuth, resp.Header.Values("WWW-Authenticate"))
	case a.ch != nil && !(best.Scheme == "Digest" && best.Stale):
		return fmt.Errorf("%w: user %q refused (realm %q)", ErrAuth, a.cred.Username, best.Realm)
	}
	a.ch, a.nc = best, 0
	return nil
}

// challengeScore ranks what we can answer: Digest SHA-256 3, Digest MD5 2,
// Basic 1, anything else 0.
func challengeScore(c rtsp.Challenge) int {
	if _, err := c.Authorize(rtsp.Credentials{Username: "u", Password: "p"}, "OPTIONS", "*", 1, "c"); err != nil {
		return 0
	}
	switch {
	case c.Scheme == "Basic":
		return 1
	case strings.HasPrefix(strings.ToUpper(c.Algorithm), "SHA-256"):
		return 3
	default:
		return 2
	}
}

// splitUserinfo returns rawURL without its user:password@ part and those
// credentials (nil when it has none): credentials go in Authorization,
// never in a Request-URI.
func splitUserinfo(rawURL string) (string, *authState, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrURL, err)
	}
	if u.User == nil {
		return rawURL, nil, nil
	}
	pw, _ := u.User.Password()
	a := &authState{cred: rtsp.Credentials{Username: u.User.Username(), Password: pw}}
	u.User = nil
	return u.String(), a, nil
}
