package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/sdp"
)

// publishControl is the media-level a=control of the SDP the publisher
// announces (ffmpeg's spelling, interop.md); SETUP goes to URL/streamid=0.
const publishControl = "streamid=0"

// PublishConfig describes a publisher: an RTSP client that sends a file's
// frames to a server for recording or relaying (RFC 2326 §10.3 ANNOUNCE,
// §10.11 RECORD). Zero fields take the defaults documented on them.
type PublishConfig struct {
	// URL is where to publish, rtsp://[USER:PASSWORD@]HOST:PORT/PATH.
	// Credentials in it answer a 401 with Digest or Basic. Required.
	URL string
	// Frames are the JPEG frames to send, in order, looping; each must be
	// carriable by RFC 2435 as it is (mjpeg.Load makes them so). Required.
	Frames [][]byte
	// FPS is the frame rate. Default 30.
	FPS float64
	// Transport is TransportUDP (default: RTP from the client_port pair
	// to the server_port pair the SETUP reply names) or TransportTCP
	// (interleaved in the RTSP connection, RFC 2326 §10.12).
	Transport string
	// MTU is the largest RTP packet, header included. Default
	// rtpjpeg.DefaultMTU.
	MTU int
	// RequestTimeout bounds each RTSP request and each write. Default 10 s.
	RequestTimeout time.Duration
}

func (c PublishConfig) withDefaults() (PublishConfig, error) {
	if c.URL == "" || len(c.Frames) == 0 {
		return c, fmt.Errorf("%w: publish needs a URL and frames", ErrConfig)
	}
	if c.FPS == 0 {
		c.FPS = 30
	}
	if c.FPS < 0 || c.FPS > 1000 {
		return c, fmt.Errorf("%w: publish fps %v", ErrConfig, c.FPS)
	}
	var err error
	if c.Transport, err = transportOrUDP("publish transport", c.Transport); err != nil {
		return c, err
	}
	if c.MTU == 0 {
		c.MTU = rtpjpeg.DefaultMTU
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	return c, nil
}

// PublishStats counts what a publisher sent.
type PublishStats struct {
	// Frames, Packets and Bytes (RTP payload bytes) sent so far.
	Frames, Packets, Bytes uint64
}

// Publisher is a recording RTSP session that sends frames. DialPublisher
// sets it up; Run sends until its context ends, then tears it down.
type Publisher struct {
	cfg   PublishConfig
	ctl   *control
	url   string // request URL, without credentials
	setup string // the stream's control URL
	// rtp and rtcp are the UDP client ports (nil over TCP); dst is the
	// server's RTP port.
	rtp, rtcp *net.UDPConn
	dst       *net.UDPAddr
	channel   uint8
	// fps are the frames' fingerprints (relay latency), by frame index.
	fps []fingerprint
	// log, when set, receives every frame's fingerprint and send time.
	log *sentLog

	frames, packets, bytes atomic.Uint64
	// firstSent closes once the first frame is out.
	firstSent chan struct{}
}

// DialPublisher connects and sets a recording session up: OPTIONS,
// ANNOUNCE with an SDP for one RFC 2435 video stream, SETUP with
// mode=record, RECORD. On error everything opened is closed.
func DialPublisher(ctx context.Context, cfg PublishConfig) (*Publisher, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return dialPublisher(ctx, cfg, nil)
}

func dialPublisher(ctx context.Context, cfg PublishConfig, log *sentLog) (_ *Publisher, err error) {
	clean, auth, err := splitUserinfo(cfg.URL)
	if err != nil {
		return nil, err
	}
	host, err := hostOf(clean)
	if err != nil {
		return nil, err
	}
	p := &Publisher{cfg: cfg, url: clean, log: log, firstSent: make(chan struct{})}
	p.fps = make([]fingerprint, len(cfg.Frames))
	for i, jpeg := range cfg.Frames {
		f, err := rtpjpeg.NewFrame(jpeg)
		if err != nil {
			return nil, fmt.Errorf("%w: frame %d: %w", ErrPublish, i, err)
		}
		p.fps[i] = fingerprintOf(f.Scan)
	}
	if p.setup, err = sdp.ResolveControl(clean, publishControl); err != nil {
		return nil, err
	}
	if p.ctl, err = dialControl(ctx, host, cfg.RequestTimeout); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPublish, err)
	}
	p.ctl.auth = auth
	defer func() {
		if err != nil {
			p.close()
			err = fmt.Errorf("%w: %w", ErrPublish, err)
		}
	}()
	to := cfg.RequestTimeout
	if _, err := p.ctl.do("OPTIONS", clean, to); err != nil {
		return nil, err
	}
	desc := sdp.Session{
		Name: "rtpstream bench",
		Media: []sdp.Media{{
			Type: "video", Formats: []int{rtpjpeg.PayloadType},
			RTPMap:    map[int]string{rtpjpeg.PayloadType: "JPEG/" + strconv.Itoa(rtpjpeg.ClockRate)},
			Framerate: cfg.FPS, Control: publishControl,
		}},
	}
	if _, err := p.ctl.doBody("ANNOUNCE", clean, to, desc.Marshal(),
		rtsp.Field{Name: "Content-Type", Value: "application/sdp"}); err != nil {
		return nil, err
	}
	if cfg.Transport == TransportTCP {
		tr, err := p.ctl.setup(p.setup, "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record", to)
		if err != nil {
			return nil, err
		}
		if tr.Interleaved.Set {
			p.channel = uint8(tr.Interleaved.Lo)
		}
	} else {
		local := p.ctl.nc.LocalAddr().(*net.TCPAddr).IP
		if p.rtp, p.rtcp, err = udpPair(local, 0); err != nil {
			return nil, err
		}
		port := p.rtp.LocalAddr().(*net.UDPAddr).Port
		tr, err := p.ctl.setup(p.setup, "RTP/AVP;unicast;client_port="+strconv.Itoa(port)+"-"+strconv.Itoa(port+1)+";mode=record", to)
		if err != nil {
			return nil, err
		}
		if !tr.ServerPort.Set {
			return nil, fmt.Errorf("SETUP: %w: no server_port in %q", ErrTransport, tr.String())
		}
		p.dst = &net.UDPAddr{IP: p.ctl.nc.RemoteAddr().(*net.TCPAddr).IP, Port: tr.ServerPort.Lo}
	}
	if _, err := p.ctl.do("RECORD", clean, to, rtsp.Field{Name: "Range", Value: "npt=0.000-"}); err != nil {
		return nil, err
	}
	return p, nil
}

