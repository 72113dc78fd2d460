package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secret is the password used where a test checks it never leaks.
const secret = "hunter2"

// TestSecretsNotInErrors feeds wrong configs holding the secret in every
// place a credential can be; no message may contain it.
func TestSecretsNotInErrors(t *testing.T) {
	loader := Loader{
		LookupEnv: func(string) (string, bool) { return secret + "\x01", true },
		ReadFile:  func(string) ([]byte, error) { return []byte(secret + "\x7f\n"), nil },
	}
	ins := []string{
		"read_user: " + secret + "\nread_pass: \"" + secret + "\\x01\"",
		"read_user: u\nread_pass: " + secret + "\nread_pass: " + secret,
		"read_pass: " + secret,
		"read_user: " + secret,
		"read_user: '" + secret + ":x'\nread_pass: y",
		"read_user: u\nread_pass: [" + secret + "]",
		"read_user: u\nread_pass_env: X",
		"read_user: u\nread_pass_file: x",
		"paths:\n  a:\n    source: rtsps://u:" + secret + "@h/",
		"paths:\n  a:\n    source: rtsp://u:" + secret + "@h:99999/",
		"paths:\n  a:\n    source: rtsp://u:" + secret + "@h/#x",
		"paths:\n  a:\n    source: rtsp://u:" + secret + "@/x",
		"paths:\n  a:\n    source: \"rtsp://u:" + secret + "\\x01@h/\"",
		"paths:\n  a:\n    source: 'rtsp://" + secret + ":@h/'",
		"paths:\n  a:\n    source: 'rtsp://a%zz:" + secret + "@h/'",
		"paths:\n  a:\n    source: rtsp://u:" + secret + "@h/\n    source_user: v\n    source_pass: w",
		"paths:\n  a:\n    source: publisher\n    source_user: " + secret + "\n    source_pass: " + secret,
		"paths:\n  a:\n    publish_user: u\n    publish_pass: " + secret + "\n    publish_pass: " + secret,
		"publish_pass: " + secret + "\n  bad: [",
	}
	for _, in := range ins {
		_, err := loader.Parse("c.yaml", []byte(in))
		if err == nil {
			t.Errorf("Parse(%q) accepted", in)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Parse(%q) error shows the secret: %v", in, err)
		}
	}
}

// TestSecretsNotPrinted checks String, fmt verbs, JSON and slog output of a
// parsed file and its paths.
func TestSecretsNotPrinted(t *testing.T) {
	in := "publish_user: " + secret + "\npublish_pass: " + secret + "\nread_user: " + secret + "\nread_pass: " + secret +
		"\npaths:\n  a:\n    source: rtsp://" + secret + ":" + secret + "@h/\n  b:\n    read_user: " + secret +
		"\n    read_pass: " + secret + "\n    publish_user: " + secret + "\n    publish_pass: " + secret
	f, err := Parse("c.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if f.Paths[0].SourceCreds.Pass != secret || f.Paths[0].Source != "rtsp://h/" {
		t.Fatalf("URL credentials not moved: %v", f.Paths[0])
	}
	var outs []string
	for _, v := range []any{f, *f, f.Paths, f.Paths[0], f.Paths[1], f.PublishCreds, *f.ReadCreds} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(j))
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		outs = append(outs, buf.String())
	}
	outs = append(outs, f.String(), f.Paths[0].String(), f.Paths[1].String())
	for _, s := range outs {
		if strings.Contains(s, secret) || strings.Contains(s, hex(secret)) {
			t.Errorf("output shows the secret: %s", s)
		}
	}
}

func hex(s string) string { return fmt.Sprintf("%x", s) }

// TestEqual checks that Equal sees every setting but not Line.
func TestEqual(t *testing.T) {
	base := Path{Name: "a", Source: "rtsp://h/", SourceKind: KindRTSP, SourceTransport: "auto",
		SourceCreds: &Credentials{"u", "p"}, OnDemand: true, CloseAfter: time.Second, Line: 3}
	same := base
	same.Line = 9
	same.SourceCreds = &Credentials{"u", "p"}
	if !base.Equal(same) {
		t.Error("Line or credentials pointer made paths unequal")
	}
	changes := []func(p *Path){
		func(p *Path) { p.Name = "b" },
		func(p *Path) { p.Source = "rtsp://g/" },
		func(p *Path) { p.SourceKind = KindHTTPStream },
		func(p *Path) { p.SourceTransport = "tcp" },
		func(p *Path) { p.SourceCreds = nil },
		func(p *Path) { p.SourceCreds = &Credentials{"u", "q"} },
		func(p *Path) { p.SnapshotInterval = time.Second },
		func(p *Path) { p.OnDemand = false },
		func(p *Path) { p.CloseAfter = 2 * time.Second },
		func(p *Path) { p.Publish = true },
		func(p *Path) { p.HasPublish = true },
		func(p *Path) { p.PublishCreds = &Credentials{"u", "p"} },
		func(p *Path) { p.ReadCreds = &Credentials{"u", "p"} },
		func(p *Path) { p.Replace = true },
		func(p *Path) { p.WaitForPublisher = true },
	}
	for i, change := range changes {
		q := base
		change(&q)
		if base.Equal(q) || q.Equal(base) {
			t.Errorf("change %d: still Equal", i)
		}
	}
}

