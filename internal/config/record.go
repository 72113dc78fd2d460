package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// Recording bounds and defaults (the record_* keys of a path).
const (
	// DefaultRecordSegment is a segment's length when record_segment is
	// not given.
	DefaultRecordSegment = time.Minute
	// MinRecordSegment and MaxRecordSegment bound record_segment.
	MinRecordSegment = time.Second
	MaxRecordSegment = 24 * time.Hour
	// MinRecordMaxAge and MaxRecordMaxAge bound record_max_age.
	MinRecordMaxAge = time.Minute
	MaxRecordMaxAge = 100 * 365 * 24 * time.Hour
	// MaxRecordMaxBytes bounds record_max_bytes (1 EiB).
	MaxRecordMaxBytes = 1 << 60
)

// recordKeys are the path keys of recording; all but record need
// record: true.
var recordKeys = []string{"record", "record_path", "record_segment", "record_max_age", "record_max_bytes"}

// Recording is what a path says about recording itself into the media
// library (record and the record_* keys).
type Recording struct {
	// On is record: true.
	On bool
	// Path is record_path, resolved against the config file's folder;
	// empty means the default, MEDIA/NAME, which the server decides (it
	// knows the media folder after command-line flags).
	Path string
	// Segment is record_segment, DefaultRecordSegment when not given.
	Segment time.Duration
	// MaxAge is record_max_age: older segments are deleted; 0 keeps them.
	MaxAge time.Duration
	// MaxBytes is record_max_bytes: the oldest segments are deleted to
	// stay under it; 0 means no limit.
	MaxBytes int64
}

// String summarises the settings for logs.
func (r Recording) String() string {
	if !r.On {
		return "record=false"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "record=true record_segment=%s", r.Segment)
	if r.Path != "" {
		fmt.Fprintf(&b, " record_path=%s", r.Path)
	}
	if r.MaxAge > 0 {
		fmt.Fprintf(&b, " record_max_age=%s", r.MaxAge)
	}
	if r.MaxBytes > 0 {
		fmt.Fprintf(&b, " record_max_bytes=%d", r.MaxBytes)
	}
	return b.String()
}

// recordKey decodes one recording key of a path into r; it reports
// whether e was one.
func (d *decoder) recordKey(r *Recording, e entry, key string) bool {
	switch e.key {
	case "record":
		r.On, _ = d.boolean(e.v, key)
	case "record_path":
		if s, ok := d.str(e.v, key); ok {
			r.Path = d.resolve(s)
		}
	case "record_segment":
		r.Segment, _ = d.duration(e.v, key, MinRecordSegment, MaxRecordSegment, "1s..24h")
	case "record_max_age":
		r.MaxAge, _ = d.duration(e.v, key, MinRecordMaxAge, MaxRecordMaxAge, "1m..100y")
	case "record_max_bytes":
		r.MaxBytes, _ = d.byteSize(e.v, key)
	default:
		return false
	}
	return true
}

// recordRules checks that the record_* keys come with record: true and
// fills in the segment's default.
func (d *decoder) recordRules(r *Recording, set map[string]*yaml.Node, ctx string) {
	if !r.On {
		for _, key := range recordKeys[1:] {
			if k := set[key]; k != nil {
				d.errorf(k.Line, join(ctx, key), "needs record: true")
			}
		}
		*r = Recording{}
		return
	}
	if r.Segment == 0 {
		r.Segment = DefaultRecordSegment
	}
}

// byteUnits are the suffixes record_max_bytes accepts (SI and IEC).
var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// byteSize returns the size n: a positive integer of bytes, or a string
// like 500MB or 10GiB, at most MaxRecordMaxBytes.
func (d *decoder) byteSize(n *yaml.Node, key string) (int64, bool) {
	bad := func() (int64, bool) {
		d.errorf(n.Line, key, "must be a size in bytes, like 1073741824, 500MB or 10GiB, not %s", describe(n))
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!str") {
		return bad()
	}
	num, mult := strings.TrimSpace(n.Value), int64(1)
	if n.ShortTag() == "!!str" {
		for _, u := range byteUnits {
			if s, ok := strings.CutSuffix(num, u.suffix); ok {
				num, mult = strings.TrimSpace(s), u.mult
				break
			}
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return bad()
	}
	if v <= 0 || v > MaxRecordMaxBytes/mult {
		d.errorf(n.Line, key, "%s is out of range (0, 1EiB]", quote(n.Value))
		return 0, false
	}
	return v * mult, true
}
