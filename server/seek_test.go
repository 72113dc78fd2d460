package server

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/rtsp"
)

// numberedMJPEG returns a raw MJPEG of n 64x48 frames, each carrying its
// index in three flat 16x16 blocks (base 8, levels k*32+16), which survive
// JPEG coding: frameNumber reads it back.
func numberedMJPEG(t testing.TB, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 64, 48))
		for b := range 3 {
			level := uint8((i>>(3*(2-b)))&7*32 + 16)
			for y := range 16 {
				for x := range 16 {
					img.SetGray(b*16+x, y, color.Gray{level})
				}
			}
		}
		// Gray frames are 4:0:0, which RFC 2435 cannot carry: encode
		// as YCbCr 4:2:0 instead.
		rgba := image.NewRGBA(img.Rect)
		for y := range 48 {
			for x := range 64 {
				rgba.Set(x, y, img.At(x, y))
			}
		}
		if err := jpeg.Encode(&out, rgba, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// frameNumber reads the index numberedMJPEG put in a frame.
func frameNumber(t testing.TB, b []byte) int {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("frame does not decode: %v", err)
	}
	n := 0
	for blk := range 3 {
		r, _, _, _ := img.At(blk*16+8, 8).RGBA()
		n = n*8 + int(r>>8)/32
	}
	return n
}

// playTCP plays path over interleaved TCP with the extra PLAY headers and
// returns the PLAY response, the frames' numbers and RTP timestamps until
// an RTCP BYE (or max frames, or the timeout), and whether BYE came.
func playTCP(t *testing.T, addr, path string, max int, headers ...string) (*rtsp.Response, []int, []uint32, bool) {
	t.Helper()
	c := dialCtl(t, addr)
	resp := c.do("SETUP", c.url(path+"/stream=0"), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	wantStatus(t, "SETUP", resp, 200)
	sess := "Session: " + sessionOf(t, resp)
	resp = c.do("PLAY", c.url(path+"/"), append([]string{sess}, headers...)...)
	if resp.StatusCode != 200 {
		return resp, nil, nil, false
	}
	var (
		col  collector
		nums []int
		ts   []uint32
	)
	_ = c.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	for len(nums) < max {
		m, err := c.r.Read()
		if err != nil {
			t.Fatalf("read: %v (after %d frames)", err, len(nums))
		}
		f, ok := m.(*rtsp.Frame)
		if !ok {
			t.Fatalf("unexpected %T while playing", m)
		}
		if f.Channel == 1 {
			pkts, err := rtcp.Unmarshal(f.Payload)
			if err != nil {
				t.Fatalf("bad RTCP: %v", err)
			}
			for _, p := range pkts {
				if _, ok := p.(*rtcp.Goodbye); ok {
					return resp, nums, ts, true
				}
			}
			continue
		}
		before := len(col.frames)
		col.push(t, f.Payload)
		if len(col.frames) > before {
			last := col.frames[len(col.frames)-1]
			nums = append(nums, frameNumber(t, last.jpeg))
			ts = append(ts, last.ts)
		}
	}
	return resp, nums, ts, false
}

// playFrames plays path over TCP with the extra PLAY headers until BYE
// and returns the frames as received (depacketized JPEGs).
func playFrames(t *testing.T, addr, path string, headers ...string) [][]byte {
	t.Helper()
	c := dialCtl(t, addr)
	resp := c.do("SETUP", c.url(path+"/stream=0"), "Transport: RTP/AVP/TCP;unicast;interleaved=0-1")
	sess := "Session: " + sessionOf(t, resp)
	wantStatus(t, "PLAY", c.do("PLAY", c.url(path+"/"), append([]string{sess}, headers...)...), 200)
	var col collector
	_ = c.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		m, err := c.r.Read()
		if err != nil {
			t.Fatalf("read: %v (after %d frames)", err, len(col.frames))
		}
		f, ok := m.(*rtsp.Frame)
		if !ok {
			continue
		}
		if f.Channel == 0 {
			col.push(t, f.Payload)
			continue
		}
		if pkts, err := rtcp.Unmarshal(f.Payload); err == nil {
			for _, p := range pkts {
				if _, ok := p.(*rtcp.Goodbye); ok {
					out := make([][]byte, len(col.frames))
					for i, fr := range col.frames {
						out[i] = fr.jpeg
					}
					return out
				}
			}
		}
	}
}

