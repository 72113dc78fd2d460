package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// credBuilder collects one set of credentials (keys PREFIX_user,
// PREFIX_pass, PREFIX_pass_file, PREFIX_pass_env) of one mapping.
type credBuilder struct {
	prefix     string
	user, pass *yaml.Node // key nodes, for lines
	userVal    string
	passVal    string
	passKey    string // which of the three password keys was given
	bad        bool   // a value was wrong: do not also complain it is missing
}

// take handles e if its key belongs to b and reports whether it did. ctx is
// the dotted context of the mapping.
func (b *credBuilder) take(d *decoder, e entry, ctx string) bool {
	suffix, ok := strings.CutPrefix(e.key, b.prefix+"_")
	if !ok {
		return false
	}
	key := join(ctx, e.key)
	switch suffix {
	case "user":
		b.user = e.k
		s, ok := d.str(e.v, key)
		if ok {
			if msg := checkCred(s, "x"); msg != "" {
				d.errorf(e.v.Line, key, "%s", msg)
				ok = false
			}
		}
		b.userVal, b.bad = s, b.bad || !ok
	case "pass", "pass_file", "pass_env":
		if b.pass != nil {
			d.errorf(e.k.Line, key, "give only one of %s_pass, %s_pass_file, %s_pass_env (%s is set at line %d)",
				b.prefix, b.prefix, b.prefix, b.passKey, b.pass.Line)
			return true
		}
		b.pass, b.passKey = e.k, e.key
		s, ok := d.str(e.v, key)
		if ok {
			s, ok = d.password(suffix, s, e.v.Line, key)
		}
		b.passVal, b.bad = s, b.bad || !ok
	default:
		return false
	}
	return true
}

// password returns the password of a PREFIX_pass (the value itself),
// PREFIX_pass_file (the file's first line, trimmed) or PREFIX_pass_env (the
// variable's value) key.
func (d *decoder) password(suffix, val string, line int, key string) (string, bool) {
	switch suffix {
	case "pass_file":
		read := d.l.ReadFile
		if read == nil {
			read = readSecretFile
		}
		name := d.resolve(val)
		data, err := read(name)
		if err != nil {
			d.errorf(line, key, "%v", err)
			return "", false
		}
		first, _, _ := bytes.Cut(data, []byte("\n"))
		val = strings.TrimSpace(string(first))
		if val == "" {
			d.errorf(line, key, "the first line of %s is empty", quote(name))
			return "", false
		}
	case "pass_env":
		if !validEnvName(val) {
			d.errorf(line, key, "%s is not an environment variable name", quote(val))
			return "", false
		}
		lookup := d.l.LookupEnv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		v, ok := lookup(val)
		switch {
		case !ok:
			d.errorf(line, key, "environment variable %s is not set", val)
			return "", false
		case v == "":
			d.errorf(line, key, "environment variable %s is empty", val)
			return "", false
		}
		val = v
	}
	if msg := checkCred("x", val); msg != "" {
		d.errorf(line, key, "%s", msg)
		return "", false
	}
	return val, true
}

// finish checks that a user name and a password came together and returns
// the credentials, or nil if none (or only broken ones) were given.
func (b *credBuilder) finish(d *decoder, ctx string) *Credentials {
	switch {
	case b.user == nil && b.pass == nil:
		return nil
	case b.bad:
		return nil
	case b.pass == nil:
		d.errorf(b.user.Line, join(ctx, b.prefix+"_user"), "set without %s_pass (or %s_pass_file, %s_pass_env)",
			b.prefix, b.prefix, b.prefix)
		return nil
	case b.user == nil:
		d.errorf(b.pass.Line, join(ctx, b.passKey), "set without %s_user", b.prefix)
		return nil
	}
	return &Credentials{User: b.userVal, Pass: b.passVal}
}

// checkCred returns why a user name or password cannot be used in RTSP or
// HTTP authentication (RFC 2617), or "": a user name holding ':' cannot be
// sent with Basic, and control characters could split header lines.
// It never quotes the values.
func checkCred(user, pass string) string {
	switch {
	case user == "":
		return "the user name is empty"
	case strings.ContainsRune(user, ':'):
		return "the user name contains ':' (RFC 2617 Basic cannot carry it)"
	case strings.ContainsFunc(user, isControl):
		return "the user name contains a control character"
	case pass == "":
		return "the password is empty"
	case strings.ContainsFunc(pass, isControl):
		return "the password contains a control character"
	}
	return ""
}

// validEnvName reports whether s is a portable environment variable name.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// errNotRegular is returned for a *_pass_file that is a directory, device
// or pipe: reading one could block or never end.
var errNotRegular = errors.New("not a regular file")

// readSecretFile reads a *_pass_file: a regular file (checked before
// opening, so a FIFO cannot block the open) of at most MaxSecretFileSize
// bytes. Errors name the file, never its contents.
func readSecretFile(name string) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read password file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("password file %s: %w", quote(name), errNotRegular)
	}
	data, err := readAtMost(name, MaxSecretFileSize)
	if err != nil {
		return nil, fmt.Errorf("cannot read password file: %w", err)
	}
	if len(data) > MaxSecretFileSize {
		return nil, fmt.Errorf("password file %s is larger than %d bytes", quote(name), MaxSecretFileSize)
	}
	return data, nil
}
