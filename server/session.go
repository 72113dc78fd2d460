package server

import (
	"math"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
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
	// store is the frame store the last PLAY found (a recording's
	// snapshot stays the session's until its next PLAY).
	store frameStore
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
	// The current PLAY's pace (RFC 2326 12.34 Scale, 12.35 Speed): pos
	// moves by step frames per frame sent (negative: backwards), one every
	// slot, whose RTP timestamps are slotTicks apart from tsPlay on; sent
	// counts the frames (slots) since PLAY.
	step      int64
	slot      time.Duration
	slotTicks uint32
	tsPlay    uint32
	sent      int64
	// scale and speed are the values in use (1 unless a PLAY asked).
	scale, speed float64
	// endPos is the last position of a PLAY's Range end (hasEnd): the
	// session goes back to Ready with an RTCP BYE after it.
	endPos int64
	hasEnd bool

	// Sender statistics (RFC 3550 6.4.1).
	packetsSent, octetsSent uint32
	lastSR                  time.Time
	framesLate              uint64
	// framesOffered counts frames handed to the transport (sent, or
	// dropped and counted in framesDropped).
	framesOffered uint64
	framesDropped uint64
	// framesSkipped counts file frames not sent because they were not
	// ready (still converting) or could not be read.
	framesSkipped uint64
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

// dueOf is when the k-th frame of the current PLAY is to be sent.
func (s *Session) dueOf(k int64) time.Time {
	return s.playStart.Add(time.Duration(k) * s.slot)
}

// setPace sets the current PLAY's step, slot and timestamp step for the
// given scale and speed (both already validated), and returns the scale
// actually used: |scale| >= 1 sends every round(|scale|)-th frame at the
// normal rate (timestamps at the normal rate: a client plays it back in
// 1/|scale| of the time), |scale| < 1 sends every frame more slowly (the
// timestamps follow the wall clock); speed delivers faster or slower
// without changing the timestamps (RFC 2326 12.35).
func (s *Session) setPace(scale, speed float64) float64 {
	period := s.period()
	abs := math.Abs(scale)
	s.step, s.slot = 1, period
	used := 1.0
	if abs >= 1 {
		s.step = int64(math.Round(abs))
		used = float64(s.step)
	} else {
		s.slot = time.Duration(float64(period) / abs)
		used = abs
	}
	if scale < 0 {
		s.step, used = -s.step, -used
	}
	s.slotTicks = uint32(math.Round(s.slot.Seconds() * rtpjpeg.ClockRate))
	s.slot = time.Duration(float64(s.slot) / speed)
	s.scale, s.speed = used, speed
	return used
}

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