// seekServer serves a 400-frame numbered file at 30 fps.
func seekServer(t *testing.T, cfg Config, frames int) string {
	media := t.TempDir()
	writeFile(t, media+"/clip.mjpeg", numberedMJPEG(t, frames))
	cfg.MediaDir, cfg.FPS = media, 30
	_, addr := startServer(t, cfg)
	return addr
}

// TestPlayRangeSpan: PLAY with Range: npt=10-12 at 30 fps sends frames 300
// through 360, then RTCP BYE (RFC 2326 12.29: the end is honoured).
func TestPlayRangeSpan(t *testing.T) {
	addr := seekServer(t, Config{}, 400)
	resp, nums, ts, bye := playTCP(t, addr, "/clip.mjpeg", 200, "Range: npt=10-12")
	wantStatus(t, "PLAY", resp, 200)
	if r := resp.Header.Get("Range"); r != "npt=10.000-12.000" {
		t.Errorf("Range %q, want npt=10.000-12.000", r)
	}
	if !bye {
		t.Fatalf("no BYE after %d frames (%v...)", len(nums), nums[:min(5, len(nums))])
	}
	if len(nums) != 61 || nums[0] != 300 || nums[len(nums)-1] != 360 {
		t.Fatalf("got %d frames from %d to %d, want 61 from 300 to 360", len(nums), nums[0], nums[len(nums)-1])
	}
	for i := 1; i < len(nums); i++ {
		if nums[i] != nums[i-1]+1 || ts[i]-ts[i-1] != 3000 {
			t.Fatalf("frame %d: number %d after %d, timestamp step %d", i, nums[i], nums[i-1], ts[i]-ts[i-1])
		}
	}
}

// TestScale: Scale 2 sends every second frame at the normal rate, Scale -1
// plays backwards with increasing timestamps, Scale 0.5 halves the rate;
// each answered with the Scale used (RFC 2326 12.34).
func TestScale(t *testing.T) {
	addr := seekServer(t, Config{NoLoop: true}, 60)
	for _, tc := range []struct {
		scale, rng  string
		first, step int
		tsStep      uint32
		frames      int
	}{
		{"2", "npt=0-", 0, 2, 3000, 30},
		{"-1", "npt=1-", 30, -1, 3000, 31},
		{"0.5", "npt=1.5-", 45, 1, 6000, 15},
	} {
		resp, nums, ts, bye := playTCP(t, addr, "/clip.mjpeg", 100, "Scale: "+tc.scale, "Range: "+tc.rng)
		wantStatus(t, "PLAY Scale "+tc.scale, resp, 200)
		if got := resp.Header.Get("Scale"); got != tc.scale {
			t.Errorf("Scale %s answered %q", tc.scale, got)
		}
		if !bye || len(nums) != tc.frames || nums[0] != tc.first {
			t.Fatalf("Scale %s: %d frames from %v, BYE %v; want %d from %d", tc.scale, len(nums), nums[:min(3, len(nums))], bye, tc.frames, tc.first)
		}
		for i := 1; i < len(nums); i++ {
			if nums[i]-nums[i-1] != tc.step || ts[i]-ts[i-1] != tc.tsStep {
				t.Fatalf("Scale %s, frame %d: number %d after %d, timestamp step %d", tc.scale, i, nums[i], nums[i-1], ts[i]-ts[i-1])
			}
		}
	}
	// What Scale 2 and -1 send decodes in ffmpeg without an error.
	t.Run("ffmpeg decodes", func(t *testing.T) {
		ffmpeg := testenv.LookPeer(t, "ffmpeg")
		for _, scale := range []string{"2", "-1"} {
			raw := filepath.Join(t.TempDir(), "got.mjpeg")
			writeFile(t, raw, bytes.Join(playFrames(t, addr, "/clip.mjpeg", "Scale: "+scale, "Range: npt=1-"), nil))
			out, err := exec.Command(ffmpeg, "-v", "error", "-f", "mjpeg", "-i", raw, "-f", "null", "-").CombinedOutput()
			if err != nil || len(out) != 0 {
				t.Errorf("Scale %s: ffmpeg decoding what was sent: %v %s", scale, err, out)
			}
		}
	})
	for _, bad := range []string{"abc", "0", "100", "-0.001"} {
		resp, _, _, _ := playTCP(t, addr, "/clip.mjpeg", 1, "Scale: "+bad)
		wantStatus(t, "PLAY Scale "+bad, resp, rtsp.StatusHeaderFieldNotValidForResource)
	}
}