// Stats returns the counts so far; safe while Run runs.
func (p *Publisher) Stats() PublishStats {
	return PublishStats{Frames: p.frames.Load(), Packets: p.packets.Load(), Bytes: p.bytes.Load()}
}

// Run sends the frames, looping, paced at FPS on an absolute schedule,
// until ctx ends; then it sends TEARDOWN, waits (bounded) for the answer
// and closes the session. It returns the error that stopped it early, nil
// when ctx ended it. Run may be called once.
func (p *Publisher) Run(ctx context.Context) error {
	defer p.close()
	// One goroutine reads the connection for the whole session: responses
	// to keep-alives and TEARDOWN, RTCP the server interleaves; a server
	// that closes the connection ends the run.
	resps := make(chan *rtsp.Response, 4)
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- p.drain(resps)
	}()
	defer wg.Wait()
	defer p.ctl.nc.Close()

	err := p.send(ctx, readErr)
	if err == nil {
		p.teardown(resps, readErr)
	}
	return err
}

// drain reads the session's connection until it fails, passing responses
// on (dropped when nobody waits).
func (p *Publisher) drain(resps chan<- *rtsp.Response) error {
	_ = p.ctl.nc.SetReadDeadline(time.Time{})
	for {
		m, err := p.ctl.r.Read()
		if err != nil {
			return err
		}
		if r, ok := m.(*rtsp.Response); ok {
			select {
			case resps <- r:
			default:
			}
		}
	}
}

