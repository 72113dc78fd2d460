package server

import (
	"math"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/rtcp"
)

// sessionState is the server side of the RFC 2326 A.2 state machine (Init is
// the absence of a session).
type sessionState int

const (
	stateReady sessionState = iota
	statePlaying
	// stateRecording is a publisher's session after RECORD (RFC 2326 A.2).
	stateRecording
	stateClosed
)

func (s sessionState) String() string {
	switch s {
	case stateReady:
		return "ready"
	case statePlaying:
		return "playing"
	case stateRecording:
		return "recording"
	default:
		return "closed"
	}
}

// transport says where a session's packets go.
type transport struct {
	tcp bool
	// UDP destinations: the RTSP peer's IP with the client's ports.
	rtpDst, rtcpDst netip.AddrPort
	// TCP interleaved channels.
	rtpChannel, rtcpChannel uint8
}

// Session is one client's playback of one stream: its own RTP sequence,
// timestamps, position and pacing over the stream's shared packets.
//
// Fields under mu are written by the connection goroutine (SETUP, PLAY,
// PAUSE, TEARDOWN) and by the scheduler while sending; both hold mu.
type Session struct {
	id     string
	srv    *Server
	conn   *conn
	stream *Stream
	// d says how this session's peer speaks (standard or the lab's).
	d    *dialect
	ssrc uint32
	// pub is the ingest side of a publisher's session (mode=record); nil
	// for readers.
	pub *publisher
	// base is the aggregate control URL (Content-Base) the session was set
	// up with, for RTP-Info.
	base string

	// created is the UnixNano of the SETUP that made the session.
	created int64
	// lastActive is the UnixNano of the last request or RTCP packet.
	lastActive atomic.Int64

	mu    sync.Mutex
	state sessionState
	tr    transport
	// gen increases on every PLAY, PAUSE and close, so scheduler entries of
	// an older timeline are recognised and dropped.
	gen uint64
	// seq is the next RTP sequence number.
	seq    uint16
	tsBase uint32
	// pos counts frames from npt 0, growing across loops; the frame sent
	// is pos modulo the frame count.
	pos int64
	// playStart and playPos anchor the pacing timeline of the current PLAY.
	playStart time.Time
	playPos   int64

	// Sender statistics (RFC 3550 6.4.1).
	packetsSent, octetsSent uint32
	lastSR                  time.Time
	framesLate              uint64
	// framesOffered counts frames handed to the transport (sent, or
	// dropped and counted in framesDropped).
	framesOffered uint64
	framesDropped uint64
	droppedLogged bool

	// lastRR is the latest reception report the client sent about us.
	lastRR  rtcp.ReceptionReport
	haveRR  bool
	rrCount uint64

	// hdrs and hdrBuf are the per-packet RTP header scratch for UDP sends.
	hdrs   [][]byte
	hdrBuf []byte
	// labPayload holds the one whole-frame payload of a lab send.
	labPayload [1][]byte
	// sr is the session's latest UDP sender report, queued for the
	// scheduler's RTCP batch; srHdr and srNone are its Datagrams slices
	// (the report as the "header", an empty payload).
	sr     []byte
	srHdr  [1][]byte
	srNone [1][]byte
}

// ID is the session identifier sent in the Session header.
func (s *Session) ID() string { return s.id }

func (s *Session) touch(now time.Time) { s.lastActive.Store(now.UnixNano()) }

// rtpTime is the RTP timestamp of frame position pos.
func (s *Session) rtpTime(pos int64) uint32 {
	return s.tsBase + uint32(pos)*s.stream.frameTicks()
}

// period is the time between frames.
func (s *Session) period() time.Duration {
	return time.Duration(float64(time.Second) / s.stream.FPS)
}

// npt is the normal play time of frame position pos, in seconds.
func (s *Session) npt(pos int64) float64 { return float64(pos) / s.stream.FPS }

// seek moves to the frame at npt seconds (RFC 2326 12.29).
func (s *Session) seek(npt float64) {
	s.pos = int64(math.Floor(npt*s.stream.FPS + 1e-9))
}

// dueOf is when frame position pos is to be sent in the current PLAY.
func (s *Session) dueOf(pos int64) time.Time {
	return s.playStart.Add(time.Duration(pos-s.playPos) * s.period())
}

// ensureScratch sizes the header scratch for the stream's largest frame.
func (s *Session) ensureScratch() { s.ensureScratchFor(s.stream.maxPackets) }

// ensureScratchFor sizes the header scratch for a frame of n packets (live
// frames vary: it grows, by at least twice, and never shrinks, so a steady
// stream allocates nothing).
func (s *Session) ensureScratchFor(n int) {
	if s.d.wholeJPEG {
		n = 1
	}
	if len(s.hdrs) >= n {
		return
	}
	n = max(n, 2*len(s.hdrs), 8)
	s.hdrBuf = make([]byte, 12*n)
	s.hdrs = make([][]byte, n)
	for i := range s.hdrs {
		s.hdrs[i] = s.hdrBuf[i*12 : (i+1)*12 : (i+1)*12]
	}
}
