// Command gortsplibrelay is a bench-only RTSP relay built on gortsplib v4
// (see package relay): a publisher announces and records on any path, over
// UDP or TCP, and readers of that path get the publisher's RTP packets as
// they are, the way mediamtx relays. `rtpstream bench --publish` feeds it
// and reads it back, to compare its cost with our server's.
//
//	gortsplibrelay [--listen 127.0.0.1:0] [--write-queue 512]
//
// Once listening it prints "READY rtsp://HOST:PORT" on stdout; publish and
// read at rtsp://HOST:PORT/ANY/PATH. SIGINT or SIGTERM stops it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rtpstream/rtpstream/internal/benchpeer/gortsplibrelay/relay"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gortsplibrelay:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		listen = flag.String("listen", "127.0.0.1:0", "RTSP `address`; port 0 picks a free one")
		wq     = flag.Int("write-queue", relay.DefaultWriteQueue, "gortsplib WriteQueueSize (packets per reader; mediamtx's default)")
	)
	flag.Parse()
	if flag.NArg() > 0 || *wq < 0 {
		flag.Usage()
		return errors.New("bad flags")
	}
	r, err := relay.Start(relay.Config{Listen: *listen, WriteQueue: *wq})
	if err != nil {
		return err
	}
	defer r.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("READY %s\n", r.URL())
	<-ctx.Done()
	return nil
}
