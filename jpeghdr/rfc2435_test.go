package jpeghdr

import (
	"bytes"
	"errors"
	"testing"
)

// TestRFC2435IgnoringHuffman: the Huffman checks are skipped, every other
// check (and the scan order) still applies.
func TestRFC2435IgnoringHuffman(t *testing.T) {
	base := encodeGo(t, gradient(64, 48))
	sof := segmentAt(t, base, MarkerSOF0)
	dht := segmentAt(t, base, MarkerDHT)
	sos := segmentAt(t, base, MarkerSOS)
	set := func(b []byte, off int, v ...byte) []byte { b = bytes.Clone(b); copy(b[off:], v); return b }
	optimized := set(base, dht+5+16, 0x01, 0x00)
	tests := []struct {
		name   string
		b      []byte
		typ    uint8
		reason string // "" carriable once re-coded
		plain  string // what RFC2435 says
	}{
		{"standard", base, 1, "", ""},
		{"optimized", optimized, 1, "", ReasonOptimizedHuff},
		{"selectors", set(base, sos+8, 0x00), 1, "", ReasonHuffSelectors},
		{"optimized 4:2:2", set(optimized, sof+11, 0x21), 0, "", ReasonOptimizedHuff},
		{"optimized 4:4:4", set(optimized, sof+11, 0x11), 0, Reason444, Reason444},
		{"optimized too wide", set(optimized, sof+7, 0x08, 0x00), 0, ReasonTooLarge, ReasonOptimizedHuff},
		{"scan order", set(set(base, sos+7, 3), sos+9, 2), 0, ReasonHuffSelectors, ReasonHuffSelectors},
	}
	reason := func(err error) string {
		var nc *NotCarriableError
		if errors.As(err, &nc) {
			return nc.Reason
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Parse(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			typ, err := info.RFC2435IgnoringHuffman()
			if reason(err) != tt.reason || (err == nil && typ != tt.typ) {
				t.Errorf("RFC2435IgnoringHuffman() = %d, %v; want %d %q", typ, err, tt.typ, tt.reason)
			}
			if _, err := info.RFC2435(); reason(err) != tt.plain {
				t.Errorf("RFC2435() error %v, want %q", err, tt.plain)
			}
		})
	}
}
