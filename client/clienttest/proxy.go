package clienttest

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtsp"
)

// RelayConfig says what a Proxy's UDP relay does to the RTP packets of a
// UDP session, with a seeded random source so that runs repeat.
type RelayConfig struct {
	// Seed seeds the decisions (math/rand/v2 PCG).
	Seed uint64
	// Drop, Duplicate, Reorder and Delay are per-packet probabilities:
	// drop it; send it twice; hold it and send it after the next packet;
	// sleep a random time up to MaxDelay before sending it (which delays
	// the packets behind it too: jitter).
	Drop, Duplicate, Reorder, Delay float64
	// MaxDelay bounds Delay's sleeps. Default 5 ms.
	MaxDelay time.Duration
	// Protect lets the first packets through untouched (the receiver's
	// statistics start at the first packet it gets). Default 5.
	Protect int
	// Limit, if > 0, is how many RTP packets of the server are relayed (the
	// last one untouched); then the relay forwards no more RTP or SR and,
	// 50 ms later, sends the client an RTCP BYE for the stream.
	Limit int
	// Blackhole drops every RTP and RTCP packet: a UDP path that does not
	// work (the client must fall back to TCP).
	Blackhole bool
}

// Truth is what a Proxy's relay did and saw: the ground truth the client's
// statistics are checked against.
type Truth struct {
	// Received counts RTP packets from the server that the relay handled
	// (at most Limit).
	Received int
	// Forwarded counts distinct packets sent to the client.
	Forwarded int
	// Dropped lists the sequence numbers dropped.
	Dropped []uint16
	// Duplicated, Reordered, Delayed count the packets so treated.
	Duplicated, Reordered, Delayed int
	// FirstSeq and LastSeq are the sequence numbers of the first and last
	// packets handled.
	FirstSeq, LastSeq uint16
	// JitterMs is the interarrival jitter (RFC 3550 A.8) computed from the
	// relay's own send times and the packets' RTP timestamps, over the
	// packets sent (second copies of duplicates excluded), in send order.
	JitterMs float64
	// Reports are the reception report blocks of the RTCP receiver reports
	// the client sent, in order; CNAMEs the SDES CNAMEs they carried.
	Reports []rtcp.ReceptionReport
	CNAMEs  []string
	// ByeSent reports that the relay sent its RTCP BYE (after Limit).
	ByeSent bool
	// Setups counts UDP SETUPs relayed.
	Setups int
}

// Proxy is an RTSP proxy in front of a real server that relays the UDP
// media of SETUPs through a lossy relay: it rewrites client_port in SETUP
// requests to its own ports and, in the answers, client_port back and
// server_port to its own ports (so that receiver reports pass through it
// too). TCP-interleaved sessions pass through untouched.
type Proxy struct {
	// Addr is the proxy's host:port.
	Addr string

	upstream string
	cfg      RelayConfig
	ln       net.Listener

	mu     sync.Mutex
	truth  Truth
	conns  map[net.Conn]struct{}
	relays []*relay
	wg     sync.WaitGroup
}

// StartProxy starts a Proxy on 127.0.0.1 in front of upstream (host:port);
// it stops at Cleanup.
func StartProxy(tb testing.TB, upstream string, cfg RelayConfig) *Proxy {
	tb.Helper()
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 5 * time.Millisecond
	}
	if cfg.Protect <= 0 {
		cfg.Protect = 5
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), upstream: upstream, cfg: cfg, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.Close)
	return p
}

// URL returns rtsp://Addr + path.
func (p *Proxy) URL(path string) string { return "rtsp://" + p.Addr + path }

// Truth returns the relay's record so far.
func (p *Proxy) Truth() Truth {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.truth
	t.Dropped = append([]uint16(nil), t.Dropped...)
	t.Reports = append([]rtcp.ReceptionReport(nil), t.Reports...)
	t.CNAMEs = append([]string(nil), t.CNAMEs...)
	return t
}

