package rtsp

import (
	"errors"
	"testing"
)

func TestParseSession(t *testing.T) {
	tests := []struct {
		in   string
		want Session
		str  string
	}{
		{"837388", Session{ID: "837388"}, "837388"},
		{"12345678;timeout=60", Session{ID: "12345678", Timeout: 60}, "12345678;timeout=60"},
		{" 1A2B3C4D ; Timeout = 30 ; foo=bar", Session{ID: "1A2B3C4D", Timeout: 30}, "1A2B3C4D;timeout=30"},
		{"abc$-_.+;timeout=0", Session{ID: "abc$-_.+"}, "abc$-_.+"},
	}
	for _, tt := range tests {
		got, err := ParseSession(tt.in)
		if err != nil || got != tt.want {
			t.Fatalf("%q: %+v %v", tt.in, got, err)
		}
		if got.String() != tt.str {
			t.Errorf("%q: String = %q", tt.in, got.String())
		}
		if again, err := ParseSession(got.String()); err != nil || again != got {
			t.Errorf("%q: round trip %+v %v", tt.in, again, err)
		}
	}
	for _, in := range []string{"", " ;timeout=5", "a b", "abc;timeout=x", "abc;timeout=-1", "a,b", `"a"`} {
		if _, err := ParseSession(in); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}

func TestParseCSeqPublic(t *testing.T) {
	for in, want := range map[string]int{"1": 1, " 42 ": 42, "1\r": 1, "0": 0, "999999999": 999999999} {
		if got, err := ParseCSeq(in); err != nil || got != want {
			t.Errorf("ParseCSeq(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-1", "+1", "1x", "1 2", "1234567890", "0x10"} {
		if _, err := ParseCSeq(in); !errors.Is(err, ErrBadHeader) {
			t.Errorf("ParseCSeq(%q): err = %v", in, err)
		}
	}
	got := ParsePublic("OPTIONS, DESCRIBE,SETUP ,, PLAY,PAUSE, TEARDOWN, GET_PARAMETER ")
	want := []string{"OPTIONS", "DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER"}
	if FormatPublic(got) != FormatPublic(want) || len(got) != len(want) {
		t.Fatalf("ParsePublic = %q", got)
	}
	if s := FormatPublic(want[:3]); s != "OPTIONS, DESCRIBE, SETUP" {
		t.Fatalf("FormatPublic = %q", s)
	}
}
