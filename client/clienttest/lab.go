package clienttest

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtp"
)

// LabConfig configures a LabServer.
type LabConfig struct {
	// File is the only file served (the request-URI must be exactly this
	// bare name). Default "movie.Mjpeg".
	File string
	// Frames are the JPEGs sent after PLAY, in order, cycling.
	Frames [][]byte
	// Count is how many frames are sent in all; then the server just stops,
	// as the lab's does at the end of the file. Default len(Frames).
	Count int
	// Interval is the time between frames. Default 50 ms (the lab's).
	Interval time.Duration
}

// LabServer is a fake Kurose-Ross lab server that enforces every rule of
// lab-dialect.md on its client and behaves like the lab's: requests must
// each come in one segment of at most 256 bytes, with "\n" line ends and no
// "\r" or final newline, a bare file name as URI, "CSeq: N" on line 2
// (N = 1, 2, 3... per connection), on SETUP line 3 exactly
// "Transport: RTP/UDP; client_port= N", on the others "Session: ID"; no
// request may be sent before the previous reply. Replies are
// "RTSP/1.0 200 OK\nCSeq: N\nSession: ID" with no terminator, one write
// each. OPTIONS, DESCRIBE and requests out of state get no answer. After
// PLAY it sends each frame as one datagram (whole JPEG payload, sequence =
// frame number from 1, timestamp = Unix seconds, SSRC 0) from an ephemeral
// port to the client's IP. After TEARDOWN the connection stays open until
// the client closes it. Broken rules are collected in Violations and
// reported as test errors at Cleanup.
type LabServer struct {
	// Addr is host:port; URL is rtsp://Addr/File.
	Addr, URL string

	cfg LabConfig
	ln  net.Listener

	mu           sync.Mutex
	violations   []string
	ignored      []string
	sent         int
	teardown     bool
	clientClosed bool
	conns        map[net.Conn]struct{}
	doneSending  chan struct{}
	sendingOnce  sync.Once
	wg           sync.WaitGroup
}

var (
	labCSeq      = regexp.MustCompile(`^CSeq: ([0-9]+)$`)
	labTransport = regexp.MustCompile(`^Transport: RTP/UDP; client_port= ([0-9]+)$`)
)

// StartLabServer starts a LabServer on 127.0.0.1; it stops at Cleanup,
// where every rule the client broke is reported as a test error.
func StartLabServer(tb testing.TB, cfg LabConfig) *LabServer {
	tb.Helper()
	s, err := NewLabServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Close()
		for _, v := range s.Violations() {
			tb.Errorf("lab server: %s", v)
		}
	})
	return s
}

// NewLabServer starts a LabServer on 127.0.0.1 outside a test (the player's
// smoke test runs it as a program); Close stops it.
func NewLabServer(cfg LabConfig) (*LabServer, error) {
	if cfg.File == "" {
		cfg.File = "movie.Mjpeg"
	}
	if cfg.Count <= 0 {
		cfg.Count = len(cfg.Frames)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lab server: %w", err)
	}
	s := &LabServer{Addr: ln.Addr().String(), cfg: cfg, ln: ln, conns: map[net.Conn]struct{}{}, doneSending: make(chan struct{})}
	s.URL = "rtsp://" + s.Addr + "/" + cfg.File
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Violations returns the rules the client broke.
func (s *LabServer) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Ignored returns the requests left unanswered (not lab requests, or out
// of state).
func (s *LabServer) Ignored() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ignored...)
}

// Sent returns how many frames were sent.
func (s *LabServer) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// TornDown reports whether a TEARDOWN was answered and the client then
// closed the connection.
func (s *LabServer) TornDown() (teardown, clientClosed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.teardown, s.clientClosed
}

// DoneSending is closed once Count frames were sent.
func (s *LabServer) DoneSending() <-chan struct{} { return s.doneSending }

// Close stops the server.
func (s *LabServer) Close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *LabServer) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func (s *LabServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

// labConnState is one client connection of the LabServer.
type labConnState struct {
	state   string // INIT, READY, PLAYING
	session int
	cseq    int
	port    int
	stop    chan struct{} // closes to stop the sender
	stopped chan struct{} // closed by the sender
	seq     uint16        // last frame number sent
}

func (s *LabServer) serve(c net.Conn) {
	defer s.wg.Done()
	st := &labConnState{state: "INIT", session: 100000 + rand.IntN(900000)}
	defer func() {
		s.stopSender(st)
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		_ = c.Close()
	}()
	buf := make([]byte, 4096)
	var pending []byte
	for {
		var seg []byte
		if pending != nil {
			seg, pending = pending, nil
		} else {
			_ = c.SetReadDeadline(time.Time{})
			n, err := c.Read(buf)
			if err != nil {
				s.mu.Lock()
				if s.teardown && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
					s.clientClosed = true
				}
				s.mu.Unlock()
				return
			}
			seg = append([]byte(nil), buf[:n]...)
		}
		reply := s.handle(c, st, seg)
		if reply == "" {
			continue
		}
		// No pipelining: nothing may arrive before the reply is sent.
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if n, err := c.Read(buf); err == nil {
			s.violate("request %q sent before the reply to %q", buf[:n], firstLine(seg))
			pending = append([]byte(nil), buf[:n]...)
		}
		if _, err := c.Write([]byte(reply)); err != nil {
			return
		}
	}
}

