package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Loader reads config files. Its zero value reads *_pass_env variables from
// the process environment and *_pass_file files from disk; tests and fuzzing
// replace both.
type Loader struct {
	// LookupEnv finds the variable of a *_pass_env key; nil means
	// os.LookupEnv.
	LookupEnv func(name string) (string, bool)
	// ReadFile reads the file of a *_pass_file key (a path already resolved
	// against the config file's directory); only the first line is used.
	// nil means readSecretFile: a regular file of at most
	// MaxSecretFileSize bytes.
	ReadFile func(path string) ([]byte, error)
}

// Load reads and validates the config file at path with the zero Loader.
func Load(path string) (*File, error) { return Loader{}.Load(path) }

// Parse validates the config file contents data; name is used in errors
// and to resolve relative file names, as if data had been read from it.
func Parse(name string, data []byte) (*File, error) { return Loader{}.Parse(name, data) }

// Load reads the config file at path (at most MaxFileSize bytes) and
// validates it.
func (l Loader) Load(path string) (*File, error) {
	data, err := readAtMost(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return l.Parse(path, data)
}

// readAtMost reads the file name, but no more than limit+1 bytes, so that
// callers can tell a file over the limit without reading all of it.
func readAtMost(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit+1))
}

// Parse validates the config file contents data (see the package doc);
// name is used in errors and to resolve relative file names. The error, if
// any, joins one *Error per problem found, by line.
func (l Loader) Parse(name string, data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is larger than %d bytes", MaxFileSize)}
	}
	root, yerr := decodeYAML(data)
	if yerr != nil {
		return nil, yamlError(name, yerr)
	}
	d := &decoder{name: name, dir: filepath.Dir(name), l: l}
	f := d.file(root)
	if len(d.errs) > 0 {
		return nil, d.joined()
	}
	return f, nil
}

// errMultiDoc is returned for a stream of more than one YAML document.
var errMultiDoc = errors.New("a config file holds one YAML document, found a second")

// decodeYAML parses data into a node tree; the returned node is nil for an
// empty document. A panic in the YAML module on hostile input becomes an
// error (the module is third-party; this package never panics on input).
func decodeYAML(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, err
	default:
		return nil, fmt.Errorf("yaml: line %d: %w", next.Line, errMultiDoc)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], nil
	}
	return &doc, nil
}

// decoder walks the node tree, collecting errors rather than stopping at
// the first, so one run shows every problem.
type decoder struct {
	name string // file name for errors
	dir  string // directory relative file names are resolved against
	l    Loader
	errs []*Error
}

// errorf records a problem at line under key.
func (d *decoder) errorf(line int, key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.name, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// joined returns the recorded errors by line, at most MaxErrors of them.
func (d *decoder) joined() error {
	sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
	var errs []error
	for i, e := range d.errs {
		if i == MaxErrors {
			errs = append(errs, &Error{File: d.name, Msg: fmt.Sprintf("%d more errors", len(d.errs)-MaxErrors)})
			break
		}
		errs = append(errs, e)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// entry is one key: value pair of a mapping.
type entry struct {
	key  string
	k, v *yaml.Node
}

// mapping returns the pairs of the mapping n, under the dotted key ctx,
// after checking that each key is a known, plain, non-repeated scalar.
// ok is false if n is not a mapping (null counts as an empty one).
func (d *decoder) mapping(n *yaml.Node, ctx string, keys []string) (es []entry, ok bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, ctx, "must be a mapping of keys to values, not %s", describe(n))
		return nil, false
	}
	first := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			d.errorf(k.Line, ctx, "a key must be a plain word, not %s", describe(k))
			continue
		}
		key := join(ctx, k.Value)
		if !slices.Contains(keys, k.Value) {
			d.errorf(k.Line, join(ctx, safeKey(k.Value)), "unknown key")
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.errorf(k.Line, key, "duplicate key (first at line %d)", line)
			continue
		}
		first[k.Value] = k.Line
		es = append(es, entry{key: k.Value, k: k, v: v})
	}
	return es, true
}

