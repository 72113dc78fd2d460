package jpegrecode_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/jpegrecode"
)

// readFile reads a file or fails the test.
func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// samePixels reports whether two decoded images are identical, sample for
// sample (YCbCr and Gray compared in their native planes, anything else
// through its RGBA colours).
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	switch x := a.(type) {
	case *image.YCbCr:
		y, ok := b.(*image.YCbCr)
		return ok && x.SubsampleRatio == y.SubsampleRatio && bytes.Equal(x.Y, y.Y) && bytes.Equal(x.Cb, y.Cb) && bytes.Equal(x.Cr, y.Cr)
	case *image.Gray:
		y, ok := b.(*image.Gray)
		return ok && bytes.Equal(x.Pix, y.Pix)
	}
	r := a.Bounds()
	for yy := r.Min.Y; yy < r.Max.Y; yy++ {
		for xx := r.Min.X; xx < r.Max.X; xx++ {
			if a.At(xx, yy) != b.At(xx, yy) {
				return false
			}
		}
	}
	return true
}

// checkRecode recodes src and checks that the result parses, has the
// standard tables, decodes to exactly the pixels of src, and is carriable
// by RFC 2435 (with the same type) whenever src is apart from its Huffman
// tables. It returns the result.
func checkRecode(t *testing.T, src []byte) []byte {
	t.Helper()
	out, err := jpegrecode.Recode(nil, src)
	if err != nil {
		t.Fatalf("Recode: %v", err)
	}
	info, err := jpeghdr.Parse(out)
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	if !info.StandardHuffman {
		t.Error("output does not have the standard Huffman tables")
	}
	in, err := jpeghdr.Parse(src)
	if err != nil {
		t.Fatalf("input does not parse: %v", err)
	}
	if info.Width != in.Width || info.Height != in.Height || info.RestartInterval != in.RestartInterval {
		t.Errorf("output %dx%d DRI %d, input %dx%d DRI %d", info.Width, info.Height, info.RestartInterval, in.Width, in.Height, in.RestartInterval)
	}
	if wantTyp, err := in.RFC2435IgnoringHuffman(); err == nil {
		if typ, err := info.RFC2435(); err != nil || typ != wantTyp {
			t.Errorf("output RFC2435() = %d, %v; want type %d", typ, err, wantTyp)
		}
	}
	a, err := jpeg.Decode(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("decode input: %v", err)
	}
	b, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	if !samePixels(a, b) {
		t.Error("output decodes to different pixels")
	}
	return out
}

// goJPEG encodes an image with image/jpeg, which always uses the standard
// tables: 4:2:0 for colour, one component for grayscale.
func goJPEG(tb testing.TB, m image.Image, q int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: q}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// testImage is a w x h picture with gradients and sharp edges (large AC
// coefficients).
func testImage(w, h int, gray bool) image.Image {
	if gray {
		m := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				m.Pix[y*m.Stride+x] = uint8(x*3 + y*5 + 80*((x/5+y/7)%2))
			}
		}
		return m
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 2), uint8(y*3 + 120*((x/4)%2)), uint8((x ^ y) * 4), 255})
		}
	}
	return m
}

// rotated returns t with its symbols rotated by k places: the same code
// lengths, each symbol with another code. It is a valid table that is not
// the standard one.
func rotated(t *jpeghdr.HuffmanTable, k int) *jpeghdr.HuffmanTable {
	v := append(bytes.Clone(t.Values[k:]), t.Values[:k]...)
	return &jpeghdr.HuffmanTable{Counts: t.Counts, Values: v}
}

// scrambled returns src (which must decode with the standard tables) coded
// with non-standard tables, restart markers included: the stand-in for an
// optimized image where no tool writes one (ffmpeg uses the standard tables
// when it writes restart markers).
func scrambled(tb testing.TB, src []byte) []byte {
	tb.Helper()
	out, err := jpegrecode.RecodeWithTables(nil, src,
		rotated(jpeghdr.StdDCLuminance(), 5), rotated(jpeghdr.StdACLuminance(), 37),
		rotated(jpeghdr.StdDCChrominance(), 7), rotated(jpeghdr.StdACChrominance(), 90))
	if err != nil {
		tb.Fatal(err)
	}
	if in, err := jpeghdr.Parse(out); err != nil || in.StandardHuffman {
		tb.Fatalf("scrambled image: %v, or standard tables", err)
	}
	return out
}

// checkBoth checks src and, when src has the standard tables, a scrambled
// copy of it, which must re-code to the same bytes.
func checkBoth(t *testing.T, src []byte) {
	t.Helper()
	out := checkRecode(t, src)
	if in, err := jpeghdr.Parse(src); err != nil || !in.StandardHuffman {
		return
	}
	if got := checkRecode(t, scrambled(t, src)); !bytes.Equal(got, out) {
		t.Error("the scrambled copy re-codes to other bytes than the original")
	}
}