// send is the pacing loop.
func (p *Publisher) send(ctx context.Context, readErr <-chan error) error {
	cfg := &p.cfg
	period := time.Duration(float64(time.Second) / cfg.FPS)
	every := max(p.ctl.timeout/2, time.Second)
	nextKA := time.Now().Add(every)
	hdr := rtp.Header{PayloadType: rtpjpeg.PayloadType, SSRC: rand.Uint32(), SequenceNumber: uint16(rand.Uint32())}
	ts0 := rand.Uint32()
	var pk rtpjpeg.Packetized
	buf := make([]byte, 0, 64<<10)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * period)
		if late := time.Since(due); late > time.Second {
			start, due = time.Now(), time.Now() // stalled: restart the schedule
			i = 0
		}
		timer.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return fmt.Errorf("%w: connection: %w", ErrPublish, err)
		case <-timer.C:
		}
		k := int(p.frames.Load() % uint64(len(cfg.Frames)))
		if err := rtpjpeg.PacketizeTo(&pk, cfg.Frames[k], cfg.MTU); err != nil {
			return fmt.Errorf("%w: frame %d: %w", ErrPublish, k, err)
		}
		hdr.Timestamp = ts0 + uint32(uint64(float64(p.frames.Load())*rtpjpeg.ClockRate/cfg.FPS))
		var err error
		if p.rtp != nil {
			buf, err = p.sendUDP(&hdr, pk.Payloads, p.fps[k], buf)
		} else {
			buf, err = p.sendTCP(&hdr, pk.Payloads, p.fps[k], buf)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPublish, err)
		}
		if p.frames.Add(1) == 1 {
			close(p.firstSent)
		}
		if now := time.Now(); now.After(nextKA) {
			nextKA = now.Add(every)
			p.ctl.keepalive(p.url)
		}
	}
}

// sendUDP sends a frame's packets one datagram each, noting the frame in
// the log just before the last one goes.
func (p *Publisher) sendUDP(hdr *rtp.Header, payloads [][]byte, fp fingerprint, buf []byte) ([]byte, error) {
	for j, pl := range payloads {
		hdr.Marker = j == len(payloads)-1
		b, err := p.packet(buf[:0], hdr, pl)
		if err != nil {
			return buf, err
		}
		buf = b
		if hdr.Marker && p.log != nil {
			p.log.add(fp, time.Now())
		}
		if _, err := p.rtp.WriteToUDP(b, p.dst); err != nil {
			return buf, fmt.Errorf("send RTP: %w", err)
		}
	}
	return buf, nil
}

// sendTCP writes a frame's packets, '$'-framed, in one write, noting the
// frame in the log just before.
func (p *Publisher) sendTCP(hdr *rtp.Header, payloads [][]byte, fp fingerprint, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for j, pl := range payloads {
		hdr.Marker = j == len(payloads)-1
		at := len(buf)
		buf = append(buf, '$', p.channel, 0, 0)
		b, err := p.packet(buf, hdr, pl)
		if err != nil {
			return buf, err
		}
		n := len(b) - at - rtsp.FrameHeaderSize
		b[at+2], b[at+3] = byte(n>>8), byte(n)
		buf = b
	}
	if p.log != nil {
		p.log.add(fp, time.Now())
	}
	p.ctl.wmu.Lock()
	defer p.ctl.wmu.Unlock()
	_ = p.ctl.nc.SetWriteDeadline(time.Now().Add(p.cfg.RequestTimeout))
	if _, err := p.ctl.nc.Write(buf); err != nil {
		return buf, fmt.Errorf("send RTP: %w", err)
	}
	return buf, nil
}

// packet appends one RTP packet (header, payload) to dst and advances the
// sequence number; it counts it.
func (p *Publisher) packet(dst []byte, hdr *rtp.Header, payload []byte) ([]byte, error) {
	at := len(dst)
	dst = append(dst, make([]byte, rtp.HeaderSize)...)
	if _, err := hdr.MarshalTo(dst[at:]); err != nil {
		return dst, fmt.Errorf("RTP header: %w", err)
	}
	hdr.SequenceNumber++
	p.packets.Add(1)
	p.bytes.Add(uint64(len(payload)))
	return append(dst, payload...), nil
}

// teardown sends TEARDOWN and waits, bounded, for a response.
func (p *Publisher) teardown(resps <-chan *rtsp.Response, readErr <-chan error) {
	deadline := time.Now().Add(teardownTimeout)
	cseq, err := p.ctl.send("TEARDOWN", p.url, deadline)
	if err != nil {
		return
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		select {
		case r := <-resps:
			if n, err := rtsp.ParseCSeq(r.Header.Get("CSeq")); err == nil && n == cseq {
				return
			}
		case <-readErr:
			return
		case <-t.C:
			return
		}
	}
}

// close closes the connection and sockets.
func (p *Publisher) close() {
	if p.ctl != nil {
		p.ctl.nc.Close()
	}
	if p.rtp != nil {
		p.rtp.Close()
		p.rtcp.Close()
	}
}
