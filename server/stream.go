package server

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/sdp"
)

// Stream is one video served at a path: its frames, read and packetized
// once, shared by every session that plays it.
type Stream struct {
	// Name is the path the stream is served at, starting with '/'.
	Name string
	// Frames are the whole JPEG frames, all carriable by RFC 2435.
	Frames [][]byte
	// LabFrames are the frames as read from the file, before any
	// transcoding: lab clients get whole JPEGs, which need no RFC 2435
	// compatibility, and they truncate frames over 20480 bytes, which
	// re-encoded frames exceed more often (mjpeg.Video.Source).
	LabFrames [][]byte
	// Packets are the RFC 2435 payloads of each frame for the server's MTU.
	Packets []*rtpjpeg.Packetized
	// FPS is the pacing rate.
	FPS float64
	// Width and Height are the picture size of the first frame.
	Width, Height int
	// Live marks the test pattern, described with an open range (npt=now-).
	Live bool
	// live is the hub side of a live path (nil for files and the test
	// pattern): its frames arrive from a publisher or a relay instead.
	live *liveStream
	// maxPackets is the most RTP packets any frame needs.
	maxPackets int
	// epoch anchors the stream's frame clock (see lastTick).
	epoch time.Time
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

func newStream(name string, v *mjpeg.Video, fps float64, mtu int, live bool) (*Stream, error) {
	frames := v.Frames
	if len(frames) == 0 {
		return nil, fmt.Errorf("stream %s: no frames", name)
	}
	st := &Stream{Name: name, Frames: frames, LabFrames: v.Source, FPS: fps, Width: v.Width, Height: v.Height, Live: live, epoch: time.Now()}
	if len(st.LabFrames) != len(frames) {
		st.LabFrames = frames
	}
	st.Packets = make([]*rtpjpeg.Packetized, len(frames))
	for i, f := range frames {
		p, err := rtpjpeg.Packetize(f, mtu)
		if err != nil {
			return nil, fmt.Errorf("stream %s: frame %d: %w", name, i+1, err)
		}
		st.Packets[i] = p
		st.maxPackets = max(st.maxPackets, len(p.Payloads))
	}
	return st, nil
}

// Duration is the playing time of one pass through the frames, in seconds.
func (st *Stream) Duration() float64 { return float64(len(st.Frames)) / st.FPS }

// frameTicks is the RTP timestamp step between frames at 90 kHz.
func (st *Stream) frameTicks() uint32 { return uint32(math.Round(rtpjpeg.ClockRate / st.FPS)) }

// SDP describes the stream for DESCRIBE (RFC 4566; the shape in interop.md).
func (st *Stream) SDP(origin string) []byte {
	rng := "npt=0-" + strconv.FormatFloat(st.Duration(), 'f', 3, 64)
	if st.Live {
		rng = "npt=now-"
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
