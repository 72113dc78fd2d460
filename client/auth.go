package client

import (
	"fmt"
	"strings"

	"github.com/rtpstream/rtpstream/rtsp"
)

// authState answers 401 challenges (RFC 2326 §12.44; Basic RFC 7617, Digest
// RFC 7616) and signs every later request with the chosen challenge,
// counting nonce uses (nc). The digest arithmetic is rtsp.Challenge's.
type authState struct {
	cred *rtsp.Credentials
	ch   *rtsp.Challenge
	nc   uint32
}

// header returns the Authorization value for a request, or "" before any
// challenge.
func (a *authState) header(method, uri string) (string, error) {
	if a.ch == nil || a.cred == nil {
		return "", nil
	}
	a.nc++
	v, err := a.ch.Authorize(*a.cred, method, uri, a.nc, "")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	return v, nil
}

// challenge handles a 401 answer: it picks the strongest challenge we can
// answer and reports that the request should be retried. It fails with
// ErrUnauthorized when we have no credentials, or when credentials already
// sent for this nonce were rejected (unless the server says the nonce was
// merely stale, RFC 7616 §3.3).
func (a *authState) challenge(resp *rtsp.Response) error {
	cs, err := rtsp.ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		return fmt.Errorf("%w: server requires authentication but sent no usable challenge: %w", ErrUnauthorized, err)
	}
	best := pickChallenge(cs)
	if best == nil {
		return fmt.Errorf("%w: no supported authentication scheme offered (%s)", ErrUnauthorized, describeChallenges(cs))
	}
	if a.cred == nil {
		return fmt.Errorf("%w: server requires authentication (%s realm %q): give a user name and password", ErrUnauthorized, best.Scheme, best.Realm)
	}
	if a.ch != nil && !(best.Stale && best.Scheme == "Digest") {
		return fmt.Errorf("%w: user %q rejected (%s realm %q): wrong user name or password", ErrUnauthorized, a.cred.Username, best.Scheme, best.Realm)
	}
	a.ch, a.nc = best, 0
	return nil
}

// pickChallenge prefers Digest SHA-256, then Digest MD5, then Basic,
// skipping what rtsp.Challenge.Authorize cannot answer.
func pickChallenge(cs []rtsp.Challenge) *rtsp.Challenge {
	rank := func(c rtsp.Challenge) int {
		if _, err := c.Authorize(rtsp.Credentials{Username: "u", Password: "p"}, "OPTIONS", "*", 1, "x"); err != nil {
			return 0
		}
		switch {
		case c.Scheme == "Digest" && strings.HasPrefix(strings.ToUpper(c.Algorithm), "SHA-256"):
			return 3
		case c.Scheme == "Digest":
			return 2
		case c.Scheme == "Basic":
			return 1
		}
		return 0
	}
	var best *rtsp.Challenge
	bestRank := 0
	for i := range cs {
		if r := rank(cs[i]); r > bestRank {
			best, bestRank = &cs[i], r
		}
	}
	return best
}

func describeChallenges(cs []rtsp.Challenge) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.String())
	}
	return strings.Join(s, "; ")
}
