package rtsp

import (
	"errors"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in   string
		want Range
		str  string
	}{
		{"npt=0.000-", Range{}, "npt=0.000-"},
		{"npt=now-", Range{Now: true}, "npt=now-"},
		{"npt=10-20", Range{Start: 10, End: 20, HasEnd: true}, "npt=10.000-20.000"},
		{"npt=00:01:02.5-", Range{Start: 62.5}, "npt=62.500-"},
		{"npt=1:00:00-1:00:01.25", Range{Start: 3600, End: 3601.25, HasEnd: true}, "npt=3600.000-3601.250"},
		{"npt = 1.5 - ;time=19970123T143720Z", Range{Start: 1.5}, "npt=1.500-"},
		{"NPT=-25", Range{End: 25, HasEnd: true}, "npt=0.000-25.000"},
		{"npt=3.-", Range{Start: 3}, "npt=3.000-"},
		{"npt=0-25.000", Range{End: 25, HasEnd: true}, "npt=0.000-25.000"},
	}
	for _, tt := range tests {
		got, err := ParseRange(tt.in)
		if err != nil || got != tt.want {
			t.Fatalf("%q: %+v %v", tt.in, got, err)
		}
		if got.String() != tt.str {
			t.Errorf("%q: String = %q, want %q", tt.in, got.String(), tt.str)
		}
		if again, err := ParseRange(got.String()); err != nil || again != got {
			t.Errorf("%q: round trip %+v %v", tt.in, again, err)
		}
	}
	for _, tt := range []struct{ in, str string }{
		{"clock=19961108T142300Z-19961108T143520Z", "clock=19961108T142300Z-19961108T143520Z"},
		{"clock=19961108T143720.25Z-", "clock=19961108T143720.25Z-"},
	} {
		got, err := ParseRange(tt.in)
		if err != nil || !got.Clock || got.String() != tt.str {
			t.Errorf("%q: %+v %v, String %q", tt.in, got, err, got.String())
		}
		if again, err := ParseRange(got.String()); err != nil || !again.ClockStart.Equal(got.ClockStart) || again.HasEnd != got.HasEnd {
			t.Errorf("%q: round trip %+v %v", tt.in, again, err)
		}
	}
	for _, in := range []string{"clock=19961108T1423Z-", "clock=19961108T142300-", "clock=19961108T143520Z-19961108T142300Z", "clock=x"} {
		if _, err := ParseRange(in); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: err = %v, want ErrBadHeader", in, err)
		}
	}
	for _, in := range []string{"smpte=10:07:00-10:07:33:05.01", "smpte-25=10:07:00-"} {
		if _, err := ParseRange(in); !errors.Is(err, ErrUnsupportedRange) {
			t.Errorf("%q: err = %v", in, err)
		}
	}
	for _, in := range []string{"", "npt", "npt=", "npt=-", "npt=5", "npt=20-10", "npt=1e3-", "npt=0x10-", "npt=inf-",
		"npt=1:2:3-", "npt=0:60:00-", "npt=0:00:60-", "npt=-1-", "time=5-", "npt=now-now", "npt=1.2.3-", "npt=.5-"} {
		if _, err := ParseRange(in); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: err = %v, want ErrBadHeader", in, err)
		}
	}
}
