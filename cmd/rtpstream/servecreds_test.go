package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestResolvePassword: a password comes from the flag, else the file's
// first line, else the environment; flag and file together are a usage
// error. Before, --pass on the command line (visible in ps) was the only way.
func TestResolvePassword(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "s3cret\nignored\n")
	crlf := write("crlf", "s3cret\r\n")
	empty := write("empty", "\n")
	long := write("long", strings.Repeat("x", maxPassFile+1))
	const env = "RTPSTREAM_TEST_PASS"
	t.Setenv(env, "from-env")
	for _, tc := range []struct {
		name, flag, file, want string
		wantErr                bool
	}{
		{"flag", "p", "", "p", false},
		{"file", "", good, "s3cret", false},
		{"file crlf", "", crlf, "s3cret", false},
		{"env", "", "", "from-env", false},
		{"flag and file", "p", good, "", true},
		{"empty file", "", empty, "", true},
		{"long file", "", long, "", true},
		{"missing file", "", filepath.Join(dir, "nope"), "", true},
	} {
		got, err := resolvePassword("pass", tc.flag, tc.file, env)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s: %q %v", tc.name, got, err)
		}
	}
}

func TestParseAuthSchemes(t *testing.T) {
	for in, want := range map[string][]string{
		"digest": {"digest"}, "basic,digest": {"basic", "digest"}, " Digest , BASIC ": {"digest", "basic"},
	} {
		if got, err := parseAuthSchemes(in); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ntlm", "digest,", "basic;digest"} {
		if _, err := parseAuthSchemes(bad); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestServeCredentialFlags: serve refuses a bad --auth and a --pass with
// --pass-file before it starts, and takes the readers' password from
// RTPSTREAM_PASS when --user comes alone.
func TestServeCredentialFlags(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--auth", "ntlm"},
		{"--user", "u", "--pass", "a", "--pass-file", p},
		{"--publish-user", "u", "--publish-pass", "a", "--publish-pass-file", p},
		{"--pass-file", p}, // a password without a user
	} {
		err := serve(context.Background(), append(args, "--listen", "127.0.0.1:0"), io.Discard, io.Discard, serveHooks{})
		if !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	t.Setenv(envPass, "")
	err := serve(context.Background(), []string{"--user", "u", "--listen", "127.0.0.1:0"}, io.Discard, io.Discard, serveHooks{})
	if !errors.Is(err, errUsage) {
		t.Errorf("--user without any password: %v", err)
	}
}
