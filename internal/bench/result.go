package bench

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Result is one run's report, written as one JSON line (see the package
// doc for the definitions). Fields that could not be measured are null.
type Result struct {
	// Clients is the number of clients asked for.
	Clients int `json:"clients"`
	// DurationS is the length of the measurement window in seconds.
	DurationS float64 `json:"duration_s"`
	// Packets counts RTP packets received by all clients in the window.
	Packets uint64 `json:"packets"`
	// Bytes sums the RTP payload bytes of those packets.
	Bytes uint64 `json:"bytes"`
	// LossRate is lost / expected over all clients (RFC 3550 A.3).
	LossRate float64 `json:"loss_rate"`
	// LateFrameRate is the share of frames late or never sent.
	LateFrameRate float64 `json:"late_frame_rate"`
	// FirstFrameMsP50 and FirstFrameMsP99 are percentiles of the time from
	// the PLAY response to the first complete frame.
	FirstFrameMsP50 *float64 `json:"first_frame_ms_p50"`
	FirstFrameMsP99 *float64 `json:"first_frame_ms_p99"`
	// ServerCPUS is the server's user+system CPU time in the window.
	ServerCPUS *float64 `json:"server_cpu_s"`
	// ServerCPUUsPerPacket is ServerCPUS per received packet, in µs.
	ServerCPUUsPerPacket *float64 `json:"server_cpu_us_per_packet"`
	// ServerCPUUsPerKB is ServerCPUS per 1000 bytes of Bytes, in µs: the
	// figure that compares RTSP and HTTP delivery.
	ServerCPUUsPerKB *float64 `json:"server_cpu_us_per_kb"`
	// ServerRSSBytes is the server's resident set at the end of the window.
	ServerRSSBytes *int64 `json:"server_rss_bytes"`
	// BenchCPUS is the load generator's own CPU time in the window.
	BenchCPUS float64 `json:"bench_cpu_s"`
	// Transport is "udp" or "tcp" (RTSP), or "http" (MJPEG viewers).
	Transport string `json:"transport"`
	// UDPGRO tells whether the UDP clients received coalesced datagrams
	// (UDP_GRO); false over TCP.
	UDPGRO bool `json:"udp_gro"`

	// ClientsPlaying counts clients whose PLAY succeeded; SetupErrors the
	// others, FirstError says why the first of them failed.
	ClientsPlaying int    `json:"clients_playing"`
	SetupErrors    int    `json:"setup_errors"`
	FirstError     string `json:"first_error,omitempty"`
	// ClientsNoFrame counts playing clients that never got a complete
	// frame.
	ClientsNoFrame int `json:"clients_no_frame"`
	// ClientsEndedEarly counts HTTP viewers whose stream ended (the
	// server closed it, or sent something unreadable) before the run
	// did; FirstEndError says why the first of them ended.
	ClientsEndedEarly int    `json:"clients_ended_early,omitempty"`
	FirstEndError     string `json:"first_end_error,omitempty"`
	// PacketsPerS is Packets / DurationS.
	PacketsPerS float64 `json:"packets_per_s"`
	// PacketsLost and PacketsExpected are the sums behind LossRate, over
	// the whole run; BadPackets are datagrams that were not RTP.
	PacketsLost     uint64 `json:"packets_lost"`
	PacketsExpected uint64 `json:"packets_expected"`
	BadPackets      uint64 `json:"bad_packets"`
	// Frames counts complete frames, FramesIncomplete the others, over the
	// whole run; LateFrames and SkippedFrames are the numerator of
	// LateFrameRate.
	Frames           uint64 `json:"frames"`
	FramesIncomplete uint64 `json:"frames_incomplete"`
	LateFrames       uint64 `json:"late_frames"`
	SkippedFrames    uint64 `json:"skipped_frames"`
	// FirstFrameMsMax is the slowest first frame.
	FirstFrameMsMax *float64 `json:"first_frame_ms_max"`
	// BenchCPUUsPerPacket is BenchCPUS per received packet, in µs.
	BenchCPUUsPerPacket float64 `json:"bench_cpu_us_per_packet"`
	// SetupS is how long it took all clients to start playing.
	SetupS float64 `json:"setup_s"`

	// Publish mode only (null or absent otherwise).
	//
	// RelayLatencyMsP50, P99 and Max are nearest-rank percentiles, over
	// every client and frame of the window, of the time from the
	// publisher writing a frame's last packet to a client receiving that
	// frame's last packet (package doc).
	RelayLatencyMsP50 *float64 `json:"relay_latency_ms_p50"`
	RelayLatencyMsP99 *float64 `json:"relay_latency_ms_p99"`
	RelayLatencyMsMax *float64 `json:"relay_latency_ms_max,omitempty"`
	// RelayLatencyTo says where the relay latency ends: "kernel" (UDP
	// readers on Linux: the kernel's receive time of the frame's last
	// packet, which on loopback is when the server's send delivered it, so
	// the figure is how long the server kept the frame) or "read" (when
	// the client read it, including this process's own delays).
	RelayLatencyTo string `json:"relay_latency_to,omitempty"`
	// RelayReadLatencyMsP50 and P99 always end at the client's read: with
	// RelayLatencyTo "kernel", their difference from the figures above is
	// this benchmark's own reading delay.
	RelayReadLatencyMsP50 *float64 `json:"relay_read_latency_ms_p50,omitempty"`
	RelayReadLatencyMsP99 *float64 `json:"relay_read_latency_ms_p99,omitempty"`
	// RelayFrames counts the complete frames of the window (all clients)
	// matched to a published frame, RelayFramesUnmatched the others.
	RelayFrames          uint64 `json:"relay_frames,omitempty"`
	RelayFramesUnmatched uint64 `json:"relay_frames_unmatched,omitempty"`
	// PublishTransport is the publisher's transport, PublishFrames the
	// frames it sent in the window, PublishError why it stopped early.
	PublishTransport string `json:"publish_transport,omitempty"`
	PublishFrames    uint64 `json:"publish_frames,omitempty"`
	PublishError     string `json:"publish_error,omitempty"`
}

