package fdlimit

import (
	"os"
	"runtime"
	"testing"
)

// TestSoftCoversOpenFiles: on Unix the limit is read and is at least the
// number of descriptors the test has open plus a few more it can open.
func TestSoftCoversOpenFiles(t *testing.T) {
	n, ok := Soft()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		if ok {
			t.Errorf("Soft() = %d, true on %s, which has no RLIMIT_NOFILE", n, runtime.GOOS)
		}
		return
	}
	if !ok {
		t.Fatal("Soft() could not read RLIMIT_NOFILE")
	}
	// stdin, stdout, stderr and the files opened below must fit.
	const open = 8
	if n < 3+open {
		t.Fatalf("Soft() = %d, too small to be real", n)
	}
	for i := range open {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatalf("open %d of %d under a limit of %d: %v", i+1, open, n, err)
		}
		defer f.Close()
	}
}
