package server

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// This file drives the real peers (ffmpeg, ffprobe, gst-launch-1.0) with
// the reference command lines of shared/design/interop.md.

// runPeer runs a peer command with a hard timeout and returns its combined
// stderr (stdout goes to the returned buffer).
func runPeer(t testing.TB, timeout time.Duration, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	bin := testenv.LookPeer(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 2 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run() // gst-launch's exit code is not trustworthy (interop.md); callers check output
	if ctx.Err() != nil {
		t.Logf("%s timed out after %v", name, timeout)
	}
	return out.String(), errb.String()
}

// decodeErrors returns ffmpeg -v error lines that are real problems ("bind
// failed" from concurrent ffmpegs is harmless, interop.md).
func decodeErrors(stderr string) []string {
	var bad []string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.Contains(l, "bind failed") {
			continue
		}
		bad = append(bad, l)
	}
	return bad
}

var progressFrame = regexp.MustCompile(`(?m)^frame=(\d+)$`)

// ffmpegFrames decodes 5 s of url with ffmpeg and returns the frame count.
func ffmpegFrames(t testing.TB, url, transport string, seconds int) int {
	t.Helper()
	progress := filepath.Join(t.TempDir(), "progress")
	_, stderr := runPeer(t, time.Duration(seconds+20)*time.Second, "ffmpeg", "-nostdin", "-v", "error",
		"-timeout", "5000000", "-rtsp_transport", transport, "-i", url,
		"-t", strconv.Itoa(seconds), "-f", "null", "-progress", progress, "-")
	if bad := decodeErrors(stderr); len(bad) > 0 {
		t.Errorf("ffmpeg %s reported errors:\n%s", transport, strings.Join(bad, "\n"))
	}
	b, _ := os.ReadFile(progress)
	m := progressFrame.FindAllSubmatch(b, -1)
	if len(m) == 0 {
		t.Fatalf("ffmpeg %s: no progress (stderr: %s)", transport, stderr)
	}
	n, _ := strconv.Atoi(string(m[len(m)-1][1]))
	return n
}

var gstChain = regexp.MustCompile(`last-message = chain`)

