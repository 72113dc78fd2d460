package server

import (
	"net"

	"github.com/rtpstream/rtpstream/internal/interleave"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// The TCP transport (RFC 2326 10.12): a session's RTP and RTCP go
// interleaved on its RTSP connection. Each connection has an
// interleave.Conn (made in newConn, its writer goroutine run by
// conn.serve, stopped by conn.close) which also carries the RTSP
// responses; the scheduler sends every TCP frame of a wake-up through the
// server's interleave.Batch and flushes it once per wake-up. How frames
// reach the kernel (io_uring, direct writev, the writer goroutine for slow
// readers) is interleave's business.

// newInterleaved wraps a new RTSP connection for interleaved sends, with
// the configured queue bound and write timeout.
func (s *Server) newInterleaved(nc net.Conn) *interleave.Conn {
	return interleave.New(nc, interleave.Config{QueueFrames: s.cfg.TCPQueueFrames, WriteTimeout: s.cfg.WriteTimeout})
}

// sendTCPFrame sends one frame's packets to a TCP session: its own RTP
// headers over the stream's shared payloads. A frame the connection
// cannot take (a slow reader with a full queue) is dropped whole and
// counted; its sequence numbers are not used, so the client sees the gap
// (RFC 3550 5.1). It runs on the scheduler goroutine with ss locked and
// allocates nothing.
func (s *Server) sendTCPFrame(ss *Session, p *rtpjpeg.Packetized, ts uint32) {
	f := interleave.Frame{
		Channel: ss.tr.rtpChannel, PayloadType: rtpjpeg.PayloadType,
		Seq: ss.seq, Timestamp: ts, SSRC: ss.ssrc, Payloads: p.Payloads,
	}
	if s.tcpBatch.Send(ss.conn.out, f) {
		ss.countSent(p)
		return
	}
	ss.framesDropped++
	if !ss.droppedLogged {
		ss.droppedLogged = true
		s.log.Warn("slow TCP reader: dropping whole frames", "session", ss.id, "remote", ss.conn.remote)
	}
}

// flushTCP hands the wake-up's batched TCP frames to the kernel.
func (s *Server) flushTCP() { s.tcpBatch.Flush() }
