package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// TestMain lets the test binary play the receiver child, which
// startReceiver starts as os.Args[0] --receive N [--no-gro].
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "--receive" {
		n, _ := strconv.Atoi(os.Args[2])
		if err := runReceiver(n, len(os.Args) < 4); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSender sends a short pattern file to a few receivers and checks that
// every packet arrived and the CPU figure was measured over the window.
func TestSender(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("gsofloor measures the Linux send path")
	}
	v, err := mjpeg.PatternVideo(160, 120, 30, 10, 75)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "p.mjpeg")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := mjpeg.NewWriter(f, mjpeg.FormatRaw)
	for _, fr := range v.Frames {
		if err := w.WriteFrame(fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, gro := range []bool{true, false} {
		res, err := runSender(file, 3, 30, 300*time.Millisecond, 100*time.Millisecond, 400, gro)
		if err != nil {
			t.Fatalf("gro=%v: %v", gro, err)
		}
		if res.Packets == 0 || res.LossRate != 0 || res.UDPGRO != gro || res.Clients != 3 || res.ServerCPUS == nil {
			t.Errorf("gro=%v: result %+v: want packets > 0, no loss", gro, res)
		}
		if *res.ServerCPUS < 0 || *res.ServerRSSBytes <= 0 {
			t.Errorf("gro=%v: cpu %v s, rss %d", gro, *res.ServerCPUS, *res.ServerRSSBytes)
		}
	}
}