func firstLine(b []byte) string {
	l, _, _ := strings.Cut(string(b), "\n")
	return l
}

// handle checks one segment and returns the reply, or "" for silence.
func (s *LabServer) handle(c net.Conn, st *labConnState, seg []byte) string {
	text := string(seg)
	method, _, _ := strings.Cut(text, " ")
	switch method {
	case "SETUP", "PLAY", "PAUSE", "TEARDOWN":
	default:
		s.mu.Lock()
		s.ignored = append(s.ignored, firstLine(seg))
		s.mu.Unlock()
		return ""
	}
	bad := func(format string, args ...any) string {
		s.violate("%q: %s", text, fmt.Sprintf(format, args...))
		return ""
	}
	if len(seg) > 256 {
		return bad("%d bytes: the lab server reads 256 per request", len(seg))
	}
	if strings.ContainsRune(text, '\r') {
		return bad("carriage return: lines end in a bare \\n")
	}
	if strings.HasSuffix(text, "\n") {
		return bad("final newline: the lab client sends none")
	}
	lines := strings.Split(text, "\n")
	if len(lines) != 3 {
		return bad("%d lines, want 3 (request, CSeq, Transport or Session): split or pipelined request?", len(lines))
	}
	f := strings.Split(lines[0], " ")
	if len(f) != 3 || f[2] != "RTSP/1.0" {
		return bad("request line %q, want METHOD FILE RTSP/1.0", lines[0])
	}
	if f[1] != s.cfg.File {
		return bad("request-URI %q, want the bare file name %q", f[1], s.cfg.File)
	}
	m := labCSeq.FindStringSubmatch(lines[1])
	if m == nil {
		return bad("line 2 %q, want \"CSeq: N\"", lines[1])
	}
	cseq, _ := strconv.Atoi(m[1])
	if cseq != st.cseq+1 {
		return bad("CSeq %d after %d", cseq, st.cseq)
	}
	st.cseq = cseq
	if method == "SETUP" {
		t := labTransport.FindStringSubmatch(lines[2])
		if t == nil {
			return bad("line 3 %q, want exactly \"Transport: RTP/UDP; client_port= N\"", lines[2])
		}
		if st.state != "INIT" {
			return s.outOfState(text)
		}
		st.port, _ = strconv.Atoi(t[1])
		st.state = "READY"
		return s.reply(st)
	}
	if lines[2] != "Session: "+strconv.Itoa(st.session) {
		return bad("line 3 %q, want \"Session: %d\"", lines[2], st.session)
	}
	switch {
	case method == "PLAY" && st.state == "READY":
		st.state = "PLAYING"
		s.startSender(c, st)
	case method == "PAUSE" && st.state == "PLAYING":
		s.stopSender(st)
		st.state = "READY"
	case method == "TEARDOWN" && st.state != "INIT":
		s.stopSender(st)
		st.state = "INIT"
		s.mu.Lock()
		s.teardown = true
		s.mu.Unlock()
	default:
		return s.outOfState(text)
	}
	return s.reply(st)
}

func (s *LabServer) outOfState(text string) string {
	s.mu.Lock()
	s.ignored = append(s.ignored, "out of state: "+firstLine([]byte(text)))
	s.mu.Unlock()
	return ""
}

func (s *LabServer) reply(st *labConnState) string {
	return fmt.Sprintf("RTSP/1.0 200 OK\nCSeq: %d\nSession: %d", st.cseq, st.session)
}

func (s *LabServer) startSender(c net.Conn, st *labConnState) {
	ip := c.RemoteAddr().(*net.TCPAddr).IP
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		s.violate("server: %v", err)
		return
	}
	st.stop, st.stopped = make(chan struct{}), make(chan struct{})
	dst := &net.UDPAddr{IP: ip, Port: st.port}
	go func(stop, stopped chan struct{}) {
		defer close(stopped)
		defer conn.Close()
		t := time.NewTicker(s.cfg.Interval)
		defer t.Stop()
		pkt := make([]byte, 0, 64<<10)
		for {
			s.mu.Lock()
			n := s.sent
			s.mu.Unlock()
			if n >= s.cfg.Count {
				s.sendingOnce.Do(func() { close(s.doneSending) })
				return
			}
			st.seq++
			frame := s.cfg.Frames[n%len(s.cfg.Frames)]
			pkt = pkt[:rtp.HeaderSize]
			rtp.PutHeader(pkt, false, 26, st.seq, uint32(time.Now().Unix()), 0)
			pkt = append(pkt, frame...)
			if _, err := conn.WriteToUDP(pkt, dst); err != nil {
				s.violate("server: send frame %d: %v", st.seq, err)
			}
			s.mu.Lock()
			s.sent++
			s.mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}(st.stop, st.stopped)
}

func (s *LabServer) stopSender(st *labConnState) {
	if st.stop == nil {
		return
	}
	close(st.stop)
	<-st.stopped
	st.stop, st.stopped = nil, nil
}
