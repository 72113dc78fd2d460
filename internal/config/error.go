package config

import (
	"strconv"
	"strings"
)

// Error is one problem in a config file, at a line, under a dotted key such
// as paths.cam1.close_after. Parse returns the problems it found joined
// with errors.Join, sorted by line; errors.As finds the first.
type Error struct {
	File string // the name given to Load or Parse
	Line int    // 1-based; 0 when the problem is not at one line
	Key  string // dotted key, e.g. "paths.cam1.source"; empty for the whole file
	Msg  string // never contains a credential
}

// Error formats "FILE:LINE: KEY: MSG", leaving out the parts not known.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxQuoted is how many bytes of a value an error message quotes.
const maxQuoted = 64

// quote quotes a (non-secret) value for an error message, cut to maxQuoted
// bytes so that a huge value cannot make a huge message.
func quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}

// yamlError turns an error of the YAML module ("yaml: line 3: did not find
// expected key") into an *Error at that line.
func yamlError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if v, err := strconv.Atoi(n); err == nil && v > 0 {
				line, msg = v, after
			}
		}
	}
	return &Error{File: file, Line: line, Msg: "YAML: " + msg}
}
