package rtsp

import "strings"

// splitOutsideQuotes splits s at every sep that is not inside a
// double-quoted string (mode="PLAY,RECORD"). Backslash escapes are not
// recognised: the headers split this way never contain quotes in values.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	quoted := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquoteSimple removes one pair of surrounding double quotes. It reports
// false for a stray quote left inside, which no header here allows.
func unquoteSimple(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s, strings.IndexByte(s, '"') < 0
}

// needsListQuotes reports whether a parameter value must be quoted to
// survive splitting at ',' and ';' and white-space trimming.
func needsListQuotes(s string) bool {
	return strings.ContainsAny(s, ",;") || trimOWS(s) != s
}

// needsQuotes reports whether s cannot be written as a bare token value.
func needsQuotes(s string) bool {
	return s == "" || !isToken([]byte(s))
}

// appendInQuotes appends s between double quotes, with no escaping (for
// values that cannot contain a quote).
func appendInQuotes(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendQuoted appends s as an RFC 2616 §2.2 quoted-string.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

func trimOWS(s string) string { return strings.Trim(s, " \t") }
