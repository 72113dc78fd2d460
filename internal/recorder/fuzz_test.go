package recorder

import (
	"bytes"
	"testing"
)

// FuzzValidLength: the tail-recovery scanner never fails on bytes in
// memory, returns a prefix length within the input, and is stable: the
// prefix it keeps scans to itself.
func FuzzValidLength(f *testing.F) {
	fs := frames(f, 2)
	f.Add(bytes.Join(fs, nil))
	f.Add(bytes.Join(fs, nil)[:len(fs[0])+30])
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xD9})
	f.Add([]byte("00004\xff\xd8\xff\xd9"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, k, err := ValidLength(bytes.NewReader(data), 1<<20)
		if err != nil {
			t.Fatalf("error on bytes in memory: %v", err)
		}
		if n < 0 || n > int64(len(data)) || (n == 0) != (k == 0) {
			t.Fatalf("length %d, frames %d of %d bytes", n, k, len(data))
		}
		n2, k2, _ := ValidLength(bytes.NewReader(data[:n]), 1<<20)
		if n2 != n || k2 != k {
			t.Fatalf("prefix rescans to %d, %d; want %d, %d", n2, k2, n, k)
		}
	})
}