// join appends key to the dotted context ctx.
func join(ctx, key string) string {
	if ctx == "" {
		return key
	}
	return ctx + "." + key
}

// file decodes the top level.
func (d *decoder) file(root *yaml.Node) *File {
	f := &File{Name: d.name}
	if root == nil {
		return f
	}
	if !isNull(root) && root.Kind != yaml.MappingNode {
		d.errorf(root.Line, "", "the top level must be a mapping of keys to values, not %s", describe(root))
		return f
	}
	es, _ := d.mapping(root, "", topKeys)
	pub, read := credBuilder{prefix: "publish"}, credBuilder{prefix: "read"}
	for _, e := range es {
		switch e.key {
		case "listen":
			f.Listen, f.HasListen = d.listen(e.v, e.key)
		case "media":
			if s, ok := d.str(e.v, e.key); ok {
				f.Media, f.HasMedia = d.resolve(s), true
			}
		case "fps":
			f.FPS, f.HasFPS = d.fps(e.v, e.key)
		case "publish":
			f.Publish, f.HasPublish = d.boolean(e.v, e.key)
		case "paths":
			f.Paths = d.paths(e.v)
		case "files":
			f.Files = d.files(e.v) // files.go
		default:
			if !pub.take(d, e, "") && !read.take(d, e, "") {
				d.errorf(e.k.Line, e.key, "internal error: key not handled")
			}
		}
	}
	f.PublishCreds = pub.finish(d, "")
	f.ReadCreds = read.finish(d, "")
	d.filesRules(f)
	return f
}

// paths decodes the paths mapping.
func (d *decoder) paths(n *yaml.Node) []Path {
	var out []Path
	d.named(n, "paths", "path", MaxPaths, checkName, func(k, v *yaml.Node, ctx string) {
		if p, ok := d.path(k, v, ctx); ok {
			out = append(out, p)
		}
	})
	return out
}

// named walks a top-level mapping of names (paths, files) under key: at
// most limit entries, each name a scalar that check accepts (it returns
// why not) and not repeated; each is called with the entry's name and
// value nodes and its dotted context, "KEY.NAME". noun names an entry in
// messages.
func (d *decoder) named(n *yaml.Node, key, noun string, limit int, check func(string) string, each func(k, v *yaml.Node, ctx string)) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, key, "must be a mapping of %s names to settings, not %s", noun, describe(n))
		return
	}
	if len(n.Content)/2 > limit {
		d.errorf(n.Line, key, "more than %d %ss", limit, noun)
		return
	}
	first := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || isNull(k) {
			d.errorf(k.Line, key, "a %s name must be a scalar, not %s", noun, describe(k))
			continue
		}
		ctx := join(key, safeKey(k.Value))
		if msg := check(k.Value); msg != "" {
			d.errorf(k.Line, ctx, "%s", msg)
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.errorf(k.Line, ctx, "duplicate %s (first at line %d)", noun, line)
			continue
		}
		first[k.Value] = k.Line
		each(k, v, ctx)
	}
}

