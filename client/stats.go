package client

import "time"

// Stats are the reception statistics of a session: the lab's exercise done
// properly. Packet counts follow RFC 3550 A.1/A.3 (extended sequence
// numbers; duplicates are not counted as received, so they cannot hide
// losses), jitter is A.8's interarrival jitter. A Stats value is a snapshot;
// the UI computes live rates from the difference of two snapshots.
type Stats struct {
	// Transport is "udp" or "tcp" (the lab dialect is "udp", with Lab set).
	Transport string `json:"transport"`
	// Lab reports the lab dialect.
	Lab bool `json:"lab"`
	// PacketsReceived counts RTP packets accepted from the server (not
	// duplicates).
	PacketsReceived uint64 `json:"packets"`
	// PacketsExpected is the extended highest sequence number minus the
	// first, plus one (A.3).
	PacketsExpected uint64 `json:"packets_expected"`
	// PacketsLost is PacketsExpected - PacketsReceived (A.3), never negative.
	PacketsLost uint64 `json:"packets_lost"`
	// LossRate is PacketsLost / PacketsExpected (0 when nothing expected).
	LossRate float64 `json:"loss_rate"`
	// Duplicates counts packets received twice (dropped).
	Duplicates uint64 `json:"duplicates"`
	// Reordered counts packets that arrived after a higher sequence number.
	Reordered uint64 `json:"reordered"`
	// JitterMs is the interarrival jitter estimate (A.8) in milliseconds.
	JitterMs float64 `json:"jitter_ms"`
	// FramesComplete counts complete frames reassembled.
	FramesComplete uint64 `json:"frames_complete"`
	// FramesIncomplete counts frames dropped because a fragment was missing
	// or fragments disagreed (never delivered).
	FramesIncomplete uint64 `json:"frames_incomplete"`
	// FramesQueueDropped counts complete frames dropped because the Frames
	// channel was full (the consumer fell behind).
	FramesQueueDropped uint64 `json:"frames_queue_dropped"`
	// FPS is the average rate of complete frames, between the first and
	// the last one.
	FPS float64 `json:"fps"`
	// BitrateBps is the average rate of RTP bytes (header and payload)
	// received, in bits per second, between the first and last packet.
	BitrateBps float64 `json:"bitrate_bps"`
	// Bytes counts RTP bytes (header and payload) received.
	Bytes uint64 `json:"bytes"`
	// Width and Height are the size of the last complete frame, in pixels.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Elapsed is the time from the first packet to the last.
	Elapsed time.Duration `json:"-"`
	// SSRC is the server's RTP synchronization source.
	SSRC uint32 `json:"ssrc"`
}