// TestRecodeFiles re-codes the committed images: ffmpeg's optimized 4:2:0,
// 4:2:2 (ffmpeg samples it 2x2/1x2, which RFC 2435 cannot carry), 4:4:4 and
// odd-sized ones, and standard-table ones with restart markers (ffmpeg
// slices, Go's restart2 test image) and 4:2:2 2x1/1x1, also scrambled.
func TestRecodeFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jp*g")
	if err != nil || len(files) < 8 {
		t.Fatalf("test images: %d, %v", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			checkBoth(t, readFile(t, f))
		})
	}
}

// TestRecodeSharedVectors re-codes the shared 640x480 frames (the _dri set
// has restart markers), and scrambled copies of them.
func TestRecodeSharedVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.SharedPath(t, "vectors"), "*", "*.jpg"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shared vectors: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			checkBoth(t, readFile(t, f))
		})
	}
}

// TestRecodeStandardIsIdentity: images coded with the standard tables (as
// image/jpeg writes them) come out with the very same entropy-coded data,
// and re-coding is idempotent.
func TestRecodeStandardIsIdentity(t *testing.T) {
	tests := []struct {
		name string
		img  image.Image
		q    int
	}{
		{"420 q75", testImage(64, 48, false), 75},
		{"420 q100 odd size", testImage(61, 37, false), 100},
		{"420 q10", testImage(160, 120, false), 10},
		{"gray q90", testImage(40, 24, true), 90},
		{"gray q100 odd size", testImage(33, 9, true), 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := goJPEG(t, tt.img, tt.q)
			out := checkRecode(t, src)
			in, _ := jpeghdr.Parse(src)
			got, _ := jpeghdr.Parse(out)
			if !bytes.Equal(src[in.ScanStart:in.ScanEnd], out[got.ScanStart:got.ScanEnd]) {
				t.Error("entropy-coded data changed although the input has the standard tables")
			}
			again, err := jpegrecode.Recode(nil, out)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("Recode is not idempotent: %v", err)
			}
		})
	}
}

// TestRecodeFFmpeg re-codes frames ffmpeg makes at 640x480 with optimized
// tables (4:2:0, and 4:2:2 which ffmpeg samples 2x2/1x2 so RFC 2435 cannot
// carry it even re-coded) and with restart markers (slices; ffmpeg then
// uses the standard tables, so the test scrambles them).
func TestRecodeFFmpeg(t *testing.T) {
	ffmpeg := testenv.LookPeer(t, "ffmpeg")
	tests := []struct {
		name string
		args []string
		typ  int // RTP/JPEG type after re-coding; -1 not carriable
	}{
		{"420", []string{"-pix_fmt", "yuvj420p"}, 1},
		{"422", []string{"-pix_fmt", "yuvj422p"}, -1},
		{"420 slices", []string{"-pix_fmt", "yuvj420p", "-threads", "4", "-slices", "4"}, 65},
		{"422 slices", []string{"-pix_fmt", "yuvj422p", "-threads", "3", "-slices", "3"}, -1},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "out.mjpeg")
			args := append([]string{"-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=25", "-frames:v", "3",
				"-c:v", "mjpeg", "-q:v", "5", "-huffman", "optimal"}, tt.args...)
			cmd := exec.Command(ffmpeg, append(args, "-f", "mjpeg", out)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v: %s", err, b)
			}
			data := readFile(t, out)
			for n := 0; n < 3; n++ {
				l, err := jpeghdr.FrameLength(data)
				if err != nil {
					t.Fatalf("frame %d: %v", n, err)
				}
				frame := data[:l]
				data = data[l:]
				if in, _ := jpeghdr.Parse(frame); in.StandardHuffman {
					frame = scrambled(t, frame)
				}
				info, err := jpeghdr.Parse(checkRecode(t, frame))
				if err != nil {
					t.Fatal(err)
				}
				typ, err := info.RFC2435()
				if (tt.typ < 0) != (err != nil) || (err == nil && int(typ) != tt.typ) {
					t.Errorf("frame %d: RFC2435() = %d, %v; want type %d", n, typ, err, tt.typ)
				}
			}
		})
	}
}

// patch returns a copy of b with b[i] set to v.
func patch(b []byte, i int, v byte) []byte {
	c := bytes.Clone(b)
	c[i] = v
	return c
}

// segment returns the offset of the first marker segment m in b.
func segment(tb testing.TB, b []byte, m byte) int {
	tb.Helper()
	for i := 2; i+3 < len(b); {
		if b[i] != 0xFF {
			tb.Fatalf("no marker at %d", i)
		}
		if b[i+1] == m {
			return i
		}
		if b[i+1] == jpeghdr.MarkerSOS {
			break
		}
		i += 2 + (int(b[i+2])<<8 | int(b[i+3]))
	}
	tb.Fatalf("no marker 0x%02X", m)
	return 0
}