// path decodes one path's settings; ctx is "paths.NAME".
func (d *decoder) path(k, v *yaml.Node, ctx string) (Path, bool) {
	p := Path{Name: k.Value, Line: k.Line, Source: PublisherSource, SourceKind: KindPublisher}
	nerr := len(d.errs)
	es, ok := d.mapping(v, ctx, pathKeys)
	if !ok {
		return p, false
	}
	src, pub, read := credBuilder{prefix: "source"}, credBuilder{prefix: "publish"}, credBuilder{prefix: "read"}
	set := make(map[string]*yaml.Node, len(es))
	var urlCreds *Credentials
	var srcNode *yaml.Node
	sourceOK := true
	for _, e := range es {
		set[e.key] = e.k
		key := join(ctx, e.key)
		switch e.key {
		case "source":
			srcNode = e.k
			p.Source, p.SourceKind, urlCreds, sourceOK = d.source(e.v, key)
		case "source_transport":
			if s, ok := d.str(e.v, key); ok {
				if s != "udp" && s != "tcp" && s != "auto" {
					d.errorf(e.v.Line, key, "%s is not one of udp, tcp, auto", quote(s))
				}
				p.SourceTransport = s
			}
		case "snapshot_interval":
			p.SnapshotInterval, _ = d.duration(e.v, key, MinSnapshotInterval, MaxSnapshotInterval, "10ms..1h")
		case "on_demand":
			p.OnDemand, _ = d.boolean(e.v, key)
		case "close_after":
			p.CloseAfter, _ = d.duration(e.v, key, 1, MaxCloseAfter, "(0, 24h]")
		case "publish":
			p.Publish, p.HasPublish = d.boolean(e.v, key)
		case "replace":
			p.Replace, _ = d.boolean(e.v, key)
		case "wait_for_publisher":
			p.WaitForPublisher, _ = d.boolean(e.v, key)
		default:
			if !d.recordKey(&p.Record, e, key) && !src.take(d, e, ctx) && !pub.take(d, e, ctx) && !read.take(d, e, ctx) {
				d.errorf(e.k.Line, key, "internal error: key not handled")
			}
		}
	}
	p.ReadCreds = read.finish(d, ctx)
	if !sourceOK {
		return p, false
	}
	d.kindRules(&p, set, ctx)
	d.recordRules(&p.Record, set, ctx)
	if p.SourceKind == KindPublisher {
		p.PublishCreds = pub.finish(d, ctx)
	} else {
		p.SourceCreds = src.finish(d, ctx)
		if urlCreds != nil {
			if p.SourceCreds != nil || src.user != nil || src.pass != nil {
				d.errorf(srcNode.Line, join(ctx, "source"), "credentials both in the URL and in source_user/source_pass")
			}
			p.SourceCreds = urlCreds
		}
	}
	return p, len(d.errs) == nerr
}

// kindRules checks which keys the path's source kind allows and fills in
// the defaults of the kind.
func (d *decoder) kindRules(p *Path, set map[string]*yaml.Node, ctx string) {
	bad := func(key, msg string) {
		if k := set[key]; k != nil {
			d.errorf(k.Line, join(ctx, key), "%s", msg)
		}
	}
	if p.SourceKind != KindRTSP {
		bad("source_transport", "only for rtsp:// sources")
	}
	if p.SourceKind != KindHTTPStream {
		bad("snapshot_interval", "only for http:// and https:// sources")
	}
	if p.SourceKind == KindPublisher {
		for _, key := range pulledOnly {
			bad(key, "only for pulled sources (rtsp://, http://, https://)")
		}
		p.SnapshotInterval, p.SourceTransport, p.OnDemand, p.CloseAfter = 0, "", false, 0
		return
	}
	for _, key := range publisherOnly {
		bad(key, "only for source: publisher")
	}
	p.Publish, p.HasPublish, p.Replace, p.WaitForPublisher = false, false, false, false
	if p.SourceKind == KindRTSP && p.SourceTransport == "" {
		p.SourceTransport = DefaultSourceTransport
	}
	if p.SourceKind != KindRTSP {
		p.SourceTransport = ""
	}
	if p.SourceKind == KindHTTPStream && p.SnapshotInterval > 0 {
		p.SourceKind = KindHTTPSnapshot
	}
	if set["on_demand"] == nil {
		p.OnDemand = true
	}
	if !p.OnDemand {
		bad("close_after", "needs on_demand: true")
		p.CloseAfter = 0
	} else if p.CloseAfter == 0 {
		p.CloseAfter = DefaultCloseAfter
	}
}

// resolve makes a relative file name relative to the config file's
// directory.
func (d *decoder) resolve(name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(d.dir, name)
}

// safeKey renders a key or path name for an error's dotted key: as it is
// when it is printable ASCII without quotes or spaces, else quoted.
func safeKey(s string) string {
	if s == "" || len(s) > maxQuoted || strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || r == '"' || r == '\\'
	}) {
		return quote(s)
	}
	return s
}