// Close stops the proxy and its relays.
func (p *Proxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	relays := p.relays
	p.mu.Unlock()
	for _, r := range relays {
		r.close()
	}
	p.wg.Wait()
}

func (p *Proxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns[c] = struct{}{}
	p.mu.Unlock()
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.track(c)
		p.track(up)
		p.wg.Add(2)
		setups := &setupTable{m: map[string]*relay{}}
		go p.clientToServer(c, up, setups)
		go p.serverToClient(up, c, setups)
	}
}

// setupTable maps the CSeq of a rewritten SETUP to its relay.
type setupTable struct {
	mu sync.Mutex
	m  map[string]*relay
}

func (p *Proxy) clientToServer(c, up net.Conn, setups *setupTable) {
	defer p.wg.Done()
	defer p.untrack(up)
	defer p.untrack(c)
	forward(c, up, func(m any) {
		if req, ok := m.(*rtsp.Request); ok && req.Method == "SETUP" {
			p.rewriteSetup(c, req, setups)
		}
	})
}

func (p *Proxy) rewriteSetup(c net.Conn, req *rtsp.Request, setups *setupTable) {
	ts, err := rtsp.ParseTransports(req.Header.Get("Transport"))
	if err != nil || ts[0].TCP() || !ts[0].ClientPort.Set {
		return
	}
	tr := ts[0]
	crtp, crtcp := tr.ClientPort.Ports()
	clientIP := c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
	r, err := p.newRelay(clientIP, crtp, crtcp)
	if err != nil {
		return
	}
	tr.ClientPort = rtsp.PortRange{Lo: port(r.srvRTP), Hi: port(r.srvRTCP), Set: true}
	req.Header.Set("Transport", tr.String())
	setups.mu.Lock()
	setups.m[req.Header.Get("CSeq")] = r
	setups.mu.Unlock()
}

func (p *Proxy) serverToClient(up, c net.Conn, setups *setupTable) {
	defer p.wg.Done()
	defer p.untrack(c)
	defer p.untrack(up)
	forward(up, c, func(m any) {
		resp, ok := m.(*rtsp.Response)
		if !ok {
			return
		}
		setups.mu.Lock()
		r := setups.m[resp.Header.Get("CSeq")]
		delete(setups.m, resp.Header.Get("CSeq"))
		setups.mu.Unlock()
		if r != nil {
			p.rewriteReply(resp, r)
		}
	})
}

// forward copies RTSP messages and interleaved frames from src to dst,
// letting rewrite change each message first, until either side fails.
func forward(src, dst net.Conn, rewrite func(m any)) {
	readMessages(src, func(m any) error {
		rewrite(m)
		var b []byte
		switch m := m.(type) {
		case *rtsp.Request:
			b = m.Marshal()
		case *rtsp.Response:
			b = m.Marshal()
		case *rtsp.Frame:
			b = rtsp.AppendFrame(nil, m.Channel, m.Payload)
		default:
			return nil
		}
		_, err := dst.Write(b)
		return err
	})
}

// readMessages calls fn with every RTSP message or interleaved frame read
// from r (oversized frames are skipped) until reading or fn fails.
func readMessages(r io.Reader, fn func(m any) error) {
	rd := rtsp.NewReader(r, rtsp.Limits{})
	for {
		m, err := rd.Read()
		if errors.Is(err, rtsp.ErrFrameTooLarge) {
			continue
		}
		if err != nil || fn(m) != nil {
			return
		}
	}
}

func (p *Proxy) rewriteReply(resp *rtsp.Response, r *relay) {
	ts, err := rtsp.ParseTransports(resp.Header.Get("Transport"))
	if err != nil {
		return
	}
	tr := ts[0]
	tr.ClientPort = rtsp.PortRange{Lo: int(r.clientRTP.Port()), Hi: int(r.clientRTCP.Port()), Set: true}
	if tr.ServerPort.Set {
		_, srtcp := tr.ServerPort.Ports()
		r.serverRTCP = netip.AddrPortFrom(r.clientRTP.Addr(), uint16(srtcp))
	}
	tr.ServerPort = rtsp.PortRange{Lo: port(r.cliRTP), Hi: port(r.cliRTCP), Set: true}
	resp.Header.Set("Transport", tr.String())
	p.mu.Lock()
	p.truth.Setups++
	p.mu.Unlock()
	r.start()
}

