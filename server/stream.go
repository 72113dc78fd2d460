package server

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/sdp"
)

// Stream is one video served at a path. Files are opened on first use
// (DESCRIBE, SETUP, an HTTP viewer): their frames come from disk through
// the server's frame cache, shared by every session near the same position.
// The test pattern's frames are rendered at start and kept in memory. Live
// paths get their frames from the hub (live).
type Stream struct {
	// Name is the path the stream is served at, starting with '/'.
	Name string
	// FPS is the pacing rate.
	FPS float64
	// Live marks the test pattern, described with an open range (npt=0-,
	// as its PLAY answers).
	Live bool
	// live is the hub side of a live path (nil for files and the test
	// pattern): its frames arrive from a publisher or a relay instead.
	live *liveStream
	// epoch anchors the stream's frame clock (see lastTick).
	epoch time.Time
	// file is the media file (or folder of JPEGs, or recording folder)
	// of a file stream; "" for the pattern and live paths.
	file string
	// rec is a recording folder's timeline (recordings.go); nil for
	// others.
	rec *recordings
	// noLoop ends playback at the last frame with an RTCP BYE instead of
	// looping: always for recordings, for files Config.NoLoop unless
	// their FileSettings say otherwise (withFileSettings).
	noLoop bool
	// fpsFixed says FPS was configured for this file: the rate the file
	// declares (mjpeg.RateOf) does not replace it when it is opened.
	fpsFixed bool

	// mu guards the fields below. store is set by the first open (for a
	// recording, by every open that finds the folder changed); a session
	// keeps the store its PLAY found, so the scheduler never reads it here.
	mu      sync.Mutex
	store   frameStore
	openErr error
	// width and height are the first frame's picture size (0 until the
	// stream is opened).
	width, height int
}

// lastTick is the last instant of the stream's frame clock (epoch + k
// periods) at or before t.
func (st *Stream) lastTick(t time.Time) time.Time {
	period := time.Duration(float64(time.Second) / st.FPS)
	if period <= 0 || t.Before(st.epoch) {
		return t
	}
	return st.epoch.Add(t.Sub(st.epoch) / period * period)
}

// rate is FPS, read under mu: opening a file may set it to the rate the
// file declares, while a status request reads it.
func (st *Stream) rate() float64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.FPS
}

// size is the picture size, 0x0 for a file not opened yet.
func (st *Stream) size() (int, int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.width, st.height
}

// frames is the stream's frame store; nil before open (and for live
// paths).
func (st *Stream) frames() frameStore {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.store
}

// frameCount is the number of frames of an opened stream.
func (st *Stream) frameCount() int {
	if fs := st.frames(); fs != nil {
		return fs.len()
	}
	return 0
}

// Duration is the playing time of one pass through the frames, in seconds.
func (st *Stream) Duration() float64 { return float64(st.frameCount()) / st.FPS }

// frameTicks is the RTP timestamp step between frames at 90 kHz.
func (st *Stream) frameTicks() uint32 { return uint32(math.Round(rtpjpeg.ClockRate / st.FPS)) }

// SDP describes the stream for DESCRIBE (RFC 4566; the shape in interop.md).
func (st *Stream) SDP(origin string) []byte {
	rng := "npt=0-" + strconv.FormatFloat(st.Duration(), 'f', 3, 64)
	if st.Live {
		// Open-ended from 0, what PLAY answers too (npt=0.000-).
		rng = "npt=0-"
	}
	s := &sdp.Session{
		Origin:   origin,
		Name:     "rtpstream " + st.Name,
		ConnAddr: "0.0.0.0",
		Control:  "*",
		Range:    rng,
		Media: []sdp.Media{{
			Type:      "video",
			Port:      0,
			Proto:     "RTP/AVP",
			Formats:   []int{rtpjpeg.PayloadType},
			Control:   trackControl,
			RTPMap:    map[int]string{rtpjpeg.PayloadType: "JPEG/90000"},
			Framerate: st.FPS,
		}},
	}
	return s.Marshal()
}

// trackControl is the media-level a=control of our single video track.
const trackControl = "stream=0"
