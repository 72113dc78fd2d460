package server

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// labReply matches what the lab client accepts (lab-dialect.md): status
// line, then CSeq, then a decimal Session, one space after each colon.
var labReply = regexp.MustCompile(`^RTSP/1\.0 200 OK\r?\nCSeq: (\d+)\r?\nSession: (\d+)\r?\n`)

// labClient is the lab's client on the wire (lab-dialect.md): each
// request is one TCP send, each reply one recv(256) that must match
// labReply, with the CSeq sent and, after the first, the same Session.
type labClient struct {
	t       testing.TB
	nc      net.Conn
	session string // from the first reply
}

// dialLab connects a labClient to addr; the test's cleanup closes it.
func dialLab(t testing.TB, addr string) *labClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &labClient{t: t, nc: nc}
}

// send writes req and checks its reply.
func (c *labClient) send(req string, cseq int) {
	c.t.Helper()
	if _, err := c.nc.Write([]byte(req)); err != nil {
		c.t.Fatal(err)
	}
	buf := make([]byte, 256) // the lab client's recv(256)
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.nc.Read(buf)
	if err != nil {
		c.t.Fatalf("no reply to %q: %v", req, err)
	}
	m := labReply.FindSubmatch(buf[:n])
	if m == nil || string(m[1]) != strconv.Itoa(cseq) || c.session != "" && string(m[2]) != c.session {
		c.t.Fatalf("reply to %q not in the lab's shape (CSeq %d, Session %q):\n%q", req, cseq, c.session, buf[:n])
	}
	c.session = string(m[2])
}

// TestLabClientBytes replays the lab client's exact requests (one TCP send
// each, bare "\n", no blank line, no final newline) and checks replies and
// datagrams as the lab client reads them.
func TestLabClientBytes(t *testing.T) {
	movie, err := os.ReadFile(testenv.SharedPath(t, "media/movie.Mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	media := t.TempDir()
	writeFile(t, filepath.Join(media, "movie.Mjpeg"), movie)
	_, addr := startServer(t, Config{MediaDir: media})

	rtpc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rtpc.Close()
	lab := dialLab(t, addr)
	lab.send(fmt.Sprintf("SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= %d", port(rtpc)), 1)
	lab.send("PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: "+lab.session, 2)

	buf := make([]byte, 65536)
	var arrivals []time.Time
	wantSeq := uint16(1)
	for len(arrivals) < 10 {
		_ = rtpc.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, _, err := rtpc.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", len(arrivals)+1, err)
		}
		arrivals = append(arrivals, time.Now())
		p := buf[:n]
		if p[0] != 0x80 || p[1]&0x7f != 26 {
			t.Fatalf("RTP header % x", p[:2])
		}
		if seq := binary.BigEndian.Uint16(p[2:]); seq != wantSeq {
			t.Fatalf("sequence %d, want %d", seq, wantSeq)
		}
		wantSeq++
		jpg := p[12:]
		if !bytes.HasPrefix(jpg, []byte{0xff, 0xd8}) || !bytes.HasSuffix(jpg, []byte{0xff, 0xd9}) {
			t.Fatalf("payload is not a whole JPEG: % x ... % x", jpg[:4], jpg[len(jpg)-2:])
		}
	}
	avg := arrivals[len(arrivals)-1].Sub(arrivals[0]) / time.Duration(len(arrivals)-1)
	if avg < 35*time.Millisecond || avg > 80*time.Millisecond {
		t.Errorf("datagrams every %v on average, want about 50ms", avg)
	}

	lab.send("PAUSE movie.Mjpeg RTSP/1.0\nCSeq: 3\nSession: "+lab.session, 3)
	// Anything in flight arrives at once; then silence.
	_ = rtpc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	for {
		if _, _, err := rtpc.ReadFromUDP(buf); err != nil {
			break
		}
	}
	_ = rtpc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, _, err := rtpc.ReadFromUDP(buf); err == nil {
		t.Fatal("datagram while paused")
	}
	lab.send("PLAY movie.Mjpeg RTSP/1.0\nCSeq: 4\nSession: "+lab.session, 4)
	_ = rtpc.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, _, err := rtpc.ReadFromUDP(buf); err != nil {
		t.Fatalf("no datagram after resume: %v", err)
	}
	lab.send("TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 5\nSession: "+lab.session, 5)
}
