package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// isNull reports whether n is an empty value or an explicit null.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what kind of value n is, for "must be X, not Y" messages.
// It never includes the value, which may be a secret.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias (aliases are not supported)"
	case yaml.DocumentNode:
		return "a document"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "empty"
		}
		return "a value tagged " + quote(n.ShortTag())
	}
	return "an unknown node"
}

// str returns the string scalar n. Numbers, booleans and nulls are errors
// (quote them), so that 0123 or yes never silently becomes something else.
func (d *decoder) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.errorf(n.Line, key, "must be a string, not %s", describe(n))
		return "", false
	}
	if strings.ContainsFunc(n.Value, isControl) {
		d.errorf(n.Line, key, "contains a control character")
		return "", false
	}
	if n.Value == "" {
		d.errorf(n.Line, key, "must not be empty")
		return "", false
	}
	return n.Value, true
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return r < ' ' || (r >= 0x7f && r < 0xa0) }

// boolean returns the boolean scalar n (true or false).
func (d *decoder) boolean(n *yaml.Node, key string) (v, ok bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.errorf(n.Line, key, "must be true or false, not %s", describe(n))
		return false, false
	}
	if err := n.Decode(&v); err != nil {
		d.errorf(n.Line, key, "must be true or false")
		return false, false
	}
	return v, true
}

// fps returns the frame rate n, in (0, MaxFPS].
func (d *decoder) fps(n *yaml.Node, key string) (float64, bool) {
	var v float64
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&v) != nil {
		d.errorf(n.Line, key, "must be a number, not %s", describe(n))
		return 0, false
	}
	if !(v > 0 && v <= MaxFPS) || math.IsNaN(v) {
		d.errorf(n.Line, key, "%s is out of range (0, %d]", quote(n.Value), MaxFPS)
		return 0, false
	}
	return v, true
}

// listen returns the host:port n; the port is a number (0 lets the kernel
// choose, as in tests).
func (d *decoder) listen(n *yaml.Node, key string) (string, bool) {
	s, ok := d.str(n, key)
	if !ok {
		return "", false
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		d.errorf(n.Line, key, "%s is not host:port (like \":8554\")", quote(s))
		return "", false
	}
	if v, err := strconv.Atoi(port); err != nil || v < 0 || v > 65535 {
		d.errorf(n.Line, key, "port %s is not a number 0..65535", quote(port))
		return "", false
	}
	return s, true
}

// duration returns the duration n (Go syntax with a unit, like 500ms or
// 10s) if it lies in [lo, hi]; rangeText says the range in messages.
func (d *decoder) duration(n *yaml.Node, key string, lo, hi time.Duration, rangeText string) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.errorf(n.Line, key, "must be a duration with a unit, like 10s or 500ms, not %s", describe(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errorf(n.Line, key, "%s is not a duration (like 10s or 500ms)", quote(n.Value))
		return 0, false
	}
	if v < lo || v > hi {
		d.errorf(n.Line, key, "%s is out of range %s", quote(n.Value), rangeText)
		return 0, false
	}
	return v, true
}

// source parses a path's source: PublisherSource or an rtsp://, http:// or
// https:// URL with a host. User information in the URL is returned as
// credentials and removed from the returned source, which is safe to log.
// Messages never quote the URL, which may hold a password.
func (d *decoder) source(n *yaml.Node, key string) (src string, kind Kind, creds *Credentials, ok bool) {
	s, ok := d.str(n, key)
	if !ok {
		return "", 0, nil, false
	}
	if s == PublisherSource {
		return s, KindPublisher, nil, true
	}
	fail := func(format string, args ...any) (string, Kind, *Credentials, bool) {
		d.errorf(n.Line, key, format, args...)
		return "", 0, nil, false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return fail("must be publisher or an rtsp://, http:// or https:// URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "rtsp":
		kind = KindRTSP
	case "http", "https":
		kind = KindHTTPStream
	default:
		return fail("URL scheme %s is not supported (rtsp, http or https)", quote(u.Scheme))
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return fail("the URL has no host")
	}
	if p := u.Port(); p != "" {
		if v, err := strconv.Atoi(p); err != nil || v < 1 || v > 65535 {
			return fail("the URL's port %s is not a number 1..65535", quote(p))
		}
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return fail("the URL must not have a #fragment")
	}
	if u.User == nil {
		return s, kind, nil, true
	}
	user := u.User.Username()
	pass, hasPass := u.User.Password()
	if user == "" || !hasPass {
		return fail("the URL's credentials: user and password must both be given")
	}
	if msg := checkCred(user, pass); msg != "" {
		return fail("the URL's credentials: %s", msg)
	}
	u.User = nil
	return u.String(), kind, &Credentials{User: user, Pass: pass}, true
}

// nameChars are the characters allowed in a path name besides letters and
// digits: RFC 3986 pchar (§3.3) without percent-encoding, and '/'.
const nameChars = "-._~!$&'()*+,;=:@/"

// checkName returns why name cannot be a path name, or "".
func checkName(name string) string {
	switch {
	case name == "":
		return "path name is empty"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("path name is longer than %d bytes", MaxNameLen)
	case strings.HasPrefix(name, "/"):
		return "path name must not start with '/' (write cam1 for rtsp://host/cam1)"
	case strings.HasSuffix(name, "/"):
		return "path name must not end with '/'"
	case name == TestPatternName:
		return "path name test is the built-in test pattern"
	}
	for _, r := range name {
		switch {
		case isControl(r):
			return "path name contains a control character"
		case r == '%':
			return "path name contains '%' (names are not percent-encoded)"
		case r >= 0x80:
			return "path name contains a non-ASCII character"
		case !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(nameChars, r)):
			return fmt.Sprintf("path name contains %q (allowed: letters, digits and %s)", r, nameChars)
		}
	}
	return segmentProblem("path", name)
}

// segmentProblem returns why name, a path or file name (noun), has a bad
// '/'-separated segment (empty, "." or ".."), or "".
func segmentProblem(noun, name string) string {
	for seg := range strings.SplitSeq(name, "/") {
		switch seg {
		case "":
			return noun + " name has an empty segment (//)"
		case ".", "..":
			return fmt.Sprintf("%s name has a %q segment", noun, seg)
		}
	}
	return ""
}
