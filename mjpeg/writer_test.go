package mjpeg

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestWriterGolden(t *testing.T) {
	frame := []byte{0xFF, 0xD8, 0xFF, 0xD9}
	tests := []struct {
		f    Format
		want string
	}{
		{FormatLab, "00004\xff\xd8\xff\xd900004\xff\xd8\xff\xd9"},
		{FormatRaw, "\xff\xd8\xff\xd9\xff\xd8\xff\xd9"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		w := NewWriter(&buf, tt.f)
		for range 2 {
			if err := w.WriteFrame(frame); err != nil {
				t.Fatal(err)
			}
		}
		if buf.String() != tt.want {
			t.Errorf("%v: wrote %q, want %q", tt.f, buf.String(), tt.want)
		}
		if w.Frames() != 2 || w.Written() != int64(len(tt.want)) || w.Format() != tt.f {
			t.Errorf("%v: Frames %d Written %d Format %v", tt.f, w.Frames(), w.Written(), w.Format())
		}
	}
}

func TestWriterLabMaxFrame(t *testing.T) {
	ok := append([]byte{0xFF, 0xD8}, make([]byte, LabMaxFrame-2)...)
	var buf bytes.Buffer
	w := NewWriter(&buf, FormatLab)
	if err := w.WriteFrame(ok); err != nil {
		t.Fatalf("99999-byte frame: %v", err)
	}
	if !strings.HasPrefix(buf.String(), "99999\xff\xd8") {
		t.Errorf("header %q", buf.String()[:7])
	}
	n := buf.Len()
	err := w.WriteFrame(append(ok, 0))
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("100000-byte frame: err = %v, want ErrFrameTooLarge", err)
	}
	const want = "frame 2 at offset 100004: frame too large: 100000 bytes, the lab format holds at most 99999"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
	if buf.Len() != n {
		t.Errorf("refused frame wrote %d bytes", buf.Len()-n)
	}
	// Raw has no such limit.
	if err := NewWriter(&buf, FormatRaw).WriteFrame(append(ok, 0)); err != nil {
		t.Errorf("raw 100000-byte frame: %v", err)
	}
}

func TestWriterRefusesNonJPEG(t *testing.T) {
	for _, f := range []Format{FormatLab, FormatRaw} {
		for _, b := range [][]byte{nil, {0xFF}, []byte("hello")} {
			if err := NewWriter(&bytes.Buffer{}, f).WriteFrame(b); !errors.Is(err, ErrNotJPEG) {
				t.Errorf("%v %q: err = %v, want ErrNotJPEG", f, b, err)
			}
		}
	}
}