// TestFFmpegSeek: ffmpeg -ss 10 (PLAY with Range: npt=10-) gets frame 300
// of a 30 fps file first.
func TestFFmpegSeek(t *testing.T) {
	ffmpeg := testenv.LookPeer(t, "ffmpeg")
	addr := seekServer(t, Config{}, 400)
	out := filepath.Join(t.TempDir(), "out.mjpeg")
	cmd := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-ss", "10",
		"-i", "rtsp://"+addr+"/clip.mjpeg", "-frames:v", "5", "-c:v", "copy", "-f", "mjpeg", "-y", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r, err := mjpeg.NewReader(bytes.NewReader(b), mjpeg.ReaderOptions{})
	if err != nil {
		t.Fatalf("ffmpeg's output: %v", err)
	}
	var got []string
	for {
		f, err := r.Next()
		if err != nil {
			break
		}
		got = append(got, fmt.Sprint(frameNumber(t, f)))
	}
	if len(got) == 0 {
		t.Fatalf("ffmpeg wrote %d bytes, no frames", len(b))
	}
	if got[0] != "300" {
		t.Fatalf("ffmpeg -ss 10 got frames %s, want 300 first", strings.Join(got, " "))
	}
}

// TestFileDeclaresRate: a file whose frames declare their rate (what
// `rtpstream gen` writes) plays at it, not at Config.FPS.
func TestFileDeclaresRate(t *testing.T) {
	media := t.TempDir()
	var b bytes.Buffer
	for _, f := range splitFrames(t, numberedMJPEG(t, 60)) {
		b.Write(mjpeg.WithRate(f, 30))
	}
	writeFile(t, media+"/gen.mjpeg", b.Bytes())
	_, addr := startServer(t, Config{MediaDir: media, FPS: 20})
	c := dialCtl(t, addr)
	resp := c.do("DESCRIBE", c.url("/gen.mjpeg"))
	wantStatus(t, "DESCRIBE", resp, 200)
	if sdp := string(resp.Body); !strings.Contains(sdp, "a=framerate:30\r\n") || !strings.Contains(sdp, "a=range:npt=0-2.000\r\n") {
		t.Errorf("SDP of 60 frames declared at 30 fps: %s", sdp)
	}
	_, _, ts, _ := playTCP(t, addr, "/gen.mjpeg", 3)
	if len(ts) < 2 || ts[1]-ts[0] != 3000 {
		t.Errorf("timestamps %v, want steps of 3000 (30 fps)", ts)
	}
}

