package jpegrecode_test

import (
	"bytes"
	"image/jpeg"
	"path/filepath"
	"testing"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/jpegrecode"
)

// FuzzRecode: Recode never panics; on error it returns dst unchanged; on
// success the output parses, has the standard tables, re-codes to itself,
// and when image/jpeg decodes the input it decodes the output to the same
// pixels. The seed corpus in testdata/fuzz/FuzzRecode holds small images
// with optimized and scrambled tables and restart markers; the committed
// test images are added too.
func FuzzRecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.jp*g")
	for _, name := range files {
		f.Add(readFile(f, name))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dst := []byte("pre")
		out, err := jpegrecode.Recode(dst, src)
		if err != nil {
			if string(out) != "pre" {
				t.Fatalf("error %v, and dst changed", err)
			}
			return
		}
		out = out[3:]
		info, err := jpeghdr.Parse(out)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if !info.StandardHuffman {
			t.Fatal("output without the standard tables")
		}
		if again, err := jpegrecode.Recode(nil, out); err != nil || !bytes.Equal(again, out) {
			t.Fatalf("re-coding the output: %v, or other bytes", err)
		}
		// image/jpeg allocates the whole image first: skip huge claims.
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(src)); err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		a, err := jpeg.Decode(bytes.NewReader(src))
		if err != nil {
			return
		}
		b, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("input decodes, output does not: %v", err)
		}
		if !samePixels(a, b) {
			t.Fatal("output decodes to other pixels")
		}
	})
}
