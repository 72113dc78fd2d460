// Command labfake runs the fake Kurose-Ross lab server of
// client/clienttest (every rule of lab-dialect.md enforced on its client)
// as a program, so the desktop player can be checked against it under X
// (scripts/player-smoke.sh). It serves the test pattern, prints
// "READY rtsp://127.0.0.1:PORT/FILE", and on SIGINT/SIGTERM (or after
// --duration) prints every rule the client broke and exits 1 if any.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/mjpeg"
)

func main() {
	file := flag.String("file", "movie.Mjpeg", "the bare file name served")
	frames := flag.Int("frames", 60, "test-pattern frames in the loop")
	count := flag.Int("count", 100000, "frames sent in all, then silence (the lab's end of file)")
	interval := flag.Duration("interval", 50*time.Millisecond, "time between frames (the lab's 50 ms)")
	duration := flag.Duration("duration", 0, "exit after this long (0: until a signal)")
	flag.Parse()

	v, err := mjpeg.PatternVideo(640, 480, float64(time.Second)/float64(*interval), *frames, 80)
	if err != nil {
		fmt.Fprintln(os.Stderr, "labfake:", err)
		os.Exit(1)
	}
	s, err := clienttest.NewLabServer(clienttest.LabConfig{File: *file, Frames: v.Frames, Count: *count, Interval: *interval})
	if err != nil {
		fmt.Fprintln(os.Stderr, "labfake:", err)
		os.Exit(1)
	}
	fmt.Println("READY", s.URL)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	<-ctx.Done()
	s.Close()
	bad := s.Violations()
	for _, b := range bad {
		fmt.Fprintln(os.Stderr, "labfake: client broke a rule:", b)
	}
	fmt.Fprintf(os.Stderr, "labfake: sent %d frames, %d violations\n", s.Sent(), len(bad))
	if len(bad) > 0 {
		os.Exit(1)
	}
}
