package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/rtpstream/rtpstream/internal/udpbatch"
	"github.com/rtpstream/rtpstream/rtsp"
)

const (
	// recvBatch is how many datagrams one recvmmsg call may return.
	recvBatch = 32
	// recvSnap is how many bytes of each datagram are copied: the RTP
	// header and the RFC 2435 main header; the kernel drops the rest.
	recvSnap = 128
	// relaySnap replaces recvSnap when relay latency is measured, which
	// needs the end of each packet's data: whole datagrams up to this size
	// (larger ones cannot have their frame matched).
	relaySnap = 2048
	// groBatch and groBuffer are the reads of one recvmmsg on a UDP_GRO
	// socket and their size: one coalesced read holds up to 64 KiB.
	groBatch  = 2
	groBuffer = 1 << 16
	// teardownTimeout bounds TEARDOWN and the wait for its response.
	teardownTimeout = 3 * time.Second
)

// client is one simulated viewer: an RTSP connection and, for UDP, an
// RTP/RTCP socket pair read by its own goroutine.
type client struct {
	cfg *Config
	// relay is the publisher's log in publish mode, else nil.
	relay *sentLog
	ctl   *control
	md    *media
	tr    *tracker
	// rtp and rtcp are the UDP sockets (nil over TCP).
	rtp, rtcp *net.UDPConn
	// gro is set when the RTP socket receives coalesced datagrams.
	gro bool
	// channel is the interleaved RTP channel over TCP.
	channel uint8
	// teardownCSeq is the CSeq of TEARDOWN once sent (TCP reader stops at
	// its response).
	teardownCSeq atomic.Int64
	// recvDone closes when the receiving goroutine has returned.
	recvDone chan struct{}
}

// start connects, sets up and plays; on error everything it opened is
// closed.
func (c *client) start(ctx context.Context, host string) (err error) {
	cfg := c.cfg
	c.ctl, err = dialControl(ctx, host, cfg.RequestTimeout)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	c.md, err = c.ctl.describe(cfg.URL, cfg.RequestTimeout)
	if err != nil {
		return err
	}
	period := c.md.periodTicks
	if period == 0 && cfg.FPS > 0 {
		period = int64(float64(c.md.clockRate)/cfg.FPS + 0.5)
	}
	c.tr = newTracker(c.md.clockRate, period, c.relay)
	c.recvDone = make(chan struct{})

	if cfg.Transport == TransportTCP {
		c.ctl.onFrame = c.onFrame
		tr, err := c.ctl.setup(c.md.setupURL, "RTP/AVP/TCP;unicast;interleaved=0-1", cfg.RequestTimeout)
		if err != nil {
			return err
		}
		if tr.Interleaved.Set {
			c.channel = uint8(tr.Interleaved.Lo)
		}
		at, err := c.ctl.play(c.md.playURL, cfg.RequestTimeout)
		if err != nil {
			return err
		}
		c.tr.playAt.Store(at.UnixNano())
		go c.readTCP()
		return nil
	}

	local := c.ctl.nc.LocalAddr().(*net.TCPAddr).IP
	if c.rtp, c.rtcp, err = udpPair(local, cfg.RecvBuffer); err != nil {
		return err
	}
	if !cfg.NoGRO {
		c.gro = udpbatch.EnableGRO(c.rtp) == nil
	}
	rtpPort := c.rtp.LocalAddr().(*net.UDPAddr).Port
	transport := "RTP/AVP;unicast;client_port=" + strconv.Itoa(rtpPort) + "-" + strconv.Itoa(rtpPort+1)
	if _, err := c.ctl.setup(c.md.setupURL, transport, cfg.RequestTimeout); err != nil {
		return err
	}
	// Read before PLAY: the first packets may beat the PLAY response.
	go c.readUDP()
	at, err := c.ctl.play(c.md.playURL, cfg.RequestTimeout)
	if err != nil {
		return err
	}
	c.tr.playAt.Store(at.UnixNano())
	return nil
}

// onFrame accounts an interleaved RTP packet.
func (c *client) onFrame(f *rtsp.Frame) {
	if f.Channel == c.channel {
		c.tr.packet(f.Payload, len(f.Payload), time.Now())
	}
}

