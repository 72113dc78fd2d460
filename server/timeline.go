package server

import (
	"time"

	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// maxTimelineStep is the largest gap between two frames' source timestamps
// taken as it is; a larger jump (or a step backwards) is a discontinuity in
// the source and the wall clock measures the step instead.
const maxTimelineStep = 10 * rtpjpeg.ClockRate

// timeline turns the timestamps of a live path's successive sources (a
// publisher's RTP timestamps, a relayed server's, or none for HTTP
// cameras) into one continuous 90 kHz timeline, so that readers see one
// stream across publishers coming and going and sources reconnecting.
// Its owner serialises calls (liveStream.mu).
type timeline struct {
	have        bool
	src         uint32 // the source timestamp of the last frame
	srcEpoch    uint64 // which source connection src came from
	out         uint32 // the timeline's timestamp of the last frame
	lastArrival time.Time
}

// next returns the timeline timestamp of a frame that arrived at arrival
// with source timestamp src (hasSrc false: the source has none) from the
// source connection epoch. Within one source the source's own steps are
// kept (readers decode its pacing exactly); across sources, and for
// sources without timestamps, the wall clock gives the step.
func (t *timeline) next(src uint32, hasSrc bool, epoch uint64, arrival time.Time) uint32 {
	if !t.have {
		t.have = true
		t.src, t.srcEpoch, t.out, t.lastArrival = src, epoch, 0, arrival
		return 0
	}
	step := int64(-1)
	if hasSrc && epoch == t.srcEpoch {
		if d := int64(int32(src - t.src)); d >= 0 && d <= maxTimelineStep {
			step = d
		}
	}
	if step < 0 {
		step = max(int64(arrival.Sub(t.lastArrival).Seconds()*rtpjpeg.ClockRate), 1)
	}
	t.out += uint32(step)
	t.src, t.srcEpoch, t.lastArrival = src, epoch, arrival
	return t.out
}

// at is the timeline's timestamp for the instant now, extrapolated from the
// last frame: what RTP-Info and sender reports quote.
func (t *timeline) at(now time.Time) uint32 {
	if !t.have {
		return 0
	}
	return t.out + uint32(max(now.Sub(t.lastArrival).Seconds(), 0)*rtpjpeg.ClockRate)
}
