package mjpeg

import (
	"errors"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		head    string
		want    Format
		wantErr string // substring; "" means success
	}{
		{"raw", "\xff\xd8\xff\xe0\x00\x10JFIF", FormatRaw, ""},
		{"raw two bytes", "\xff\xd8", FormatRaw, ""},
		{"lab", "06014\xff\xd8\xff\xc4", FormatLab, ""},
		{"lab exact", "00002\xff\xd8", FormatLab, ""},
		{"empty", "", 0, "empty input"},
		{"one FF", "\xff", 0, "1-byte file"},
		{"digits then garbage", "01234abcd", 0, `lab length header "01234" not followed by a JPEG SOI (FF D8) but by 61 62`},
		{"digits only", "0123456", 0, "not followed by a JPEG SOI"},
		{"short digits", "01234", 0, "only 5 bytes"},
		{"four digits", "0123\xff\xd8", 0, "starts with 30 31 32 33 ff d8"},
		{"png", "\x89PNG\r\n\x1a\n", 0, "a PNG image"},
		{"avi", "RIFF\x00\x00\x00\x00AVI ", 0, "RIFF (AVI/WAV)"},
		{"mp4", "\x00\x00\x00\x20ftypisom", 0, "MP4/QuickTime"},
		{"rtpdump", "#!rtpplay1.0 127.0.0.1/5000\n", 0, "rtpdump"},
		{"text", "hello world", 0, `starts with 68 65 6c 6c 6f 20 77 6f ("hello wo")`},
		{"SOI missing FF", "\xd8\xff", 0, "starts with d8 ff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect([]byte(tt.head))
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Detect = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Detect = %v, want error containing %q", got, tt.wantErr)
			}
			if !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("error %v does not wrap ErrUnknownFormat", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"lab", FormatLab, true},
		{"LAB", FormatLab, true},
		{"raw", FormatRaw, true},
		{"mjpeg", FormatRaw, true},
		{"dir", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for f, s := range map[Format]string{FormatRaw: "raw", FormatLab: "lab", FormatDir: "dir", FormatPattern: "pattern", 9: "Format(9)"} {
		if f.String() != s {
			t.Errorf("%d.String() = %q, want %q", int(f), f.String(), s)
		}
	}
}
