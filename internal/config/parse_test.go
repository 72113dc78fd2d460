package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// testLoader knows one variable (SET=from-env, EMPTY="") and one file
// (pw.txt holding "from-file"; empty.txt holding a blank first line).
var testLoader = Loader{
	LookupEnv: func(name string) (string, bool) {
		switch name {
		case "SET":
			return "from-env", true
		case "EMPTY":
			return "", true
		}
		return "", false
	},
	ReadFile: func(name string) ([]byte, error) {
		switch name {
		case "dir/pw.txt":
			return []byte("  from-file  \r\nsecond line\n"), nil
		case "dir/empty.txt":
			return []byte("\nsecond\n"), nil
		}
		return nil, errors.New("cannot read password file: no such file")
	},
}

func TestParseValid(t *testing.T) {
	const in = `
listen: "127.0.0.1:8554"
media: frames
fps: 12.5
publish: true
publish_user: pub
publish_pass_env: SET
read_user: viewer
read_pass_file: pw.txt
paths:
  cam1:
    source: rtsp://admin:pw@cam.example:554/s?x=1
  site/lobby:
    source: HTTP://lobby.example/mjpg
    on_demand: false
  door:
    source: https://door.example/snap.jpg
    snapshot_interval: 250ms
    close_after: 1m
    source_user: u
    source_pass: p
  live:
  studio:
    publish: false
    publish_user: s
    publish_pass: sp
    replace: true
    wait_for_publisher: true
    read_user: r
    read_pass: rp
`
	f, err := testLoader.Parse("dir/rtpstream.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if f.Listen != "127.0.0.1:8554" || !f.HasListen || f.Media != "dir/frames" || !f.HasMedia ||
		f.FPS != 12.5 || !f.HasFPS || !f.Publish || !f.HasPublish ||
		*f.PublishCreds != (Credentials{"pub", "from-env"}) || *f.ReadCreds != (Credentials{"viewer", "from-file"}) {
		t.Errorf("top level: %+v pub=%#v read=%#v", f, *f.PublishCreds, *f.ReadCreds)
	}
	want := []Path{
		{Name: "cam1", Source: "rtsp://cam.example:554/s?x=1", SourceKind: KindRTSP, SourceTransport: "auto",
			SourceCreds: &Credentials{"admin", "pw"}, OnDemand: true, CloseAfter: DefaultCloseAfter, Line: 11},
		{Name: "site/lobby", Source: "HTTP://lobby.example/mjpg", SourceKind: KindHTTPStream, Line: 13},
		{Name: "door", Source: "https://door.example/snap.jpg", SourceKind: KindHTTPSnapshot,
			SnapshotInterval: 250 * time.Millisecond, OnDemand: true, CloseAfter: time.Minute,
			SourceCreds: &Credentials{"u", "p"}, Line: 16},
		{Name: "live", Source: PublisherSource, Line: 22},
		{Name: "studio", Source: PublisherSource, HasPublish: true, PublishCreds: &Credentials{"s", "sp"},
			Replace: true, WaitForPublisher: true, ReadCreds: &Credentials{"r", "rp"}, Line: 23},
	}
	if len(f.Paths) != len(want) {
		t.Fatalf("got %d paths, want %d", len(f.Paths), len(want))
	}
	for i, w := range want {
		if g := f.Paths[i]; !g.Equal(w) || g.Line != w.Line {
			t.Errorf("path %d:\n got %v (line %d)\nwant %v (line %d)", i, g, g.Line, w, w.Line)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "~\n", "---\n", "paths:\n"} {
		f, err := Parse("e.yaml", []byte(in))
		if err != nil || f.HasListen || len(f.Paths) != 0 || f.Name != "e.yaml" {
			t.Errorf("Parse(%q) = %v, %v", in, f, err)
		}
	}
}

// TestParseErrors checks the exact message of each kind of error.
func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		// Keys.
		{"unknown top key", "listn: x", `c.yaml:1: listn: unknown key`},
		{"unknown path key", "paths:\n  cam1:\n    source: rtsp://h/\n    close_afer: 1s",
			`c.yaml:4: paths.cam1.close_afer: unknown key`},
		{"unknown key quoted", "\"a b\": 1", `c.yaml:1: "a b": unknown key`},
		{"duplicate top key", "fps: 1\nfps: 2", `c.yaml:2: fps: duplicate key (first at line 1)`},
		{"duplicate path key", "paths:\n  a:\n    replace: true\n    replace: false",
			`c.yaml:4: paths.a.replace: duplicate key (first at line 3)`},
		{"duplicate path", "paths:\n  a:\n  b:\n  a:", `c.yaml:4: paths.a: duplicate path (first at line 2)`},
		{"key not a string", "1: x", `c.yaml:1: a key must be a plain word, not an integer`},
		{"key a list", "[a]: x", `c.yaml:1: a key must be a plain word, not a list`},
		{"merge key", "base: &b {fps: 1}\n<<: *b", `c.yaml:1: base: unknown key` + "\n" +
			`c.yaml:2: a key must be a plain word, not a value tagged "!!merge"`},
		// Document shape.
		{"top not mapping", "- a\n- b", `c.yaml:1: the top level must be a mapping of keys to values, not a list`},
		{"top scalar", "hello", `c.yaml:1: the top level must be a mapping of keys to values, not a string`},
		{"paths not mapping", "paths: [a]", `c.yaml:1: paths: must be a mapping of path names to settings, not a list`},
		{"path not mapping", "paths:\n  a: 1", `c.yaml:2: paths.a: must be a mapping of keys to values, not an integer`},
		{"alias", "read_user: &u x\nread_pass: y\npublish_user: *u\npublish_pass: z", `c.yaml:3: publish_user: must be a string, not an alias (aliases are not supported)`},
		{"two documents", "fps: 1\n---\nfps: 2", `c.yaml:2: YAML: a config file holds one YAML document, found a second`},
		{"syntax", "fps: 1\n  bad: [", `c.yaml:2: YAML: mapping values are not allowed in this context`},
		{"tab indent", "paths:\n\tcam: {}", `c.yaml:2: YAML: found character that cannot start any token`},
		// Types and values.
		{"listen int", "listen: 8554", `c.yaml:1: listen: must be a string, not an integer`},
		{"listen no port", "listen: localhost", `c.yaml:1: listen: "localhost" is not host:port (like ":8554")`},
		{"listen bad port", "listen: ':http'", `c.yaml:1: listen: port "http" is not a number 0..65535`},
		{"listen empty", "listen: ''", `c.yaml:1: listen: must not be empty`},
		{"listen null", "listen:", `c.yaml:1: listen: must be a string, not empty`},
		{"media control", "media: \"a\\x01b\"", `c.yaml:1: media: contains a control character`},
		{"fps string", "fps: fast", `c.yaml:1: fps: must be a number, not a string`},
		{"fps zero", "fps: 0", `c.yaml:1: fps: "0" is out of range (0, 1000]`},
		{"fps big", "fps: 1e9", `c.yaml:1: fps: "1e9" is out of range (0, 1000]`},
		{"fps nan", "fps: .nan", `c.yaml:1: fps: ".nan" is out of range (0, 1000]`},
		{"publish yes", "publish: yes", `c.yaml:1: publish: must be true or false, not a string`},
		{"publish quoted", "publish: 'true'", `c.yaml:1: publish: must be true or false, not a string`},
		{"transport", "paths:\n  cam1:\n    source: rtsp://h/\n    source_transport: udpp",
			`c.yaml:4: paths.cam1.source_transport: "udpp" is not one of udp, tcp, auto`},
		{"duration no unit", "paths:\n  a:\n    source: rtsp://h/\n    close_after: 10",
			`c.yaml:4: paths.a.close_after: must be a duration with a unit, like 10s or 500ms, not an integer`},
		{"duration bad", "paths:\n  a:\n    source: rtsp://h/\n    close_after: 10 s",
			`c.yaml:4: paths.a.close_after: "10 s" is not a duration (like 10s or 500ms)`},
		{"duration zero", "paths:\n  a:\n    source: rtsp://h/\n    close_after: 0s",
			`c.yaml:4: paths.a.close_after: "0s" is out of range (0, 24h]`},
		{"duration long", "paths:\n  a:\n    source: rtsp://h/\n    close_after: 25h",
			`c.yaml:4: paths.a.close_after: "25h" is out of range (0, 24h]`},
		{"snapshot short", "paths:\n  a:\n    source: http://h/x.jpg\n    snapshot_interval: 1ms",
			`c.yaml:4: paths.a.snapshot_interval: "1ms" is out of range 10ms..1h`},
		// Path names.
		{"name empty", "paths:\n  '': {}", `c.yaml:2: paths."": path name is empty`},
		{"name leading slash", "paths:\n  /cam1:", `c.yaml:2: paths./cam1: path name must not start with '/' (write cam1 for rtsp://host/cam1)`},
		{"name trailing slash", "paths:\n  cam1/:", `c.yaml:2: paths.cam1/: path name must not end with '/'`},
		{"name empty segment", "paths:\n  a//b:", `c.yaml:2: paths.a//b: path name has an empty segment (//)`},
		{"name dotdot", "paths:\n  a/../b:", `c.yaml:2: paths.a/../b: path name has a ".." segment`},
		{"name dot", "paths:\n  ./b:", `c.yaml:2: paths../b: path name has a "." segment`},
		{"name control", "paths:\n  \"a\\tb\":", `c.yaml:2: paths."a\tb": path name contains a control character`},
		{"name percent", "paths:\n  a%20b:", `c.yaml:2: paths.a%20b: path name contains '%' (names are not percent-encoded)`},
		{"name query", "paths:\n  a?b:", `c.yaml:2: paths.a?b: path name contains '?' (allowed: letters, digits and -._~!$&'()*+,;=:@/)`},
		{"name space", "paths:\n  a b:", `c.yaml:2: paths."a b": path name contains ' ' (allowed: letters, digits and -._~!$&'()*+,;=:@/)`},
		{"name non-ascii", "paths:\n  café:", `c.yaml:2: paths."café": path name contains a non-ASCII character`},
		{"name test", "paths:\n  test:", `c.yaml:2: paths.test: path name test is the built-in test pattern`},
		{"name long", "paths:\n  ? " + strings.Repeat("a", MaxNameLen+1) + "\n  : {}",
			`c.yaml:2: paths."` + strings.Repeat("a", maxQuoted) + `"...: path name is longer than 1024 bytes`},
		{"name null", "paths:\n  ~: {}", `c.yaml:2: paths: a path name must be a scalar, not empty`},
		{"name int", "paths:\n  42:\n    replace: true", ""}, // a number is a fine name
		// Sources.
		{"scheme", "paths:\n  a:\n    source: rtsps://u:hunter2@h/", `c.yaml:3: paths.a.source: URL scheme "rtsps" is not supported (rtsp, http or https)`},
		{"not url", "paths:\n  a:\n    source: camera", `c.yaml:3: paths.a.source: must be publisher or an rtsp://, http:// or https:// URL`},
		{"no host", "paths:\n  a:\n    source: rtsp:///x", `c.yaml:3: paths.a.source: the URL has no host`},
		{"opaque", "paths:\n  a:\n    source: 'rtsp:h/x'", `c.yaml:3: paths.a.source: the URL has no host`},
		{"port zero", "paths:\n  a:\n    source: rtsp://h:0/", `c.yaml:3: paths.a.source: the URL's port "0" is not a number 1..65535`},
		{"fragment", "paths:\n  a:\n    source: http://h/x#y", `c.yaml:3: paths.a.source: the URL must not have a #fragment`},
		{"url user only", "paths:\n  a:\n    source: rtsp://admin@h/", `c.yaml:3: paths.a.source: the URL's credentials: user and password must both be given`},
		{"url empty pass", "paths:\n  a:\n    source: 'rtsp://admin:@h/'", `c.yaml:3: paths.a.source: the URL's credentials: the password is empty`},
		{"url and keys", "paths:\n  a:\n    source: rtsp://u:p@h/\n    source_user: v\n    source_pass: q",
			`c.yaml:3: paths.a.source: credentials both in the URL and in source_user/source_pass`},
		// Keys that the source kind does not allow.
		{"snapshot rtsp", "paths:\n  a:\n    source: rtsp://h/\n    snapshot_interval: 1s",
			`c.yaml:4: paths.a.snapshot_interval: only for http:// and https:// sources`},
		{"transport http", "paths:\n  a:\n    source: http://h/\n    source_transport: tcp",
			`c.yaml:4: paths.a.source_transport: only for rtsp:// sources`},
		{"publish pulled", "paths:\n  a:\n    source: rtsp://h/\n    publish: true",
			`c.yaml:4: paths.a.publish: only for source: publisher`},
		{"publish creds pulled", "paths:\n  a:\n    source: http://h/\n    publish_user: u\n    publish_pass: p",
			"c.yaml:4: paths.a.publish_user: only for source: publisher\nc.yaml:5: paths.a.publish_pass: only for source: publisher"},
		{"on_demand publisher", "paths:\n  a:\n    on_demand: true",
			`c.yaml:3: paths.a.on_demand: only for pulled sources (rtsp://, http://, https://)`},
		{"source creds publisher", "paths:\n  a:\n    source: publisher\n    source_user: u\n    source_pass: p",
			"c.yaml:4: paths.a.source_user: only for pulled sources (rtsp://, http://, https://)\n" +
				"c.yaml:5: paths.a.source_pass: only for pulled sources (rtsp://, http://, https://)"},
		{"close_after always on", "paths:\n  a:\n    source: rtsp://h/\n    on_demand: false\n    close_after: 5s",
			`c.yaml:5: paths.a.close_after: needs on_demand: true`},
		// Credentials.
		{"user without pass", "read_user: v", `c.yaml:1: read_user: set without read_pass (or read_pass_file, read_pass_env)`},
		{"pass without user", "paths:\n  a:\n    read_pass: x", `c.yaml:3: paths.a.read_pass: set without read_user`},
		{"two passes", "publish_user: u\npublish_pass: x\npublish_pass_env: SET",
			`c.yaml:3: publish_pass_env: give only one of publish_pass, publish_pass_file, publish_pass_env (publish_pass is set at line 2)`},
		{"pass int", "read_user: u\nread_pass: 1234", `c.yaml:2: read_pass: must be a string, not an integer`},
		{"pass empty", "read_user: u\nread_pass: ''", `c.yaml:2: read_pass: must not be empty`},
		{"pass control", "read_user: u\nread_pass: \"a\\nb\"", `c.yaml:2: read_pass: contains a control character`},
		{"user colon", "read_user: 'a:b'\nread_pass: x", `c.yaml:1: read_user: the user name contains ':' (RFC 2617 Basic cannot carry it)`},
		{"env unset", "read_user: u\nread_pass_env: NOPE", `c.yaml:2: read_pass_env: environment variable NOPE is not set`},
		{"env empty", "read_user: u\nread_pass_env: EMPTY", `c.yaml:2: read_pass_env: environment variable EMPTY is empty`},
		{"env bad name", "read_user: u\nread_pass_env: 1X", `c.yaml:2: read_pass_env: "1X" is not an environment variable name`},
		{"file missing", "read_user: u\nread_pass_file: nope", `c.yaml:2: read_pass_file: cannot read password file: no such file`},
		{"file blank", "read_user: u\nread_pass_file: empty.txt", `c.yaml:2: read_pass_file: the first line of "dir/empty.txt" is empty`},
		// Several errors come sorted by line.
		{"several", "paths:\n  a:\n    source: rtsp://h/\n    replace: true\nfps: 0\nlistn: 1",
			"c.yaml:4: paths.a.replace: only for source: publisher\nc.yaml:5: fps: \"0\" is out of range (0, 1000]\nc.yaml:6: listn: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "c.yaml"
			if strings.Contains(tt.name, "file") {
				name = "dir/c.yaml"
				tt.want = strings.ReplaceAll(tt.want, "c.yaml:", "dir/c.yaml:")
			}
			_, err := testLoader.Parse(name, []byte(tt.in))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Parse(%q):\n got %s\nwant %s", tt.in, got, tt.want)
			}
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

// TestParseLimits checks the file size and path count limits.
func TestParseLimits(t *testing.T) {
	big := make([]byte, MaxFileSize+1)
	if _, err := Parse("big.yaml", big); err == nil || err.Error() != "big.yaml: file is larger than 1048576 bytes" {
		t.Errorf("big file: %v", err)
	}
	var b strings.Builder
	b.WriteString("paths:\n")
	for i := range MaxPaths + 1 {
		b.WriteString("  p")
		b.WriteString(strings.Repeat("x", i%3))
		b.WriteString(time.Duration(i).String())
		b.WriteString(":\n")
	}
	if _, err := Parse("many.yaml", []byte(b.String())); err == nil || err.Error() != "many.yaml:2: paths: more than 10000 paths" {
		t.Errorf("many paths: %v", err)
	}
	var m strings.Builder
	for range MaxErrors + 5 {
		m.WriteString("listn: 1\n")
	}
	_, err := Parse("m.yaml", []byte(m.String()))
	if err == nil || strings.Count(err.Error(), "\n") != MaxErrors || !strings.HasSuffix(err.Error(), "m.yaml: 5 more errors") {
		t.Errorf("many errors: %v", err)
	}
}
