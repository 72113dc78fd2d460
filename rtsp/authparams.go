package rtsp

import (
	"fmt"
	"strings"
)

// authLexer reads the auth-param lists of WWW-Authenticate and
// Authorization (RFC 7235 §2.1):
//
//	challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param = token BWS "=" BWS ( token / quoted-string )
//
// It is lenient where real peers are: bare (unquoted) values may hold any
// character but ',' and white space, and missing commas are tolerated.
type authLexer struct {
	s string
	i int
}

func (l *authLexer) done() bool { return l.i >= len(l.s) }

func (l *authLexer) skipSpace() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t') {
		l.i++
	}
}

func (l *authLexer) skipSeparators() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t' || l.s[l.i] == ',') {
		l.i++
	}
}

func (l *authLexer) token() string {
	j := l.i
	for j < len(l.s) && isTChar(l.s[j]) {
		j++
	}
	t := l.s[l.i:j]
	l.i = j
	return t
}

// skipToken68 consumes a token68 (RFC 7235 §2.1, e.g. Basic credentials)
// if what follows, up to a comma or the end, is one.
func (l *authLexer) skipToken68() (string, bool) {
	j := l.i
	for j < len(l.s) && isToken68Char(l.s[j]) {
		j++
	}
	if j == l.i {
		return "", false
	}
	for j < len(l.s) && l.s[j] == '=' {
		j++
	}
	k := j
	for k < len(l.s) && (l.s[k] == ' ' || l.s[k] == '\t') {
		k++
	}
	if k < len(l.s) && l.s[k] != ',' {
		return "", false
	}
	t := l.s[l.i:j]
	l.i = j
	return t, true
}

func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

// value reads a quoted-string (backslash escapes removed) or a bare value.
func (l *authLexer) value() (string, error) {
	if l.i < len(l.s) && l.s[l.i] == '"' {
		var b strings.Builder
		for j := l.i + 1; j < len(l.s); j++ {
			switch c := l.s[j]; c {
			case '\\':
				if j+1 < len(l.s) {
					j++
					b.WriteByte(l.s[j])
				}
			case '"':
				l.i = j + 1
				return b.String(), nil
			default:
				b.WriteByte(c)
			}
		}
		return "", fmt.Errorf("%w: unterminated quoted string", ErrBadHeader)
	}
	j := l.i
	for j < len(l.s) && l.s[j] != ',' && l.s[j] != ' ' && l.s[j] != '\t' {
		j++
	}
	v := l.s[l.i:j]
	l.i = j
	return v, nil
}

// params reads auth-params until the end or the start of the next
// challenge (a token not followed by '='), calling set for each.
func (l *authLexer) params(set func(name, value string)) error {
	for {
		save := l.i
		l.skipSeparators()
		if l.done() {
			return nil
		}
		name := l.token()
		l.skipSpace()
		if name == "" || l.done() || l.s[l.i] != '=' {
			l.i = save
			return nil
		}
		l.i++
		l.skipSpace()
		v, err := l.value()
		if err != nil {
			return err
		}
		set(strings.ToLower(name), v)
	}
}

// appendParam appends `, name=value`, quoting the value when asked to or
// when it is not a token.
func appendParam(b []byte, first bool, name, value string, quote bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=')
	if quote || needsQuotes(value) {
		return appendQuoted(b, value)
	}
	return append(b, value...)
}

// canonicalScheme spells the schemes we know the usual way.
func canonicalScheme(s string) string {
	switch {
	case strings.EqualFold(s, "Basic"):
		return "Basic"
	case strings.EqualFold(s, "Digest"):
		return "Digest"
	}
	return s
}
