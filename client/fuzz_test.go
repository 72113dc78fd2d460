package client

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtsp"
)

// FuzzDescribe feeds arbitrary Content-Base values and DESCRIBE bodies to
// the description handling (SDP parse, JPEG stream choice, control URL
// resolution): it must never panic, and what it accepts must make sense.
func FuzzDescribe(f *testing.F) {
	f.Add("rtsp://h/test/", []byte(testSDP))
	f.Add("", []byte(testSDP))
	f.Add("rtsp://h/t?x=1", []byte("v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 JPEG/90000\na=control:/abs\n"))
	f.Add("*", []byte("v=0\r\nm=video 0 RTP/AVP 26\r\na=control:rtsp://other:99/x\r\n"))
	f.Add("rtsp://h", []byte("v=0\r\nm=video x RTP/AVP 26\r\n"))
	f.Add("rtsp://[::1]:9/a/", []byte("v=0\r\na=control:\r\nm=video 0 RTP/AVP 26 96\r\na=rtpmap:96 JPEG\r\na=framerate:NaN\r\n"))
	f.Fuzz(func(t *testing.T, base string, body []byte) {
		resp := &rtsp.Response{StatusCode: 200, Body: body}
		if base != "" {
			resp.Header.Add("Content-Base", base)
		}
		d, err := parseDescription("rtsp://h/req", resp)
		if err != nil {
			return
		}
		if d.Media == nil || d.Control == "" || d.AggregateControl == "" || d.ClockRate <= 0 || d.Encoding != "JPEG" {
			t.Fatalf("accepted a description without what SETUP needs: %+v", d)
		}
		_ = d.Summary()
	})
}

// FuzzServerBytes plays a server sending arbitrary bytes on the control
// connection while the client waits for an answer to OPTIONS over TCP
// interleaved: responses, interleaved RTP (reorder-free path, RFC 2435
// depacketizer, JPEG header walk) and RTCP (SR, BYE). Nothing may panic or
// hang.
func FuzzServerBytes(f *testing.F) {
	f.Add([]byte("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS\r\n\r\n"))
	f.Add(append(interleaved(0, rtpJPEG(1, true)), "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"...))
	bye, _ := rtcp.Marshal(&rtcp.Goodbye{Sources: []uint32{7}})
	sr, _ := rtcp.Marshal(&rtcp.SenderReport{SSRC: 7, NTPTime: 1 << 32})
	f.Add(append(append(interleaved(1, sr), interleaved(1, bye)...), "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n"...))
	f.Add([]byte("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n\r\n"))
	f.Add([]byte("GET_PARAMETER rtsp://c/ RTSP/1.0\r\nCSeq: 9\r\n\r\nRTSP/1.0 200 OK\nCSeq: 1\n\n"))
	f.Add([]byte("$\x00\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cli, srv := net.Pipe()
		go func() { _, _ = io.Copy(io.Discard, srv) }()
		go func() { _, _ = srv.Write(b); _ = srv.Close() }()
		cfg, _ := Config{Logger: slog.New(slog.DiscardHandler)}.withDefaults()
		c := newCtrlConn(cli, time.Second, cfg.Logger)
		s := &Session{cfg: cfg, log: cfg.Logger, done: make(chan struct{}), frames: make(chan Frame, 4)}
		m := &media{s: s, transport: TransportTCP, log: cfg.Logger, cc: c, rtpCh: 0, rtcpCh: 1}
		m.recv = newReceiver(TransportTCP, &s.cfg, standard, s.frames)
		m.start()
		_, _ = c.roundTrip(context.Background(), &rtsp.Request{Method: "OPTIONS", URL: "rtsp://h/x"}, 200*time.Millisecond)
		c.close()
		m.close()
		_ = m.recv.snapshot()
	})
}

// FuzzLabReply feeds arbitrary replies to a lab-dialect SETUP: the client
// must return a response or an error, never panic or hang.
func FuzzLabReply(f *testing.F) {
	f.Add([]byte("RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456"))
	f.Add([]byte("RTSP/1.0 200 OK\nCSeq: 1\r\nSession: 123456"))
	f.Add([]byte("RTSP/1.0 200 OK\nCSeq: 7\nSession: 1"))
	f.Add([]byte("RTSP/1.0 404 NOT FOUND\nCSeq: 1"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cli, srv := net.Pipe()
		go func() {
			buf := make([]byte, 512)
			_, _ = srv.Read(buf)
			_, _ = srv.Write(b)
			_ = srv.Close()
		}()
		c := &labConn{nc: cli, timeout: 200 * time.Millisecond, buf: make([]byte, 4096)}
		resp, err := c.exchange(context.Background(), "SETUP", "movie.Mjpeg", rtsp.Field{Name: "Transport", Value: rtsp.LabTransport(25000)})
		if err == nil && resp == nil {
			t.Fatal("nil response without error")
		}
		c.close()
	})
}

// interleaved frames a payload on a channel (RFC 2326 §10.12).
func interleaved(ch uint8, payload []byte) []byte { return rtsp.AppendFrame(nil, ch, payload) }

// rtpJPEG returns a one-packet RFC 2435 frame (type 1, Q 50, 16x16).
func rtpJPEG(seq uint16, marker bool) []byte {
	b := make([]byte, rtp.HeaderSize, 64)
	rtp.PutHeader(b, marker, 26, seq, 3000, 7)
	jh := make([]byte, 8)
	jh[4], jh[5], jh[6], jh[7] = 1, 50, 2, 2
	binary.BigEndian.PutUint32(jh[0:4], 0)
	b = append(b, jh...)
	return append(b, 0x12, 0x34, 0xff, 0xd9)
}