// TestSnapshotOfColdMovie: the snapshot of a file whose frames need
// converting (the lab's 4:4:4 movie), asked before anything played it,
// is the converted frame, not a 503.
func TestSnapshotOfColdMovie(t *testing.T) {
	media := movieMedia(t)
	srv, _ := startServer(t, Config{MediaDir: media})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/movie.Mjpeg/snapshot.jpg?t=10", nil))
	if rec.Code != 200 {
		t.Fatalf("snapshot: %d %s", rec.Code, rec.Body)
	}
	img, err := jpeg.Decode(rec.Body)
	if err != nil || img.Bounds().Dx() != 384 || img.Bounds().Dy() != 288 {
		t.Fatalf("snapshot: %v %v", err, img.Bounds())
	}
}

// TestLabMovieColdStart: the lab's 4:4:4 movie, never seen before (empty
// cache folder), plays at 20 fps from its first frame with no frame
// skipped: PLAY converts the first one and the background converter stays
// ahead (RTP timestamps advance by exactly one frame each, which a skipped
// frame would break).
func TestLabMovieColdStart(t *testing.T) {
	if raceEnabled {
		t.Skip("real-time speed of the converter: not under the race detector")
	}
	media := movieMedia(t)
	_, addr := startServer(t, Config{MediaDir: media})
	c := dialCtl(t, addr)
	wantStatus(t, "DESCRIBE", c.do("DESCRIBE", c.url("/movie.Mjpeg")), 200)
	start := time.Now()
	_, _, ts, _ := playTCP(t, addr, "/movie.Mjpeg", 60)
	t.Logf("60 frames in %v from SETUP", time.Since(start))
	if len(ts) != 60 {
		t.Fatalf("%d frames", len(ts))
	}
	for i := 1; i < len(ts); i++ {
		if ts[i]-ts[i-1] != 4500 {
			t.Fatalf("frame %d: timestamp step %d, want 4500 (a frame was skipped)", i, ts[i]-ts[i-1])
		}
	}
}

// TestConfiguredRateWinsOverDeclared: a per-file fps in the configuration
// beats the rate the file declares.
func TestConfiguredRateWinsOverDeclared(t *testing.T) {
	media := t.TempDir()
	var b bytes.Buffer
	for _, f := range splitFrames(t, numberedMJPEG(t, 20)) {
		b.Write(mjpeg.WithRate(f, 30))
	}
	writeFile(t, media+"/gen.mjpeg", b.Bytes())
	_, addr := startServer(t, Config{MediaDir: media, Files: []FileSettings{{Name: "/gen.mjpeg", FPS: 10}}})
	c := dialCtl(t, addr)
	resp := c.do("DESCRIBE", c.url("/gen.mjpeg"))
	if sdp := string(resp.Body); !strings.Contains(sdp, "a=framerate:10\r\n") {
		t.Errorf("SDP: %s", sdp)
	}
}

// TestLabSourceNeverWaitsForConversion: the lab's dialect sends frames as
// stored, so a frame the converter has not reached is there for it (a lab
// client of a cold 4:4:4 movie used to lose the frames still converting).
func TestLabSourceNeverWaitsForConversion(t *testing.T) {
	media := movieMedia(t)
	srv, _ := startServer(t, Config{MediaDir: media})
	st, _ := srv.cat.lookup("/movie.Mjpeg")
	if err := srv.openStream(st); err != nil {
		t.Fatal(err)
	}
	store := st.frames()
	// The converter starts at frame 0: the last frame is far from ready.
	if _, err := store.frame(499); err == nil {
		t.Skip("the converter already reached the last frame")
	}
	src, err := store.source(499)
	if err != nil || !bytes.HasPrefix(src, []byte{0xFF, 0xD8}) {
		t.Fatalf("source of an unconverted frame: %v", err)
	}
}

// movieMedia is a fresh media folder holding a copy of the lab's movie
// (a cache folder of its own comes with startServer).
func movieMedia(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(testenv.SharedPath(t, "media/movie.Mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	media := t.TempDir()
	writeFile(t, filepath.Join(media, "movie.Mjpeg"), b)
	return media
}
