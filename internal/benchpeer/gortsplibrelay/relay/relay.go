// Package relay is the body of the gortsplibrelay bench peer: an RTSP
// relay built on gortsplib v4 (github.com/bluenviron/gortsplib, the library
// inside mediamtx) that accepts a publisher on any path (ANNOUNCE, SETUP
// with mode=record, RECORD; RFC 2326 §10.3, §10.11; RTP over UDP or TCP
// interleaved) and forwards the publisher's RTP packets unchanged to every
// reader of that path, the way mediamtx does. It exists so that `rtpstream
// bench --publish` can measure the Go state of the art on the same relay
// workload as our server; tests run it in-process.
//
// It is bench and test code: product packages never import it.
package relay

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// DefaultWriteQueue is gortsplib's per-reader queue in packets when
// Config.WriteQueue is 0 (mediamtx's default, 512).
const DefaultWriteQueue = 512

// Config configures a Relay. The zero value listens on a kernel-chosen
// loopback port.
type Config struct {
	// Listen is the RTSP address; "" means "127.0.0.1:0" (port 0: the
	// kernel picks one). The UDP RTP/RTCP pair is bound on the same host,
	// on kernel-chosen adjacent ports.
	Listen string
	// WriteQueue is gortsplib's WriteQueueSize, packets queued per reader;
	// 0 means DefaultWriteQueue.
	WriteQueue int
}

// Relay is a running relay server. Close stops it.
type Relay struct {
	srv  *gortsplib.Server
	addr net.Addr
	h    *handler
}

// Start listens and serves until Close.
func Start(cfg Config) (*Relay, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.WriteQueue <= 0 {
		cfg.WriteQueue = DefaultWriteQueue
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("relay: listen address %q: %w", cfg.Listen, err)
	}
	rtpc, rtcpc, err := evenPortPair(host)
	if err != nil {
		return nil, err
	}
	rtpPort := rtpc.LocalAddr().(*net.UDPAddr).Port
	// gortsplib binds its UDP pair itself, at fixed addresses: hand it the
	// sockets bound above instead (ports chosen by the kernel, no race).
	var mu sync.Mutex
	bound := map[int]net.PacketConn{rtpPort: rtpc, rtpPort + 1: rtcpc}
	r := &Relay{h: &handler{paths: map[string]*path{}}}
	r.srv = &gortsplib.Server{
		Handler:        r.h,
		RTSPAddress:    cfg.Listen,
		UDPRTPAddress:  net.JoinHostPort(host, strconv.Itoa(rtpPort)),
		UDPRTCPAddress: net.JoinHostPort(host, strconv.Itoa(rtpPort+1)),
		WriteQueueSize: cfg.WriteQueue,
		Listen: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err == nil {
				r.addr = ln.Addr()
			}
			return ln, err
		},
		ListenPacket: func(network, address string) (net.PacketConn, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			n, _ := strconv.Atoi(p)
			mu.Lock()
			pc, ok := bound[n]
			delete(bound, n)
			mu.Unlock()
			if ok {
				return pc, nil
			}
			return net.ListenPacket(network, address)
		},
	}
	r.h.srv = r.srv
	if err := r.srv.Start(); err != nil {
		rtpc.Close()
		rtcpc.Close()
		return nil, fmt.Errorf("relay: %w", err)
	}
	return r, nil
}

// URL is rtsp://HOST:PORT, the base every path is published and read
// under.
func (r *Relay) URL() string { return "rtsp://" + r.addr.String() }

// Close stops the server, ends every session and closes every stream.
func (r *Relay) Close() {
	r.srv.Close()
	r.h.closeAll()
}

// path is one published path: the publisher's session and the stream its
// readers are attached to.
type path struct {
	publisher *gortsplib.ServerSession
	stream    *gortsplib.ServerStream
}

// handler maps paths to streams. gortsplib calls it from many goroutines;
// mu guards paths.
type handler struct {
	srv   *gortsplib.Server
	mu    sync.Mutex
	paths map[string]*path
}

// key normalises a request path: no leading or trailing slash.
func key(p string) string { return strings.Trim(p, "/") }

// OnAnnounce creates the path's stream from the publisher's SDP. A new
// publisher replaces the previous one (mediamtx's overridePublisher).
func (h *handler) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	st := gortsplib.NewServerStream(h.srv, ctx.Description)
	h.mu.Lock()
	old := h.paths[key(ctx.Path)]
	h.paths[key(ctx.Path)] = &path{publisher: ctx.Session, stream: st}
	h.mu.Unlock()
	if old != nil {
		old.stream.Close()
		old.publisher.Close()
	}
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// stream returns the stream published at p, or nil.
func (h *handler) stream(p string) *gortsplib.ServerStream {
	h.mu.Lock()
	defer h.mu.Unlock()
	if pa := h.paths[key(p)]; pa != nil {
		return pa.stream
	}
	return nil
}

// found answers 200 with st, or 404 when nothing is published there.
func found(st *gortsplib.ServerStream) (*base.Response, *gortsplib.ServerStream, error) {
	if st == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

// OnDescribe answers with the publisher's media.
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return found(h.stream(ctx.Path))
}

// OnSetup accepts the publisher's SETUP (mode=record, no stream to attach)
// and attaches readers to the path's stream.
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	return found(h.stream(ctx.Path))
}

// OnPlay accepts PLAY.
func (h *handler) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnRecord starts forwarding the publisher's packets, as they are, to the
// readers of its path.
func (h *handler) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	st := h.stream(ctx.Path)
	if st == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil
	}
	ctx.Session.OnPacketRTPAny(func(medi *description.Media, _ format.Format, pkt *rtp.Packet) {
		_ = st.WritePacketRTP(medi, pkt) // fails only once the stream is closed
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSessionClose removes the path of a publisher that went away (its
// readers are disconnected with the stream).
func (h *handler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	h.mu.Lock()
	var gone *path
	for k, pa := range h.paths {
		if pa.publisher == ctx.Session {
			gone = pa
			delete(h.paths, k)
			break
		}
	}
	h.mu.Unlock()
	if gone != nil {
		gone.stream.Close()
	}
}

// closeAll closes every stream left.
func (h *handler) closeAll() {
	h.mu.Lock()
	ps := h.paths
	h.paths = map[string]*path{}
	h.mu.Unlock()
	for _, pa := range ps {
		pa.stream.Close()
	}
}

// evenPortPair binds an even UDP port chosen by the kernel for RTP and the
// next one for RTCP (RFC 3550 §11), on host; bounded retries.
func evenPortPair(host string) (*net.UDPConn, *net.UDPConn, error) {
	ip := net.ParseIP(host)
	for range 100 {
		a, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip})
		if err != nil {
			return nil, nil, fmt.Errorf("relay: rtp socket: %w", err)
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		if p%2 == 1 || p == 65535 {
			a.Close()
			continue
		}
		if b, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: p + 1}); err == nil {
			return a, b, nil
		}
		a.Close()
	}
	return nil, nil, errors.New("relay: no free even/odd UDP port pair")
}