// cut returns b without the segment at offset off.
func cut(b []byte, off int) []byte {
	n := 2 + (int(b[off+2])<<8 | int(b[off+3]))
	return append(bytes.Clone(b[:off]), b[off+n:]...)
}

func TestRecodeErrors(t *testing.T) {
	src := goJPEG(t, testImage(64, 48, false), 75)
	dri := readFile(t, "testdata/ffmpeg-420-dri.jpg")
	sof := segment(t, src, jpeghdr.MarkerSOF0)
	info, _ := jpeghdr.Parse(src)
	driInfo, _ := jpeghdr.Parse(dri)
	rst := bytes.Index(dri[driInfo.ScanStart:], []byte{0xFF, jpeghdr.MarkerRST0}) + driInfo.ScanStart
	garbage := append(bytes.Clone(src[:info.ScanStart]), bytes.Repeat([]byte{0xFF, 0x00}, 64)...)
	gray := goJPEG(t, testImage(16, 16, true), 75)
	grayInfo, _ := jpeghdr.Parse(gray)
	// A second copy of the scan (header and data) before EOI.
	sos := bytes.LastIndex(gray[:grayInfo.ScanStart], []byte{0xFF, jpeghdr.MarkerSOS})
	twoScans := append(bytes.Clone(gray[:grayInfo.ScanEnd]), gray[sos:]...)
	tests := []struct {
		name string
		in   []byte
		want []error
	}{
		{"empty", nil, []error{jpegrecode.ErrNotJPEG}},
		{"not JPEG", []byte("GIF89a"), []error{jpegrecode.ErrNotJPEG}},
		{"progressive", patch(src, sof+1, jpeghdr.MarkerSOF2), []error{jpegrecode.ErrProgressive, jpegrecode.ErrUnsupported}},
		{"arithmetic", patch(src, sof+1, 0xC9), []error{jpegrecode.ErrArithmetic, jpegrecode.ErrUnsupported}},
		{"lossless", patch(src, sof+1, jpeghdr.MarkerSOF3), []error{jpegrecode.ErrUnsupported}},
		{"12-bit", patch(patch(src, sof+1, jpeghdr.MarkerSOF1), sof+4, 12), []error{jpegrecode.ErrPrecision, jpegrecode.ErrUnsupported}},
		{"two scans", twoScans, []error{jpegrecode.ErrMultiScan, jpegrecode.ErrUnsupported}},
		{"no DHT", cut(src, segment(t, src, jpeghdr.MarkerDHT)), []error{jpegrecode.ErrMissingTable}},
		{"no DQT", cut(src, segment(t, src, jpeghdr.MarkerDQT)), []error{jpegrecode.ErrMissingTable}},
		{"truncated data", src[:info.ScanStart+40], []error{jpegrecode.ErrCorrupt, io.ErrUnexpectedEOF}},
		{"truncated header", src[:sof+5], []error{jpegrecode.ErrCorrupt, io.ErrUnexpectedEOF}},
		{"data ends early", append(src[:info.ScanStart+40:info.ScanStart+40], 0xFF, 0xD9), []error{jpegrecode.ErrCorrupt}},
		{"invalid code", append(garbage, 0xFF, 0xD9), []error{jpegrecode.ErrCorrupt}},
		{"wrong RST", patch(dri, rst+1, jpeghdr.MarkerRST0+5), []error{jpegrecode.ErrCorrupt}},
		// Found by FuzzRecode: a DRI segment of length 3 panicked.
		{"DRI length 3", append(bytes.Clone(src[:sof]), append([]byte{0xFF, jpeghdr.MarkerDRI, 0, 3, 1}, src[sof:]...)...), []error{jpegrecode.ErrCorrupt}},
		{"zero width", patch(patch(src, sof+7, 0), sof+8, 0), []error{jpegrecode.ErrCorrupt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]byte, 3, 100)
			out, err := jpegrecode.Recode(dst, tt.in)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("error %v, want %v", err, w)
				}
			}
			if len(out) != 3 {
				t.Errorf("on error, returned %d bytes, want dst unchanged", len(out))
			}
		})
	}
}

// TestRecodeAppends: the output goes after what dst holds.
func TestRecodeAppends(t *testing.T) {
	src := readFile(t, "testdata/ffmpeg-420-optimal.jpg")
	want, err := jpegrecode.Recode(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jpegrecode.Recode([]byte("xyz"), src)
	if err != nil || string(got[:3]) != "xyz" || !bytes.Equal(got[3:], want) {
		t.Errorf("append: %v", err)
	}
}

func TestRecodeAllocs(t *testing.T) {
	src := scrambled(t, readFile(t, "testdata/ffmpeg-422-dri.jpg"))
	dst := make([]byte, 0, 2*len(src)+1024)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := jpegrecode.Recode(dst[:0], src); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per call, want 0", allocs)
	}
}
