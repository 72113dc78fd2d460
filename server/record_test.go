package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/recorder"
	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// recPath is a publish target recorded into dir in 1 s segments.
func recPath(dir string) PathConfig {
	return PathConfig{Name: "/rec", Publish: true, Record: true, RecordDir: dir, RecordSegment: time.Second}
}

// recordedFrames is how many frames the path's recorder wrote.
func recordedFrames(ls *liveStream) uint64 {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.rec == nil {
		return 0
	}
	return ls.rec.rec.Stats().Frames
}

// segmentsIn checks the folder holds only complete segments and returns
// their names (oldest first) and their frames, read back by mjpeg.Load and
// counted by ffprobe (reading them as mjpeg) when it is installed.
func segmentsIn(t *testing.T, dir string) (names []string, frames [][]byte) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range ents {
		if _, ok := recorder.ParseSegmentName(e.Name()); !ok {
			t.Fatalf("%s in the recording folder is not a complete segment", e.Name())
		}
		v, err := mjpeg.Load(filepath.Join(dir, e.Name()), mjpeg.LoadOptions{})
		if err != nil {
			t.Fatalf("segment %s: %v", e.Name(), err)
		}
		names = append(names, e.Name())
		frames = append(frames, v.Source...)
		counts[e.Name()] = len(v.Source)
	}
	t.Run("ffprobe", func(t *testing.T) {
		ffprobe := testenv.LookPeer(t, "ffprobe")
		for name, n := range counts {
			out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
				"-show_entries", "stream=codec_name,nb_read_frames", "-of", "default=noprint_wrappers=1",
				filepath.Join(dir, name)).CombinedOutput()
			if err != nil {
				t.Fatalf("ffprobe %s: %v\n%s", name, err, out)
			}
			if want := "codec_name=mjpeg\nnb_read_frames=" + strconv.Itoa(n) + "\n"; string(out) != want {
				t.Errorf("ffprobe %s: %q, want %q", name, out, want)
			}
		}
	})
	return names, frames
}

// TestRecordPublished: a published path recorded in 1 s segments for 2.5 s
// gives 3 or more complete segments holding every frame, pixel-identical,
// which mjpeg.Load and ffprobe read; removing the path completes the open
// segment before SetPaths returns.
func TestRecordPublished(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startServer(t, Config{Paths: []PathConfig{recPath(dir)}})
	ls := liveOf(t, srv, "/rec")
	src, sent := publishRecorded(t, addr, ls)
	if err := srv.SetPaths(nil); err != nil {
		t.Fatal(err)
	}
	names, got := segmentsIn(t, dir)
	if len(names) < 3 {
		t.Errorf("%d segments (%q) for 2.5 s in 1 s segments, want 3 or more", len(names), names)
	}
	if len(got) != sent {
		t.Fatalf("%d frames recorded, want the %d sent", len(got), sent)
	}
	for i, j := range got {
		samePixels(t, "recorded frame "+strconv.Itoa(i), j, src[i%len(src)])
	}
}

// TestRecordPathChange: a configuration change completes the open segment
// before SetPaths returns, and the path records again with the new one.
func TestRecordPathChange(t *testing.T) {
	dir := t.TempDir()
	cfg := recPath(dir)
	cfg.RecordSegment = time.Hour
	srv, addr := startServer(t, Config{Paths: []PathConfig{cfg}})
	src := pubFrames(t, 3)
	p := newPub(t, addr, "/rec", true).start()
	for _, j := range src {
		p.sendJPEG(j)
	}
	pubWait(t, "3 frames recorded", func() bool { return recordedFrames(liveOf(t, srv, "/rec")) == 3 })
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ".part") || ents[0].Name()[0] != '.' {
		t.Fatalf("while recording: %v %v, want one hidden .part file", ents, err)
	}
	cfg.RecordSegment = 2 * time.Hour
	if err := srv.SetPaths([]PathConfig{cfg}); err != nil {
		t.Fatal(err)
	}
	names, got := segmentsIn(t, dir)
	if len(names) != 1 || len(got) != 3 {
		t.Fatalf("after the change: %q with %d frames, want 1 segment of 3", names, len(got))
	}
	p = newPub(t, addr, "/rec", true).start()
	p.sendJPEG(src[0])
	pubWait(t, "a frame recorded after the change", func() bool { return recordedFrames(liveOf(t, srv, "/rec")) == 1 })
}