// gstFrames plays url with gst-launch rtspsrc for the given wall time and
// counts the buffers jpegdec produced.
func gstFrames(t testing.TB, url, protocols string, seconds int) int {
	t.Helper()
	testenv.LookPeer(t, "gst-launch-1.0")
	stdout, stderr := runPeer(t, time.Duration(seconds+15)*time.Second, "timeout", "-s", "INT", strconv.Itoa(seconds),
		"gst-launch-1.0", "-e", "rtspsrc", "location="+url, "protocols="+protocols, "latency=100",
		"!", "rtpjpegdepay", "!", "jpegdec", "!", "fakesink", "silent=false", "-v")
	n := len(gstChain.FindAllStringIndex(stdout, -1))
	if n == 0 {
		t.Logf("gst stdout tail: %s\nstderr: %s", tail(stdout, 2000), stderr)
	}
	return n
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestPeersDecodeTestPattern(t *testing.T) {
	srv, _ := startServer(t, Config{PatternFrames: 150})
	url := srv.URLs()[0]
	if !strings.HasSuffix(url, "/test") {
		t.Fatalf("first stream %s", url)
	}
	t.Run("ffprobe", func(t *testing.T) {
		out, stderr := runPeer(t, 20*time.Second, "ffprobe", "-v", "error", "-rtsp_transport", "udp", "-show_streams", url)
		for _, want := range []string{"codec_name=mjpeg", "width=640", "height=480"} {
			if !strings.Contains(out, want) {
				t.Errorf("ffprobe lacks %s:\n%s\n%s", want, out, stderr)
			}
		}
	})
	const seconds, fps = 5, 30
	for _, tr := range []string{"udp", "tcp"} {
		t.Run("ffmpeg-"+tr, func(t *testing.T) {
			t.Parallel()
			if n := ffmpegFrames(t, url, tr, seconds); n < seconds*fps*95/100 {
				t.Errorf("ffmpeg %s decoded %d frames, want >= %d", tr, n, seconds*fps*95/100)
			}
		})
		t.Run("gst-"+tr, func(t *testing.T) {
			t.Parallel()
			// Expected: the frames of the wall time minus rtspsrc's
			// connection set-up and jitter-buffer latency.
			if n := gstFrames(t, url, tr, seconds); n < (seconds*fps*95/100)-15 {
				t.Errorf("gst %s decoded %d frames, want >= %d", tr, n, seconds*fps*95/100-15)
			}
		})
	}
}

func TestTwentyConcurrentFFmpeg(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv, _ := startServer(t, Config{PatternFrames: 150})
	url := srv.URLs()[0]
	const seconds, fps, clients = 5, 30, 20
	results := make(chan string, clients)
	for i := range clients {
		tr := []string{"udp", "tcp"}[i%2]
		go func() {
			progress := filepath.Join(t.TempDir(), fmt.Sprintf("p%d", i))
			bin := testenv.LookPeer(t, "ffmpeg")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "-nostdin", "-v", "error", "-timeout", "5000000", "-rtsp_transport", tr,
				"-i", url, "-t", strconv.Itoa(seconds), "-f", "null", "-progress", progress, "-")
			_ = cmd.Run()
			b, _ := os.ReadFile(progress)
			m := progressFrame.FindAllSubmatch(b, -1)
			if len(m) == 0 {
				results <- fmt.Sprintf("client %d (%s): no frames", i, tr)
				return
			}
			n, _ := strconv.Atoi(string(m[len(m)-1][1]))
			if n < seconds*fps*95/100 {
				results <- fmt.Sprintf("client %d (%s): %d frames", i, tr, n)
				return
			}
			results <- ""
		}()
	}
	for range clients {
		if r := <-results; r != "" {
			t.Error(r)
		}
	}
}

// ffmpegMD5s runs ffmpeg with -f framemd5 and returns the per-frame MD5s.
func ffmpegMD5s(t testing.TB, args ...string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.framemd5")
	all := append([]string{"-nostdin", "-v", "error"}, args...)
	all = append(all, "-map", "0:v", "-fps_mode", "passthrough", "-f", "framemd5", out)
	_, stderr := runPeer(t, 60*time.Second, "ffmpeg", all...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("ffmpeg framemd5: %v\n%s", err, stderr)
	}
	var sums []string
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		f := strings.Split(l, ",")
		sums = append(sums, strings.TrimSpace(f[len(f)-1]))
	}
	return sums
}

// makeMJPEG writes a raw MJPEG made by ffmpeg's encoder with extra
// encoder arguments.
func makeMJPEG(t testing.TB, dir, name string, frames int, encArgs ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	args := []string{"-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=20",
		"-frames:v", strconv.Itoa(frames)}
	args = append(args, encArgs...)
	args = append(args, "-f", "mjpeg", "-y", p)
	_, stderr := runPeer(t, 60*time.Second, "ffmpeg", args...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("ffmpeg could not make %s: %s", name, stderr)
	}
	return p
}

