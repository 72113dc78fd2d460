package config

import (
	"strings"
	"testing"
	"time"
)

// TestParseRecord: the record keys, their defaults and their errors (with
// the line).
func TestParseRecord(t *testing.T) {
	f, err := testLoader.Parse("dir/rtpstream.yaml", []byte(`
paths:
  cam1:
    source: rtsp://cam.example/s
    record: true
  lobby:
    record: true
    record_path: rec/lobby
    record_segment: 10s
    record_max_age: 48h
    record_max_bytes: 2GiB
  off:
    record: false
  bytes:
    record: true
    record_max_bytes: 1000000
  mb:
    record: true
    record_max_bytes: 500 MB
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Recording{
		{On: true, Segment: DefaultRecordSegment},
		{On: true, Path: "dir/rec/lobby", Segment: 10 * time.Second, MaxAge: 48 * time.Hour, MaxBytes: 2 << 30},
		{},
		{On: true, Segment: DefaultRecordSegment, MaxBytes: 1000000},
		{On: true, Segment: DefaultRecordSegment, MaxBytes: 500e6},
	}
	for i, p := range f.Paths {
		if p.Record != want[i] {
			t.Errorf("%s: %+v, want %+v", p.Name, p.Record, want[i])
		}
	}
	if s := f.Paths[1].String(); !strings.Contains(s, "record=true record_segment=10s record_path=dir/rec/lobby record_max_age=48h0m0s record_max_bytes=2147483648") {
		t.Errorf("String: %s", s)
	}
	q := f.Paths[1]
	q.Record.Segment = time.Minute
	if q.Equal(f.Paths[1]) {
		t.Error("Equal ignores the recording")
	}

	for _, tc := range []struct{ in, want string }{
		{"record: yes", `x.yaml:4: paths.p.record: must be true or false`},
		{"record_path: /x", `x.yaml:4: paths.p.record_path: needs record: true`},
		{"record: false\n    record_segment: 1m", `x.yaml:5: paths.p.record_segment: needs record: true`},
		{"record: true\n    record_segment: 500ms", `x.yaml:5: paths.p.record_segment: "500ms" is out of range 1s..24h`},
		{"record: true\n    record_segment: 60", `x.yaml:5: paths.p.record_segment: must be a duration`},
		{"record: true\n    record_max_age: 1s", `x.yaml:5: paths.p.record_max_age: "1s" is out of range 1m..100y`},
		{"record: true\n    record_max_bytes: 0", `x.yaml:5: paths.p.record_max_bytes: "0" is out of range`},
		{"record: true\n    record_max_bytes: 10 parsecs", `x.yaml:5: paths.p.record_max_bytes: must be a size in bytes`},
		{"record: true\n    record_max_bytes: 2000000TiB", `x.yaml:5: paths.p.record_max_bytes: "2000000TiB" is out of range`},
		{"record: true\n    record_max_bytes: [1]", `x.yaml:5: paths.p.record_max_bytes: must be a size in bytes, like 1073741824, 500MB or 10GiB, not a list`},
		{"record: true\n    record_path: \"\"", `x.yaml:5: paths.p.record_path: must not be empty`},
	} {
		_, err := testLoader.Parse("x.yaml", []byte("paths:\n  p:\n    source: publisher\n    "+tc.in+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}