// TestRecordRelayShutdown: recording keeps an on-demand relay connected
// with no reader, and Serve returns only once the open segment is
// complete.
func TestRecordRelayShutdown(t *testing.T) {
	_, upstream := startServer(t, Config{})
	dir := t.TempDir()
	// Served here rather than by startServer, to see Serve return.
	srv := listeningServer(t, Config{Paths: []PathConfig{{
		Name: "/cam", Source: "rtsp://" + upstream + "/test", Record: true, RecordDir: dir,
	}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	ls := liveOf(t, srv, "/cam")
	pubWait(t, "the relay's frames recorded", func() bool { return recordedFrames(ls) >= 10 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	names, got := segmentsIn(t, dir)
	if len(names) != 1 || len(got) < 10 {
		t.Fatalf("after shutdown: %q with %d frames, want one segment of 10 or more", names, len(got))
	}
}

// TestRecordConfig: the folder defaults to MEDIA/NAME; without a media
// folder, or with two paths in one folder, the configuration is refused.
func TestRecordConfig(t *testing.T) {
	media := t.TempDir()
	srv := listeningServer(t, Config{MediaDir: media, Paths: []PathConfig{{Name: "/site/cam", Publish: true, Record: true}}})
	cfg := liveOf(t, srv, "/site/cam").cfg
	if want := filepath.Join(media, "site", "cam"); cfg.RecordDir != want || cfg.RecordSegment != recorder.DefaultSegment {
		t.Errorf("defaults: folder %q segment %v, want %q and %v", cfg.RecordDir, cfg.RecordSegment, want, recorder.DefaultSegment)
	}
	for _, tc := range []struct {
		name  string
		media string
		paths []PathConfig
		want  string
	}{
		{"no folder", "", []PathConfig{{Name: "/a", Record: true}}, "no media folder"},
		{"same folder", media, []PathConfig{{Name: "/a", Record: true, RecordDir: "x"}, {Name: "/b", Record: true, RecordDir: "x"}}, "the same folder"},
		{"same as default", media, []PathConfig{{Name: "/a", Record: true}, {Name: "/b", Record: true, RecordDir: filepath.Join(media, "a")}}, "the same folder"},
		{"short segment", media, []PathConfig{{Name: "/a", Record: true, RecordSegment: time.Millisecond}}, "segment under"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), Config{Logger: testLogger(), PatternFrames: 2, MediaDir: tc.media, Paths: tc.paths})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// crashDirEnv names the recording folder of TestRecordCrash's child.
const crashDirEnv = "RTPSTREAM_RECORD_CRASH_DIR"

// TestRecordCrashChild is TestRecordCrash's child process: a server
// recording a publisher (this process) until it is killed, or 60 s.
func TestRecordCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("the child process of TestRecordCrash")
	}
	_, addr := startServer(t, Config{Paths: []PathConfig{recPath(dir)}})
	src := pubFrames(t, 5)
	p := newPub(t, addr, "/rec", true).start()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i, start := 0, time.Now(); time.Since(start) < time.Minute; i++ {
		<-tick.C // the publisher's pace
		p.sendJPEG(src[i%len(src)])
	}
}

// TestRecordCrash: a recording server killed with SIGKILL mid-segment
// leaves every earlier segment whole and the open one under its temporary
// name; the next start recovers it (its torn tail cut) so that it plays.
func TestRecordCrash(t *testing.T) {
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^TestRecordCrashChild$", "-test.count=1")
	child.Env = append(os.Environ(), crashDirEnv+"="+dir)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = child.Process.Kill()
			_ = child.Wait()
		}
	}()
	parts := func() (complete int, open []string) {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if _, ok := recorder.ParseSegmentName(e.Name()); ok {
				complete++
			} else {
				open = append(open, e.Name())
			}
		}
		return complete, open
	}
	midSegment := func() bool {
		c, o := parts()
		if c < 1 || len(o) != 1 {
			return false
		}
		st, err := os.Stat(filepath.Join(dir, o[0]))
		return err == nil && st.Size() > 5000 // a few frames into the open segment
	}
	if !waitFor(30*time.Second, midSegment) {
		t.Fatal("the child recorded no complete segment and a few frames of the next in 30 s")
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	killed = true
	complete, open := parts()
	if len(open) != 1 {
		// Killed between a segment's rename and the next one's creation.
		t.Logf("after the kill: open segments %q", open)
		if names, _ := segmentsIn(t, dir); len(names) != complete {
			t.Fatalf("segments %q, want the %d complete ones", names, complete)
		}
		return
	}
	part := open[0]
	pf, err := os.Open(filepath.Join(dir, part))
	if err != nil {
		t.Fatal(err)
	}
	_, whole, err := recorder.ValidLength(pf, 1<<20)
	pf.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Whatever the kill cut, add a torn frame as a write cut short would.
	f, err := os.OpenFile(filepath.Join(dir, part), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(pubFrames(t, 1)[0][:300])
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := startServer(t, Config{Paths: []PathConfig{recPath(dir)}})
	pubWait(t, "the leftover recovered", func() bool {
		ls := liveOf(t, srv, "/rec")
		ls.mu.Lock()
		defer ls.mu.Unlock()
		return ls.rec != nil
	})
	names, got := segmentsIn(t, dir)
	final := strings.TrimSuffix(strings.TrimPrefix(part, "."), ".part")
	switch {
	case whole > 0 && (len(names) != complete+1 || names[len(names)-1] != final):
		t.Fatalf("segments %q, want the %d complete ones and the recovered %s last", names, complete, final)
	case whole == 0 && len(names) != complete:
		t.Fatalf("segments %q, want the %d complete ones (the open one had no whole frame)", names, complete)
	}
	t.Logf("%d segments, %d frames after the kill and recovery (%d whole frames in the open one)", len(names), len(got), whole)
}

// publishRecorded publishes 5 distinct frames in turn to /rec at 20 fps for
// 2.5 s and waits until the path's recorder wrote every one; it returns
// the frames and how many were sent.
func publishRecorded(t *testing.T, addr string, ls *liveStream) (src [][]byte, sent int) {
	t.Helper()
	src = pubFrames(t, 5)
	p := newPub(t, addr, "/rec", true).start()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for start := time.Now(); time.Since(start) < 2500*time.Millisecond && sent < 1000; sent++ {
		<-tick.C // the publisher's pace, not synchronisation
		p.sendJPEG(src[sent%len(src)])
	}
	pubWait(t, "every frame recorded", func() bool { return recordedFrames(ls) == uint64(sent) })
	return src, sent
}
