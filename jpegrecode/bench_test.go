package jpegrecode_test

import (
	"os/exec"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/jpegrecode"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// BenchmarkConvert640x480 compares, on one 640x480 4:2:0 frame that ffmpeg
// wrote with optimized Huffman tables (its default), the lossless re-coding
// with the lossy decode and re-encode of mjpeg.Transcode. MB/s counts input
// bytes.
//
//	go test -run '^$' -bench Convert640x480 ./jpegrecode
func BenchmarkConvert640x480(b *testing.B) {
	ffmpeg := testenv.LookPeer(b, "ffmpeg")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=25", "-frames:v", "1",
		"-c:v", "mjpeg", "-q:v", "5", "-huffman", "optimal", "-pix_fmt", "yuvj420p", "-f", "mjpeg", "-").Output()
	if err != nil {
		b.Fatalf("ffmpeg: %v", err)
	}
	if info, err := jpeghdr.Parse(out); err != nil || info.StandardHuffman {
		b.Fatalf("want a frame with optimized tables: %v", err)
	}
	b.Run("recode", func(b *testing.B) {
		dst := make([]byte, 0, 2*len(out))
		b.SetBytes(int64(len(out)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jpegrecode.Recode(dst[:0], out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("transcode", func(b *testing.B) {
		b.SetBytes(int64(len(out)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := mjpeg.Transcode(out, mjpeg.DefaultQuality, true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