// TestPixelIdenticalThroughFFmpeg: frames of a 4:2:0 standard-Huffman file
// decode, after RTP, exactly as the file's own frames decode.
func TestPixelIdenticalThroughFFmpeg(t *testing.T) {
	media := t.TempDir()
	src := makeMJPEG(t, media, "std.mjpeg", 40, "-pix_fmt", "yuvj420p", "-huffman", "default", "-q:v", "3")
	writeFile(t, filepath.Join(media, "dri.mjpeg"), concatJPEGs(t, "vectors/frames_640x480_q5_dri"))
	srv, _ := startServer(t, Config{MediaDir: media, FPS: 20})
	base := strings.TrimSuffix(srv.URLs()[0], "/dri.mjpeg")

	for _, tc := range []struct{ name, file string }{{"standard", src}, {"restart markers", filepath.Join(media, "dri.mjpeg")}} {
		t.Run(tc.name, func(t *testing.T) {
			want := map[string]bool{}
			for _, s := range ffmpegMD5s(t, "-i", tc.file) {
				want[s] = true
			}
			for _, tr := range []string{"udp", "tcp"} {
				got := ffmpegMD5s(t, "-timeout", "5000000", "-rtsp_transport", tr, "-i", base+"/"+filepath.Base(tc.file), "-t", "2")
				if len(got) < 30 {
					t.Errorf("%s: only %d frames", tr, len(got))
				}
				for i, s := range got {
					if !want[s] {
						t.Fatalf("%s: frame %d decodes differently from every source frame", tr, i)
					}
				}
			}
			// GStreamer: depayload to JPEG files, decode those with the
			// same decoder as the source.
			dir := t.TempDir()
			testenv.LookPeer(t, "gst-launch-1.0")
			runPeer(t, 20*time.Second, "timeout", "-s", "INT", "3", "gst-launch-1.0", "-e",
				"rtspsrc", "location="+base+"/"+filepath.Base(tc.file), "protocols=tcp", "latency=100", "!",
				"rtpjpegdepay", "!", "multifilesink", "location="+filepath.Join(dir, "f_%05d.jpg"))
			files, _ := filepath.Glob(filepath.Join(dir, "f_*.jpg"))
			if len(files) < 20 {
				t.Fatalf("gst depayloaded %d frames", len(files))
			}
			sort.Strings(files)
			for _, f := range files[:20] {
				sums := ffmpegMD5s(t, "-i", f)
				if len(sums) != 1 || !want[sums[0]] {
					t.Fatalf("gst frame %s decodes differently from every source frame", filepath.Base(f))
				}
			}
		})
	}
}

// concatJPEGs concatenates the .jpg files of a shared folder into raw MJPEG.
func concatJPEGs(t testing.TB, rel string) []byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.SharedPath(t, rel), "*.jpg"))
	sort.Strings(files)
	var out []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

// rawFrames decodes a video to packed RGB24 frames with ffmpeg.
func rawFrames(t testing.TB, w, h int, args ...string) [][]byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.rgb")
	all := append([]string{"-nostdin", "-v", "error"}, args...)
	all = append(all, "-map", "0:v", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", out)
	_, stderr := runPeer(t, 90*time.Second, "ffmpeg", all...)
	return splitRGB(t, out, w, h, stderr)
}

func splitRGB(t testing.TB, path string, w, h int, logs string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("decoded output: %v\n%s", err, logs)
	}
	size := w * h * 3
	var frames [][]byte
	for len(b) >= size {
		frames = append(frames, b[:size])
		b = b[size:]
	}
	return frames
}

// psnrRGB is the PSNR in dB of two packed RGB24 frames.
func psnrRGB(a, b []byte) float64 {
	var sum float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	if sum == 0 {
		return math.Inf(1)
	}
	mse := sum / float64(len(a))
	return 10 * math.Log10(255*255/mse)
}

// bestPSNR compares frame k of a received sequence with source frames near
// k (a frame lost or repeated at the start shifts the alignment by one).
func bestPSNR(got []byte, src [][]byte, k int) float64 {
	best := math.Inf(-1)
	for d := -2; d <= 2; d++ {
		i := ((k+d)%len(src) + len(src)) % len(src)
		best = math.Max(best, psnrRGB(got, src[i]))
	}
	return best
}

