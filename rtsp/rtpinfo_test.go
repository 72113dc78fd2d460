package rtsp

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseRTPInfo(t *testing.T) {
	tests := []struct {
		in   string
		want RTPInfo
		str  string
	}{
		{"url=rtsp://h/test/stream=0;seq=5000;rtptime=123456789",
			RTPInfo{{URL: "rtsp://h/test/stream=0", Seq: 5000, HasSeq: true, RTPTime: 123456789, HasRTPTime: true}},
			"url=rtsp://h/test/stream=0;seq=5000;rtptime=123456789"},
		{`url="rtsp://h/a;b=1";seq=65535, url=rtsp://h/v;rtptime=4294967295;ssrc=1234 ,`,
			RTPInfo{{URL: "rtsp://h/a;b=1", Seq: 65535, HasSeq: true}, {URL: "rtsp://h/v", RTPTime: 4294967295, HasRTPTime: true}},
			`url="rtsp://h/a;b=1";seq=65535,url=rtsp://h/v;rtptime=4294967295`},
	}
	for _, tt := range tests {
		got, err := ParseRTPInfo(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Fatalf("%q: %+v %v", tt.in, got, err)
		}
		if got.String() != tt.str {
			t.Errorf("%q: String = %q, want %q", tt.in, got.String(), tt.str)
		}
		if again, err := ParseRTPInfo(got.String()); err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("%q: round trip %+v %v", tt.in, again, err)
		}
	}
	for _, in := range []string{"", ",", "seq=1", "url=;seq=1", "url=a;seq=65536", "url=a;rtptime=4294967296", "url=a;seq=x", `url=a"b`} {
		if _, err := ParseRTPInfo(in); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}
