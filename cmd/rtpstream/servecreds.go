package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rtpstream/rtpstream/server"
)

// Environment variables that give serve's passwords without showing them
// in ps (they apply when the matching user flag is given and neither the
// password flag nor its file is).
const (
	envPass        = "RTPSTREAM_PASS"
	envPublishPass = "RTPSTREAM_PUBLISH_PASS"
)

// maxPassFile bounds a password file's size.
const maxPassFile = 4 << 10

// resolvePassword picks a password from, in order, the flag's value, the
// file's first line (FILE given with --NAME-file), or the environment
// variable env; at most one of flag and file may be given.
func resolvePassword(name, flagVal, file, env string) (string, error) {
	if flagVal != "" && file != "" {
		return "", fmt.Errorf("%w: --%s and --%s-file: give one", errUsage, name, name)
	}
	if flagVal != "" {
		return flagVal, nil
	}
	if file == "" {
		return os.Getenv(env), nil
	}
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("--%s-file: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPassFile+1))
	if err != nil {
		return "", fmt.Errorf("--%s-file %s: %w", name, file, err)
	}
	if len(b) > maxPassFile {
		return "", fmt.Errorf("--%s-file %s: longer than %d bytes", name, file, maxPassFile)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", fmt.Errorf("--%s-file %s: empty first line", name, file)
	}
	return line, nil
}

// parseAuthSchemes reads --auth: a comma-separated list of "digest" and
// "basic".
func parseAuthSchemes(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		switch f = strings.ToLower(strings.TrimSpace(f)); f {
		case server.SchemeDigest, server.SchemeBasic:
			out = append(out, f)
		default:
			return nil, fmt.Errorf("%w: --auth %q: want digest, basic or basic,digest", errUsage, s)
		}
	}
	return out, nil
}
