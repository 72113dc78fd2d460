package recorder

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// TestRecorder: frames offered are written in order by the Recorder's
// goroutine; Gap without frames completes the open segment; Close writes
// what is queued and completes the last one; Offer after Close refuses.
func TestRecorder(t *testing.T) {
	fs := frames(t, 6)
	dir := t.TempDir()
	r, err := Start(Options{Dir: dir, Segment: time.Hour, Gap: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i, f := range fs[:3] {
		if !r.Offer(f, start.Add(time.Duration(i)*time.Millisecond)) {
			t.Fatal("queue refused a frame")
		}
	}
	first := SegmentName(start)
	testenv.WaitFor(t, 10*time.Second, "the idle segment to complete", func() bool {
		_, err := os.Stat(filepath.Join(dir, first))
		return err == nil
	})
	sameFrames(t, first, loadFrames(t, filepath.Join(dir, first)), fs[:3])
	later := time.Now()
	for i, f := range fs[3:] {
		r.Offer(f, later.Add(time.Duration(i)*time.Millisecond))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	second := SegmentName(later)
	if got := dirNames(t, dir); !slices.Equal(got, []string{first, second}) {
		t.Fatalf("files %q, want %q", got, []string{first, second})
	}
	sameFrames(t, second, loadFrames(t, filepath.Join(dir, second)), fs[3:])
	if r.Offer(fs[0], time.Now()) {
		t.Fatal("Offer after Close queued a frame")
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if st := r.Stats(); st.Frames != 6 || st.Segments != 2 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// blockingFile holds every write until release is closed, like a disk
// that stalls.
type blockingFile struct {
	*os.File
	release chan struct{}
}

func (b *blockingFile) Write(p []byte) (int, error) {
	<-b.release
	return b.File.Write(p)
}

// TestRecorderQueueFull: a stalled disk never blocks Offer; frames beyond
// the queue are dropped and counted, the queued ones written later.
func TestRecorderQueueFull(t *testing.T) {
	fs := frames(t, 1)
	release := make(chan struct{})
	created := make(chan struct{})
	r, err := Start(Options{Dir: t.TempDir(), Queue: 4, create: func(name string) (segmentFile, error) {
		f, err := createFile(name)
		if err != nil {
			return nil, err
		}
		close(created)
		return &blockingFile{File: f.(*os.File), release: release}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	r.Offer(fs[0], now)
	<-created // the goroutine holds frame 1 in its write
	queued := 0
	for i := range 20 {
		if r.Offer(fs[0], now.Add(time.Duration(i+1)*time.Millisecond)) {
			queued++
		}
	}
	if queued != 4 {
		t.Fatalf("%d frames queued behind the stalled write, want the queue's 4", queued)
	}
	close(release)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Frames != 5 || st.Dropped != 16 {
		t.Errorf("stats %+v, want 5 written, 16 dropped", st)
	}
}
