package server

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/recorder"
	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
)

// writeRecording writes segs segments of per frames each into
// media/cam1 as the recorder names them, 10 s apart, frames numbered
// continuously (numberedMJPEG) at 10 fps (the mtime is the last frame's
// time, as the recorder sets it), and a segment being written with
// openFrames whole frames and a torn one. It returns the first start.
func writeRecording(t *testing.T, media string, segs, per, openFrames int) time.Time {
	t.Helper()
	dir := filepath.Join(media, "cam1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	all := splitFrames(t, numberedMJPEG(t, segs*per+openFrames+1))
	t0 := time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC)
	for k := range segs {
		start := t0.Add(time.Duration(k) * 10 * time.Second)
		p := filepath.Join(dir, recorder.SegmentName(start))
		writeFile(t, p, bytes.Join(all[k*per:(k+1)*per], nil))
		last := start.Add(time.Duration(per-1) * 100 * time.Millisecond)
		if err := os.Chtimes(p, last, last); err != nil {
			t.Fatal(err)
		}
	}
	if openFrames > 0 {
		start := t0.Add(time.Duration(segs) * 10 * time.Second)
		b := bytes.Join(all[segs*per:segs*per+openFrames], nil)
		torn := all[segs*per+openFrames]
		b = append(b, torn[:len(torn)/2]...)
		writeFile(t, filepath.Join(dir, "."+recorder.SegmentName(start)+".part"), b)
	}
	return t0
}

// splitFrames splits a raw MJPEG into its frames.
func splitFrames(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	r, err := mjpeg.NewReader(bytes.NewReader(raw), mjpeg.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		f, err := r.Next()
		if err != nil {
			return out
		}
		out = append(out, f)
	}
}

// TestRecordingTimeline: a recording folder's segments, the one being
// written included up to its last whole frame, play as one stream with
// npt over all of them and clock ranges seeking across segments, at the
// rate the segments were recorded at, ending with BYE.
func TestRecordingTimeline(t *testing.T) {
	media := t.TempDir()
	t0 := writeRecording(t, media, 3, 10, 5)
	_, addr := startServer(t, Config{MediaDir: media, FPS: 25})
	c := dialCtl(t, addr)
	resp := c.do("DESCRIBE", c.url("/cam1/recording"))
	wantStatus(t, "DESCRIBE", resp, 200)
	if !strings.Contains(string(resp.Body), "a=range:npt=0-3.500") || !strings.Contains(string(resp.Body), "a=framerate:10") {
		t.Errorf("SDP (35 frames at 10 fps): %s", resp.Body)
	}
	// Each segment is a file of its own too.
	wantStatus(t, "DESCRIBE a segment", c.do("DESCRIBE", c.url("/cam1/"+recorder.SegmentName(t0))), 200)

	// 0.5 s into the second segment: frame 15, then the rest, then BYE.
	from := t0.Add(10*time.Second + 500*time.Millisecond)
	clock := rtsp.Range{Clock: true, ClockStart: from}.String()
	resp, nums, _, bye := playTCP(t, addr, "/cam1/recording", 100, "Range: "+clock)
	wantStatus(t, "PLAY "+clock, resp, 200)
	if r := resp.Header.Get("Range"); r != "clock=20261204T173010.5Z-" {
		t.Errorf("Range %q, want clock=20261204T173010.5Z-", r)
	}
	if !bye || len(nums) != 20 || nums[0] != 15 || nums[len(nums)-1] != 34 {
		t.Fatalf("got %d frames %v..., BYE %v; want 15 to 34 then BYE", len(nums), nums[:min(3, len(nums))], bye)
	}
	// A span: 17:30:30.0 to 17:30:30.2 is frames 30..32 (in the open
	// segment), ending with BYE.
	span := rtsp.Range{Clock: true, ClockStart: t0.Add(30 * time.Second), ClockEnd: t0.Add(30*time.Second + 200*time.Millisecond), HasEnd: true}
	_, nums, _, bye = playTCP(t, addr, "/cam1/recording", 100, "Range: "+span.String())
	if !bye || len(nums) != 3 || nums[0] != 30 {
		t.Fatalf("span: %v, BYE %v; want 30 31 32", nums, bye)
	}
	// Past the end, and clock ranges on a file without a time.
	late := rtsp.Range{Clock: true, ClockStart: t0.Add(time.Hour)}
	resp, _, _, _ = playTCP(t, addr, "/cam1/recording", 1, "Range: "+late.String())
	wantStatus(t, "PLAY past the end", resp, rtsp.StatusInvalidRange)
	resp, _, _, _ = playTCP(t, addr, "/test", 1, "Range: "+clock)
	wantStatus(t, "PLAY clock on the pattern", resp, 200) // live: the range is ignored

	// The recording grows (the open segment completes, as the recorder
	// renames it): a new DESCRIBE sees the new frames.
	parts, _ := filepath.Glob(filepath.Join(media, "cam1", ".*.part"))
	for _, p := range parts {
		os.Remove(p)
	}
	writeRecording(t, media, 4, 10, 0)
	resp = c.do("DESCRIBE", c.url("/cam1/recording"))
	if !strings.Contains(string(resp.Body), "a=range:npt=0-4.000") {
		t.Errorf("SDP after a fourth segment: %s", resp.Body)
	}
}

// TestRecordedPathPlaysAsTimeline: a published path recorded in 1 s
// segments plays back through ffmpeg as one stream holding every frame
// of every segment, in order, then ends (BYE).
func TestRecordedPathPlaysAsTimeline(t *testing.T) {
	media := t.TempDir()
	cfg := recPath(filepath.Join(media, "rec"))
	srv, addr := startServer(t, Config{MediaDir: media, Paths: []PathConfig{cfg}})
	ls := liveOf(t, srv, "/rec")
	_, sent := publishRecorded(t, addr, ls)
	if err := srv.SetPaths(nil); err != nil { // completes the open segment
		t.Fatal(err)
	}
	names, _ := segmentsIn(t, filepath.Join(media, "rec"))
	if len(names) < 3 {
		t.Fatalf("%d segments, want 3 or more", len(names))
	}
	// The server's watcher has seen the segments: the timeline is there.
	testenv.WaitFor(t, 10*time.Second, "the recording's timeline stream", func() bool {
		_, ok := srv.cat.lookup("/rec" + recordingSuffix)
		return ok
	})
	url := "rtsp://" + addr + "/rec" + recordingSuffix
	got := ffmpegMD5s(t, "-rtsp_transport", "tcp", "-i", url)
	if len(got) != sent {
		t.Fatalf("ffmpeg played %d frames of the recording, want all %d", len(got), sent)
	}
	want := ffmpegMD5s(t, "-f", "mjpeg", "-i", filepath.Join(media, "rec", names[0]))
	if got[0] != want[0] {
		t.Errorf("the timeline's first frame decodes differently from the first segment's")
	}
}
