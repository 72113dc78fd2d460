package client

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"

	"github.com/rtpstream/rtpstream/rtsp"
)

// DefaultPort is the RTSP port used when the URL has none (RFC 2326 §3.2).
const DefaultPort = "554"

// target is a parsed rtsp:// URL.
type target struct {
	u    *url.URL // without user info
	addr string   // host:port to dial
	cred *rtsp.Credentials
}

// parseURL parses rtsp://[user[:pass]@]host[:port]/path, keeping user
// information out of request URLs.
func parseURL(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if !strings.EqualFold(u.Scheme, "rtsp") {
		return target{}, fmt.Errorf("%w: %q: want rtsp://HOST[:PORT]/PATH", ErrBadURL, raw)
	}
	if u.Hostname() == "" {
		return target{}, fmt.Errorf("%w: %q has no host", ErrBadURL, raw)
	}
	t := target{}
	if u.User != nil {
		pass, _ := u.User.Password()
		t.cred = &rtsp.Credentials{Username: u.User.Username(), Password: pass}
		u.User = nil
	}
	u.Scheme = "rtsp"
	port := u.Port()
	if port == "" {
		port = DefaultPort
	}
	t.addr = net.JoinHostPort(u.Hostname(), port)
	t.u = u
	return t, nil
}

// String returns the URL for request lines (no user info).
func (t target) String() string { return t.u.String() }

// resolve interprets a Location header relative to this URL.
func (t target) resolve(loc string) (target, error) {
	ref, err := url.Parse(strings.TrimSpace(loc))
	if err != nil {
		return target{}, fmt.Errorf("%w: Location %q: %w", ErrBadURL, loc, err)
	}
	nt, err := parseURL(t.u.ResolveReference(ref).String())
	if err != nil {
		return target{}, err
	}
	if nt.cred == nil {
		nt.cred = t.cred
	}
	return nt, nil
}

// labFile returns the request-URI of the lab dialect: the last element of
// the URL path, a bare file name relative to the lab server's folder.
func (t target) labFile() (string, error) {
	name := path.Base(t.u.Path)
	if name == "" || name == "/" || name == "." {
		return "", fmt.Errorf("%w: %q: the lab dialect needs rtsp://HOST:PORT/FILE", ErrBadURL, t.String())
	}
	return name, nil
}
