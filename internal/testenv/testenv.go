// Package testenv finds the project's shared test data and real protocol peers
// (ffmpeg, GStreamer) for tests, and decides whether a missing peer skips the
// test or fails it.
//
// Locally a missing peer skips with a message naming the binary; CI sets
// RTPSTREAM_REQUIRE_PEERS=1, which turns every such skip into a failure so
// that a green CI run always means the interop tests really ran.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequirePeersEnv names the environment variable that turns missing peers
// into test failures.
const RequirePeersEnv = "RTPSTREAM_REQUIRE_PEERS"

// SharedEnv names an environment variable that overrides where the shared/
// folder (design notes, media, vectors, peers) is looked for.
const SharedEnv = "RTPSTREAM_SHARED"

// SharedDir returns the shared/ folder that sits beside the repository
// (../shared from the repository root), searching upwards from the test's
// working directory. It skips the test (or fails it when peers are required)
// if the folder cannot be found.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv(SharedEnv); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		cand := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(cand, "vectors")); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	missing(tb, "shared/ folder (design, media, vectors) not found above the working directory; set "+SharedEnv)
	return ""
}

// SharedPath returns a path inside the shared/ folder, e.g.
// SharedPath(t, "media/movie.Mjpeg").
func SharedPath(tb testing.TB, rel string) string {
	tb.Helper()
	return filepath.Join(SharedDir(tb), filepath.FromSlash(rel))
}

// LookPeer returns the absolute path of a peer binary such as "ffmpeg" or
// "gst-launch-1.0", skipping (or failing, under RTPSTREAM_REQUIRE_PEERS=1)
// when it is not installed.
func LookPeer(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(tb, "peer "+name+" not installed (apt-get install it, see .ci/run)")
		return ""
	}
	return p
}

// PeersRequired reports whether missing peers must fail tests.
func PeersRequired() bool { return os.Getenv(RequirePeersEnv) == "1" }

func missing(tb testing.TB, msg string) {
	tb.Helper()
	if PeersRequired() {
		tb.Fatalf("%s (%s=1)", msg, RequirePeersEnv)
	}
	tb.Skip(msg)
}