// TestOptimizedHuffmanTranscoded: ffmpeg's default optimized tables cannot
// travel in RFC 2435; the server re-encodes them and the received frames
// stay within 35 dB of the source.
func TestOptimizedHuffmanTranscoded(t *testing.T) {
	media := t.TempDir()
	src := makeMJPEG(t, media, "opt.mjpeg", 40, "-pix_fmt", "yuvj420p", "-q:v", "3")
	srv, _ := startServer(t, Config{MediaDir: media, FPS: 20})
	want := rawFrames(t, 640, 480, "-i", src)
	got := rawFrames(t, 640, 480, "-timeout", "5000000", "-rtsp_transport", "tcp", "-i", srv.URLs()[0], "-t", "2")
	if len(got) < 35 {
		t.Fatalf("received %d frames", len(got))
	}
	for k, f := range got {
		if p := bestPSNR(f, want, k); p < 35 {
			t.Fatalf("frame %d: PSNR %.1f dB < 35", k, p)
		}
	}
}

// TestLabMovieThroughPeers: all 500 frames of the lab's 4:4:4 movie reach
// ffmpeg and GStreamer at 384x288 within 30 dB of the source.
func TestLabMovieThroughPeers(t *testing.T) {
	movie := testenv.SharedPath(t, "media/movie.Mjpeg")
	b, err := os.ReadFile(movie)
	if err != nil {
		t.Fatal(err)
	}
	media := t.TempDir()
	writeFile(t, filepath.Join(media, "movie.Mjpeg"), b)
	// 100 fps and no loop: the whole movie in 5 s, then BYE ends the peers.
	srv, _ := startServer(t, Config{MediaDir: media, FPS: 100, NoLoop: true})
	url := srv.URLs()[0]
	// This test is about what the peers decode, at 5x the lab's rate: let
	// the background converter finish first (under -race it runs slower
	// than 100 fps; playback would skip what it has not reached).
	// TestLabMovieColdStart plays it cold at its own rate.
	st, _ := srv.cat.lookup("/movie.Mjpeg")
	if err := srv.openStream(st); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 3*time.Minute, "the movie converted", func() bool {
		done, total := st.frames().(*diskStore).mf.Converted()
		return done == total
	})
	// The source frames as decoded by ffmpeg, from a raw copy of the file.
	rawSrc := filepath.Join(t.TempDir(), "movie.mjpeg")
	writeFile(t, rawSrc, labToRaw(t, b))
	want := rawFrames(t, 384, 288, "-i", rawSrc)
	if len(want) != 500 {
		t.Fatalf("source has %d frames", len(want))
	}
	check := func(t *testing.T, got [][]byte) {
		if len(got) < 500 {
			t.Fatalf("decoded %d frames, want all 500", len(got))
		}
		for k, f := range got[:500] {
			if p := psnrRGB(f, want[k]); p < 30 {
				if p2 := bestPSNR(f, want, k); p2 < 30 {
					t.Fatalf("frame %d: PSNR %.1f dB < 30", k, p2)
				}
			}
		}
	}
	t.Run("ffmpeg", func(t *testing.T) {
		check(t, rawFrames(t, 384, 288, "-timeout", "5000000", "-rtsp_transport", "tcp", "-i", url, "-t", "8"))
	})
	t.Run("gst", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "gst.rgb")
		testenv.LookPeer(t, "gst-launch-1.0")
		_, stderr := runPeer(t, 30*time.Second, "timeout", "-s", "INT", "9", "gst-launch-1.0", "-e",
			"rtspsrc", "location="+url, "protocols=tcp", "latency=200", "!", "rtpjpegdepay", "!", "jpegdec", "!",
			"videoconvert", "!", "video/x-raw,format=RGB", "!", "filesink", "location="+out)
		check(t, splitRGB(t, out, 384, 288, stderr))
	})
}

// labToRaw turns a lab-format file into raw concatenated JPEG.
func labToRaw(t testing.TB, b []byte) []byte {
	t.Helper()
	var out []byte
	for len(b) > 0 {
		n, err := strconv.Atoi(string(b[:5]))
		if err != nil || 5+n > len(b) {
			t.Fatalf("bad lab file at %d", len(out))
		}
		out = append(out, b[5:5+n]...)
		b = b[5+n:]
	}
	return out
}