func port(c *net.UDPConn) int { return c.LocalAddr().(*net.UDPAddr).Port }

// relay moves the UDP packets of one session: server RTP/RTCP to the
// client (through the lossy decisions), client RTCP to the server.
type relay struct {
	p                  *Proxy
	clientRTP          netip.AddrPort
	clientRTCP         netip.AddrPort
	serverRTCP         netip.AddrPort // set from the SETUP answer
	srvRTP, srvRTCP    *net.UDPConn   // the server sends here
	cliRTP, cliRTCP    *net.UDPConn   // the client sends RTCP here
	rng                *rand.Rand
	wg                 sync.WaitGroup
	startOnce, endOnce sync.Once
	limitHit           bool
}

func (p *Proxy) newRelay(clientIP netip.Addr, crtp, crtcp int) (*relay, error) {
	srvRTP, srvRTCP, err := listenPair()
	if err != nil {
		return nil, err
	}
	cliRTP, cliRTCP, err := listenPair()
	if err != nil {
		_ = srvRTP.Close()
		_ = srvRTCP.Close()
		return nil, err
	}
	r := &relay{
		p: p, clientRTP: netip.AddrPortFrom(clientIP, uint16(crtp)), clientRTCP: netip.AddrPortFrom(clientIP, uint16(crtcp)),
		srvRTP: srvRTP, srvRTCP: srvRTCP, cliRTP: cliRTP, cliRTCP: cliRTCP,
		rng: rand.New(rand.NewPCG(p.cfg.Seed, 0x5eed)),
	}
	p.mu.Lock()
	p.relays = append(p.relays, r)
	p.mu.Unlock()
	return r, nil
}

// listenPair opens UDP sockets on consecutive ports of 127.0.0.1 (RTP even,
// RTCP odd), as port ranges in Transport headers require.
func listenPair() (*net.UDPConn, *net.UDPConn, error) {
	for range 64 {
		a, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, nil, err
		}
		if p := port(a); p%2 == 0 && p < 65535 {
			if b, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1}); err == nil {
				_ = a.SetReadBuffer(4 << 20)
				return a, b, nil
			}
		}
		_ = a.Close()
	}
	return nil, nil, errors.New("no free UDP port pair")
}

func (r *relay) start() {
	r.startOnce.Do(func() {
		r.wg.Add(3)
		go r.forwardRTP()
		go r.forwardSR()
		go r.forwardRR()
	})
}

func (r *relay) close() {
	r.endOnce.Do(func() {
		for _, c := range []*net.UDPConn{r.srvRTP, r.srvRTCP, r.cliRTP, r.cliRTCP} {
			_ = c.Close()
		}
		r.wg.Wait()
	})
}