// TestEffective checks what paths inherit from the top level.
func TestEffective(t *testing.T) {
	top, own := &Credentials{"top", "t"}, &Credentials{"own", "o"}
	f := &File{Publish: true, PublishCreds: top, ReadCreds: top}
	tests := []struct {
		name string
		in   Path
		want Path
	}{
		{"publisher inherits", Path{}, Path{Publish: true, HasPublish: true, PublishCreds: top, ReadCreds: top}},
		{"publisher overrides", Path{HasPublish: true, PublishCreds: own, ReadCreds: own},
			Path{Publish: false, HasPublish: true, PublishCreds: own, ReadCreds: own}},
		{"pulled", Path{SourceKind: KindRTSP}, Path{SourceKind: KindRTSP, ReadCreds: top}},
	}
	for _, tt := range tests {
		if got := f.Effective(tt.in); !got.Equal(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestLoad reads real files: relative names resolve against the config
// file's directory, and the file reader refuses what it should.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("pw", "s3cret\n")
	write("big", strings.Repeat("x", MaxSecretFileSize+1))
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := write("c.yaml", "media: frames\nread_user: u\nread_pass_file: pw\n")
	t.Setenv("RTPSTREAM_CONFIG_TEST_PASS", "from-env")
	env := write("e.yaml", "read_user: u\nread_pass_env: RTPSTREAM_CONFIG_TEST_PASS\n")

	f, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if f.Media != filepath.Join(dir, "frames") || f.ReadCreds.Pass != "s3cret" || f.Name != cfg {
		t.Errorf("got media %q, name %q", f.Media, f.Name)
	}
	if f, err := Load(env); err != nil || f.ReadCreds.Pass != "from-env" {
		t.Errorf("env: %v", err)
	}

	for _, tt := range []struct{ file, wantErr string }{
		{"sub", "not a regular file"},
		{"big", "is larger than 65536 bytes"},
		{"missing", "cannot read password file"},
	} {
		c := write("x.yaml", "read_user: u\nread_pass_file: "+tt.file+"\n")
		if _, err := Load(c); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: got %v, want %q", tt.file, err, tt.wantErr)
		}
	}
	if _, err := Load(filepath.Join(dir, "none.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing config: %v", err)
	}
	big := write("big.yaml", "#"+strings.Repeat("x", MaxFileSize))
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big config: %v", err)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindPublisher: "publisher", KindRTSP: "rtsp", KindHTTPStream: "http-stream",
		KindHTTPSnapshot: "http-snapshot", Kind(9): "Kind(9)"} {
		if k.String() != want {
			t.Errorf("%d: %q", int(k), k.String())
		}
	}
}

// TestString pins the log summaries (credentials show as set or unset).
func TestString(t *testing.T) {
	in := "listen: ':1'\nmedia: /m\nfps: 2.5\npublish: true\nread_user: u\nread_pass: p\npaths:\n" +
		"  a:\n    source: rtsp://u:p@h/x\n    on_demand: false\n" +
		"  b/c:\n    source: http://h/s.jpg\n    snapshot_interval: 1s\n" +
		"  d:\n    publish: false\n    replace: true\n"
	f, err := Parse("c.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"c.yaml listen=:1 media=/m fps=2.5 publish=true publish_auth=unset read_auth=set paths=3",
		"/a source=rtsp://h/x source_transport=auto on_demand=false source_auth=set read_auth=unset",
		"/b/c source=http://h/s.jpg snapshot_interval=1s on_demand=true close_after=10s source_auth=unset read_auth=unset",
		"/d source=publisher publish=false publish_auth=unset replace=true wait_for_publisher=false read_auth=unset",
	}
	got := []string{f.String()}
	for _, p := range f.Paths {
		got = append(got, p.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got  %s\nwant %s", got[i], want[i])
		}
	}
	if s := (Credentials{"u", "p"}).String(); s != redacted {
		t.Errorf("Credentials.String() = %q", s)
	}
}
