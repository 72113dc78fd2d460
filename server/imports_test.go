package server

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoRawSystemCalls: server's code (tests aside) keeps no unsafe code
// and no raw system calls; platform code lives in internal packages (interleave, udpbatch,
// uring, waker), each behind a small API.
func TestNoRawSystemCalls(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	banned := map[string]bool{"unsafe": true, "syscall": true, "golang.org/x/sys/unix": true, "golang.org/x/sys/windows": true}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue // tests may signal peers and the like
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); banned[p] {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