// readUDP receives the client's RTP with recvmmsg until the socket closes.
// Without GRO each read is one datagram truncated to its first recvSnap
// bytes (relaySnap in publish mode), its real length reported (MSG_TRUNC);
// on a UDP_GRO socket a read may hold several datagrams of the segment
// size its control message gives (the last shorter), each accounted whole.
func (c *client) readUDP() {
	defer close(c.recvDone)
	batch, size, oobSize := recvBatch, recvSnap, 0
	if c.relay != nil {
		size = relaySnap
	}
	if c.gro {
		batch, size, oobSize = groBatch, groBuffer, udpbatch.GROControlSize
	}
	// Relay latency is measured to the kernel's receive time where it
	// has one: when the server's send delivered the packet on loopback.
	rxTime := c.relay != nil && udpbatch.EnableRxTime(c.rtp) == nil
	if rxTime {
		oobSize += udpbatch.RxTimeControlSize
	}
	pc := ipv4.NewPacketConn(c.rtp)
	buf := make([]byte, batch*size)
	oob := make([]byte, batch*oobSize)
	msgs := make([]ipv4.Message, batch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{buf[i*size : (i+1)*size]}
		msgs[i].OOB = oob[i*oobSize : (i+1)*oobSize]
	}
	for {
		n, ok := readBatch(pc, msgs)
		if !ok {
			return
		}
		now := time.Now()
		for i := range n {
			m := &msgs[i]
			if rxTime {
				c.tr.rxAt, _ = udpbatch.RxTime(m.OOB[:m.NN])
			}
			if !c.gro {
				c.tr.packet(m.Buffers[0][:min(m.N, size)], m.N, now)
				continue
			}
			for d := range udpbatch.Segments(m.Buffers[0][:min(m.N, size)], m.OOB[:m.NN]) {
				c.tr.packet(d, len(d), now)
			}
		}
	}
}

// readBatch is one recvmmsg; ok is false once the socket is closed (or
// its deadline passed). Errors a connected-less UDP socket reports for
// earlier sends (ICMP unreachable) are skipped.
func readBatch(pc *ipv4.PacketConn, msgs []ipv4.Message) (n int, ok bool) {
	for {
		n, err := pc.ReadBatch(msgs, recvFlags)
		if err == nil {
			return n, true
		}
		if errors.Is(err, net.ErrClosed) {
			return 0, false
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return 0, false
		}
	}
}

// readTCP reads interleaved frames until the TEARDOWN response or an
// error (the connection closing).
func (c *client) readTCP() {
	defer close(c.recvDone)
	_ = c.ctl.nc.SetReadDeadline(time.Time{})
	for {
		m, err := c.ctl.r.Read()
		if err != nil {
			return
		}
		switch m := m.(type) {
		case *rtsp.Frame:
			if m.Channel == c.channel {
				c.tr.packet(m.Payload, len(m.Payload), time.Now())
			}
		case *rtsp.Response:
			if want := c.teardownCSeq.Load(); want != 0 {
				if n, err := rtsp.ParseCSeq(m.Header.Get("CSeq")); err == nil && int64(n) == want {
					return
				}
			}
		}
	}
}

// teardown sends TEARDOWN, waits (bounded) for its response and closes
// everything.
func (c *client) teardown() {
	deadline := time.Now().Add(teardownTimeout)
	ctl := c.ctl
	if c.cfg.Transport == TransportTCP {
		_ = ctl.nc.SetReadDeadline(deadline)
		ctl.wmu.Lock()
		c.teardownCSeq.Store(int64(ctl.cseq + 1))
		ctl.wmu.Unlock()
		if _, err := ctl.send("TEARDOWN", c.md.playURL, deadline); err == nil {
			<-c.recvDone
		}
		c.close()
		<-c.recvDone
		return
	}
	if cseq, err := ctl.send("TEARDOWN", c.md.playURL, deadline); err == nil {
		_, _ = ctl.readResponse(cseq, deadline)
	}
	c.close()
	<-c.recvDone
}

// close closes the connection and sockets (idempotent enough: Close
// errors are ignored).
func (c *client) close() {
	if c.ctl != nil {
		c.ctl.nc.Close()
	}
	if c.rtp != nil {
		c.rtp.Close()
		c.rtcp.Close()
	}
}

// udpPair binds an even RTP port and the next odd one for RTCP (RFC 3550
// §11), letting the kernel choose.
func udpPair(ip net.IP, rcvbuf int) (rtpc, rtcpc *net.UDPConn, err error) {
	network := "udp4"
	if ip.To4() == nil {
		network = "udp6"
	}
	for range 100 {
		a, err := net.ListenUDP(network, &net.UDPAddr{IP: ip})
		if err != nil {
			return nil, nil, fmt.Errorf("rtp socket: %w", err)
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		if p%2 != 0 || p == 65535 {
			a.Close()
			continue
		}
		b, err := net.ListenUDP(network, &net.UDPAddr{IP: ip, Port: p + 1})
		if err != nil {
			a.Close()
			continue
		}
		_ = a.SetReadBuffer(rcvbuf)
		return a, b, nil
	}
	return nil, nil, errors.New("no free even/odd UDP port pair")
}

// keepalive sends OPTIONS on every client's connection at half the
// shortest session timeout until stop closes.
func keepalive(clients []*client, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	every := time.Duration(0)
	for _, c := range clients {
		if every == 0 || c.ctl.timeout/2 < every {
			every = c.ctl.timeout / 2
		}
	}
	every = max(every, time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			for _, c := range clients {
				c.ctl.keepalive(c.md.playURL)
			}
		}
	}
}