// forwardRTP applies the seeded decisions to the server's RTP packets.
func (r *relay) forwardRTP() {
	defer r.wg.Done()
	cfg := r.p.cfg
	buf := make([]byte, 64<<10)
	var held []byte
	var jitter float64
	var lastSend time.Time
	var lastTS uint32
	haveLast := false
	var ssrc uint32
	send := func(pkt []byte, counted bool) {
		now := time.Now()
		_, _ = r.srvRTP.WriteToUDPAddrPort(pkt, r.clientRTP)
		if !counted {
			return
		}
		ts := uint32(pkt[4])<<24 | uint32(pkt[5])<<16 | uint32(pkt[6])<<8 | uint32(pkt[7])
		if haveLast {
			d := now.Sub(lastSend).Seconds()*90000 - float64(int32(ts-lastTS))
			jitter += (math.Abs(d) - jitter) / 16
		}
		haveLast, lastSend, lastTS = true, now, ts
		r.p.mu.Lock()
		r.p.truth.Forwarded++
		r.p.truth.JitterMs = jitter / 90
		r.p.mu.Unlock()
	}
	for {
		n, _, err := r.srvRTP.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if cfg.Blackhole || r.limitHit || n < rtp.HeaderSize {
			continue
		}
		pkt := buf[:n]
		seq := uint16(pkt[2])<<8 | uint16(pkt[3])
		ssrc = uint32(pkt[8])<<24 | uint32(pkt[9])<<16 | uint32(pkt[10])<<8 | uint32(pkt[11])
		r.p.mu.Lock()
		r.p.truth.Received++
		count := r.p.truth.Received
		if count == 1 {
			r.p.truth.FirstSeq = seq
		}
		r.p.truth.LastSeq = seq
		r.p.mu.Unlock()
		last := cfg.Limit > 0 && count >= cfg.Limit
		x := r.rng.Float64()
		if count <= cfg.Protect || last {
			x = 2 // untouched
		}
		switch {
		case x < cfg.Drop:
			r.p.mu.Lock()
			r.p.truth.Dropped = append(r.p.truth.Dropped, seq)
			r.p.mu.Unlock()
		case x < cfg.Drop+cfg.Duplicate:
			send(pkt, true)
			send(pkt, false)
			r.p.mu.Lock()
			r.p.truth.Duplicated++
			r.p.mu.Unlock()
		case x < cfg.Drop+cfg.Duplicate+cfg.Reorder && held == nil:
			held = append([]byte(nil), pkt...)
			r.p.mu.Lock()
			r.p.truth.Reordered++
			r.p.mu.Unlock()
			continue
		case x < cfg.Drop+cfg.Duplicate+cfg.Reorder+cfg.Delay:
			time.Sleep(time.Duration(r.rng.Int64N(int64(cfg.MaxDelay))) + 1)
			r.p.mu.Lock()
			r.p.truth.Delayed++
			r.p.mu.Unlock()
			send(pkt, true)
		default:
			send(pkt, true)
		}
		if held != nil {
			send(held, true)
			held = nil
		}
		if last {
			r.limitHit = true
			time.Sleep(50 * time.Millisecond)
			bye, _ := rtcp.Marshal(&rtcp.Goodbye{Sources: []uint32{ssrc}, Reason: "relay limit"})
			_, _ = r.srvRTCP.WriteToUDPAddrPort(bye, r.clientRTCP)
			r.p.mu.Lock()
			r.p.truth.ByeSent = true
			r.p.mu.Unlock()
		}
	}
}

// forwardSR passes the server's RTCP (SR, SDES, BYE) to the client.
func (r *relay) forwardSR() {
	defer r.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, _, err := r.srvRTCP.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if r.p.cfg.Blackhole || r.limitHitNow() {
			continue
		}
		_, _ = r.srvRTCP.WriteToUDPAddrPort(buf[:n], r.clientRTCP)
	}
}

func (r *relay) limitHitNow() bool {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	return r.p.cfg.Limit > 0 && r.p.truth.Received >= r.p.cfg.Limit
}

// forwardRR records the client's receiver reports and passes them on.
func (r *relay) forwardRR() {
	defer r.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, _, err := r.cliRTCP.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if pkts, err := rtcp.Unmarshal(buf[:n]); err == nil {
			r.p.mu.Lock()
			for _, pk := range pkts {
				switch pk := pk.(type) {
				case *rtcp.ReceiverReport:
					r.p.truth.Reports = append(r.p.truth.Reports, pk.Reports...)
				case *rtcp.SourceDescription:
					for _, ch := range pk.Chunks {
						for _, it := range ch.Items {
							if it.Type == rtcp.SDESCNAME {
								r.p.truth.CNAMEs = append(r.p.truth.CNAMEs, it.Text)
							}
						}
					}
				}
			}
			r.p.mu.Unlock()
		}
		if r.serverRTCP.IsValid() && !r.p.cfg.Blackhole {
			_, _ = r.srvRTCP.WriteToUDPAddrPort(buf[:n], r.serverRTCP)
		}
	}
}