// JSON returns the result as one line of JSON, newline included.
func (r *Result) JSON() []byte {
	b, _ := json.Marshal(r) // plain data: cannot fail
	return append(b, '\n')
}

// round keeps d decimal places, for readable JSON.
func round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

func ptr[T any](v T) *T { return &v }

// percentile is the nearest-rank percentile p (0..100) of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}

// aggregate sums the trackers of the clients into r.
func (r *Result) aggregate(trs []*tracker) {
	var lat []time.Duration
	var evaluated uint64
	var hist, readHist []uint64
	kernel, read := false, false
	for _, t := range trs {
		t.learnPeriod() // a stream shorter than periodSteps steps
		if t.hist != nil {
			if hist == nil {
				hist = make([]uint64, histBuckets)
			}
			if readHist == nil {
				readHist = make([]uint64, histBuckets)
			}
			for i, c := range t.hist.counts {
				hist[i] += uint64(c)
			}
			for i, c := range t.readHist.counts {
				readHist[i] += uint64(c)
			}
			if t.relayMatched > 0 {
				kernel = kernel || !t.rxAt.IsZero()
				read = read || t.rxAt.IsZero()
			}
			r.RelayFrames += t.relayMatched
			r.RelayFramesUnmatched += t.relayUnmatched
		}
		r.PacketsLost += t.lost()
		r.PacketsExpected += t.expected()
		r.BadPackets += t.bad
		r.Frames += t.complete
		r.FramesIncomplete += t.incomplete
		r.LateFrames += t.late
		r.SkippedFrames += t.skipped
		evaluated += t.evaluated
		if !t.anchorSet {
			r.ClientsNoFrame++
			continue
		}
		d := t.firstAt.Sub(time.Unix(0, t.playAt.Load()))
		lat = append(lat, max(d, 0))
	}
	if r.PacketsExpected > 0 {
		r.LossRate = round(float64(r.PacketsLost)/float64(r.PacketsExpected), 6)
	}
	if n := evaluated + r.SkippedFrames; n > 0 {
		r.LateFrameRate = round(float64(r.LateFrames+r.SkippedFrames)/float64(n), 6)
	}
	r.firstFrames(lat)
	usToMs := func(us float64, _ bool) *float64 { return ptr(round(us/1e3, 3)) }
	if _, ok := histPercentile(hist, 50); ok {
		r.RelayLatencyMsP50 = usToMs(histPercentile(hist, 50))
		r.RelayLatencyMsP99 = usToMs(histPercentile(hist, 99))
		r.RelayLatencyMsMax = usToMs(histPercentile(hist, 100))
		r.RelayReadLatencyMsP50 = usToMs(histPercentile(readHist, 50))
		r.RelayReadLatencyMsP99 = usToMs(histPercentile(readHist, 99))
		switch {
		case kernel && !read:
			r.RelayLatencyTo = "kernel"
		case read && !kernel:
			r.RelayLatencyTo = "read"
		default:
			r.RelayLatencyTo = "mixed"
		}
	}
}

// firstFrames sets the first-frame percentiles from the clients' times to
// their first frame (lat is sorted in place).
func (r *Result) firstFrames(lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	ms := func(d time.Duration) *float64 { return ptr(round(float64(d)/1e6, 3)) }
	r.FirstFrameMsP50 = ms(percentile(lat, 50))
	r.FirstFrameMsP99 = ms(percentile(lat, 99))
	r.FirstFrameMsMax = ms(lat[len(lat)-1])
}
