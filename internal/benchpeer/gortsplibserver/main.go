// Command gortsplibserver is a bench-only RTSP server built on gortsplib
// v4 (github.com/bluenviron/gortsplib, the library inside mediamtx): it
// serves one MJPEG file at one path over UDP and TCP, packetized by
// gortsplib's own RFC 2435 encoder (pkg/format/rtpmjpeg) frame by frame at
// the given rate and fanned out by gortsplib's ServerStream, so that
// `rtpstream bench` can measure the Go state of the art on the same
// workload as our server, in the same run.
//
//	gortsplibserver --file F.mjpeg [--path /movie] [--fps 30] [--listen 127.0.0.1:0] [--mtu 1400]
//
// Once listening it prints "READY rtsp://HOST:PORT/PATH" on stdout. The
// file (lab format or raw MJPEG) is loaded with our mjpeg package, which
// makes every frame RFC 2435-compatible. SIGINT or SIGTERM stops it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtpmjpeg"

	"github.com/rtpstream/rtpstream/mjpeg"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gortsplibserver:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		file   = flag.String("file", "", "MJPEG `file` to serve (lab format or raw), required")
		path   = flag.String("path", "/stream", "RTSP `path` to serve it at")
		fps    = flag.Float64("fps", 30, "frame rate")
		listen = flag.String("listen", "127.0.0.1:0", "RTSP `address`; port 0 picks a free one")
		mtu    = flag.Int("mtu", 1400, "largest RTP packet in bytes, 12-byte header included")
		wq     = flag.Int("write-queue", 512, "gortsplib WriteQueueSize (packets per reader; mediamtx's default)")
	)
	flag.Parse()
	if *file == "" || *fps <= 0 || *mtu < 256 {
		flag.Usage()
		return errors.New("bad flags")
	}
	video, err := mjpeg.Load(*file, mjpeg.LoadOptions{})
	if err != nil {
		return err
	}
	name := "/" + strings.Trim(*path, "/")

	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return err
	}
	rtpc, rtcpc, err := udpPair(host)
	if err != nil {
		return err
	}
	rtpPort := rtpc.LocalAddr().(*net.UDPAddr).Port
	prebound := map[int]net.PacketConn{rtpPort: rtpc, rtpPort + 1: rtcpc}

	h := &handler{name: name}
	var rtspAddr net.Addr
	srv := &gortsplib.Server{
		Handler:        h,
		RTSPAddress:    *listen,
		UDPRTPAddress:  net.JoinHostPort(host, strconv.Itoa(rtpPort)),
		UDPRTCPAddress: net.JoinHostPort(host, strconv.Itoa(rtpPort+1)),
		WriteQueueSize: *wq,
		Listen: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err == nil {
				rtspAddr = ln.Addr()
			}
			return ln, err
		},
		// Hand gortsplib the RTP/RTCP pair bound above (it needs fixed,
		// adjacent ports; we let the kernel choose them).
		ListenPacket: func(network, address string) (net.PacketConn, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			n, _ := strconv.Atoi(p)
			if pc, ok := prebound[n]; ok {
				delete(prebound, n)
				return pc, nil
			}
			return net.ListenPacket(network, address)
		},
	}
	medi := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{&format.MJPEG{}}}
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close()
	// The stream needs a started server (it reads its RTCP periods).
	stream := gortsplib.NewServerStream(srv, &description.Session{Medias: []*description.Media{medi}})
	defer stream.Close()
	h.stream.Store(stream)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- pace(ctx, stream, medi, video.Frames, *fps, *mtu) }()
	fmt.Printf("READY rtsp://%s%s\n", rtspAddr, name)
	select {
	case <-ctx.Done():
		return <-done
	case err := <-done:
		return err
	}
}

// pace packetizes frame after frame with gortsplib's encoder and writes the
// packets to the stream (every reader) at fps, on an absolute schedule.
func pace(ctx context.Context, st *gortsplib.ServerStream, medi *description.Media, frames [][]byte, fps float64, mtu int) error {
	enc := &rtpmjpeg.Encoder{PayloadMaxSize: mtu - 12}
	if err := enc.Init(); err != nil {
		return err
	}
	period := time.Duration(float64(time.Second) / fps)
	start := time.Now()
	t := time.NewTimer(0)
	defer t.Stop()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * period)
		t.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		pkts, err := enc.Encode(frames[i%len(frames)])
		if err != nil {
			return fmt.Errorf("frame %d: %w", i%len(frames), err)
		}
		ts := uint32(int64(i) * 90000 / int64(fps+0.5))
		now := time.Now()
		for _, p := range pkts {
			p.Timestamp = ts
			if err := st.WritePacketRTPWithNTP(medi, p, now); err != nil {
				log.Printf("write: %v", err)
			}
		}
	}
}

// handler serves the one stream at name to every reader.
type handler struct {
	name   string
	stream atomic.Pointer[gortsplib.ServerStream]
}

func (h *handler) ours(path string) bool {
	p := "/" + strings.Trim(path, "/")
	return p == h.name || strings.HasPrefix(p, h.name+"/")
}

// find returns the stream for path, 404 for other paths (and 503 before
// the stream exists).
func (h *handler) find(path string) (*base.Response, *gortsplib.ServerStream, error) {
	if !h.ours(path) {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	st := h.stream.Load()
	if st == nil {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

// OnDescribe answers DESCRIBE with the stream's SDP.
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return h.find(ctx.Path)
}

// OnSetup attaches the session to the stream.
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return h.find(ctx.Path)
}

// OnPlay accepts PLAY.
func (h *handler) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// udpPair binds an even port and the next odd one on host.
func udpPair(host string) (*net.UDPConn, *net.UDPConn, error) {
	ip := net.ParseIP(host)
	for range 100 {
		a, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip})
		if err != nil {
			return nil, nil, err
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		if p%2 != 0 || p == 65535 {
			a.Close()
			continue
		}
		b, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: p + 1})
		if err != nil {
			a.Close()
			continue
		}
		return a, b, nil
	}
	return nil, nil, errors.New("no free UDP port pair")
}
