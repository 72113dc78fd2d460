package web

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rtpstream/rtpstream/server"
)

// Label values are bounded: transport is one of readerTransports, kind one
// of the server's stream kinds, and path appears only on relays (rtsp,
// http, snapshot), which exist only when configured. Publishers can
// publish to any path name, so nothing about them carries a path, and no
// label names a session or an address.
var readerTransports = []string{"udp", "tcp", "lab", "http"}

// streamKinds are the server's stream kinds (server.StreamStatus.Kind),
// reported even when none exists so that their series do not come and go.
var streamKinds = []string{"file", "pattern", "publisher", "rtsp", "http", "snapshot"}

// isRelay says whether a kind is a configured relay (a bounded path set).
func isRelay(kind string) bool { return kind == "rtsp" || kind == "http" || kind == "snapshot" }

// Metric descriptions. Names follow Prometheus' conventions: the
// rtpstream_ prefix, _total for counters, base units (_bytes, _seconds).
var (
	descStreams = prometheus.NewDesc("rtpstream_streams",
		"Streams served, by kind (file, pattern, publisher, rtsp, http, snapshot).", []string{"kind"}, nil)
	descReaders = prometheus.NewDesc("rtpstream_readers",
		"Readers now attached, by transport (udp, tcp, lab: RTSP sessions; http: MJPEG viewers).", []string{"transport"}, nil)
	descPublishing = prometheus.NewDesc("rtpstream_publishers_publishing",
		"Publisher paths that have a publisher recording now.", nil, nil)
	descSentPackets = prometheus.NewDesc("rtpstream_sent_packets_total",
		"RTP packets sent to readers, by transport.", []string{"transport"}, nil)
	descSentBytes = prometheus.NewDesc("rtpstream_sent_bytes_total",
		"Bytes sent to readers (RTP payload for RTSP, JPEG for HTTP), by transport.", []string{"transport"}, nil)
	descSentFrames = prometheus.NewDesc("rtpstream_sent_frames_total",
		"Frames sent to HTTP MJPEG viewers.", []string{"transport"}, nil)
	descLate = prometheus.NewDesc("rtpstream_late_frames_total",
		"Frames sent more than a frame period late, by transport.", []string{"transport"}, nil)
	descSkipped = prometheus.NewDesc("rtpstream_skipped_frames_total",
		"Frames not sent to a slow reader (full TCP queue, slow HTTP viewer), by transport.", []string{"transport"}, nil)
	descReceived = prometheus.NewDesc("rtpstream_received_frames_total",
		"Frames received by live paths (publishers, relays), by kind.", []string{"kind"}, nil)
	descReceivedDropped = prometheus.NewDesc("rtpstream_received_dropped_frames_total",
		"Frames of live paths lost on the way in (missing fragments, too large, not convertible), by kind.", []string{"kind"}, nil)
	descRRReaders = prometheus.NewDesc("rtpstream_rtcp_reporting_readers",
		"Readers that sent an RTCP receiver report (RFC 3550 6.4.2), by transport.", []string{"transport"}, nil)
	descLossMean = prometheus.NewDesc("rtpstream_rtcp_fraction_lost_mean",
		"Mean over reporting readers of the fraction lost in their latest RTCP receiver report (0..1), by transport.", []string{"transport"}, nil)
	descLossMax = prometheus.NewDesc("rtpstream_rtcp_fraction_lost_max",
		"Largest fraction lost in the readers' latest RTCP receiver reports (0..1), by transport.", []string{"transport"}, nil)
	descJitterMean = prometheus.NewDesc("rtpstream_rtcp_jitter_seconds_mean",
		"Mean over reporting readers of the interarrival jitter in their latest RTCP receiver report, by transport.", []string{"transport"}, nil)
	descJitterMax = prometheus.NewDesc("rtpstream_rtcp_jitter_seconds_max",
		"Largest interarrival jitter in the readers' latest RTCP receiver reports, by transport.", []string{"transport"}, nil)
	descRelayConnected = prometheus.NewDesc("rtpstream_relay_connected",
		"1 when a configured relay is connected to its source, 0 otherwise.", []string{"path", "kind"}, nil)
	descRelayReconnects = prometheus.NewDesc("rtpstream_relay_reconnects_total",
		"Source connections of a configured relay after its first.", []string{"path", "kind"}, nil)
	descRefused = prometheus.NewDesc("rtpstream_refused_total",
		"Connections and viewers refused by limits (RTSP connections, HTTP viewers).", nil, nil)
	descAuthFailures = prometheus.NewDesc("rtpstream_auth_failures_total",
		"Requests refused for their credentials (RTSP, HTTP streams, status page, API, metrics).", nil, nil)
	descUDPSendErrors = prometheus.NewDesc("rtpstream_udp_send_errors_total",
		"Failed batched UDP sends.", nil, nil)
	descLiveDelay = prometheus.NewDesc("rtpstream_live_frame_delay_seconds",
		"How long live frames with readers stayed in the server: from reading their last byte to the end of their send to every UDP reader (TCP: queued).", nil, nil)
)

// collector reads srv.Status() on each scrape: on the send paths only the
// live delay histogram is counted (once per frame, by the scheduler).
//
// The server's packet, byte and frame figures are per reader and vanish
// with their reader; readers and paths turn them into counters that never
// go down. What a reader sent between the last scrape and its leaving is
// not counted.
type collector struct {
	srv     *server.Server
	mu      sync.Mutex // serialises scrapes' use of readers and paths
	readers totals
	paths   totals
}

func newCollector(srv *server.Server) *collector {
	return &collector{srv: srv, readers: newTotals(), paths: newTotals()}
}

// Describe sends every description.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStreams, descReaders, descPublishing, descSentPackets, descSentBytes,
		descSentFrames, descLate, descSkipped, descReceived, descReceivedDropped, descRRReaders, descLossMean,
		descLossMax, descJitterMean, descJitterMax, descRelayConnected, descRelayReconnects, descRefused,
		descAuthFailures, descUDPSendErrors, descLiveDelay} {
		ch <- d
	}
}

// Reader counter slots in totals' values.
const (
	rPackets = iota
	rBytes
	rFrames
	rLate
	rSkipped
	rCount
)

// Live path counter slots.
const (
	pFrames = iota
	pDropped
	pCount
)

// rtcpAgg aggregates the latest receiver reports of one transport.
type rtcpAgg struct {
	n                 int
	lossSum, lossMax  float64
	jitterSum, jitMax float64
}

// Collect reads the status and sends every metric.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.srv.Status()
	kinds := map[string]int{}
	readers := map[string]int{}
	rtcp := map[string]*rtcpAgg{}
	readerNow := map[string]sample{}
	pathNow := map[string]sample{}
	publishing := 0
	for _, s := range st.Streams {
		kinds[s.Kind]++
		if s.Kind == "publisher" && s.State == "publishing" {
			publishing++
		}
		if s.Kind != "file" && s.Kind != "pattern" {
			pathNow[s.Kind+" "+s.Path] = sample{label: s.Kind, v: []uint64{s.Frames, s.Dropped}}
		}
		if isRelay(s.Kind) {
			connected := 0.0
			if s.State == "connected" {
				connected = 1
			}
			ch <- prometheus.MustNewConstMetric(descRelayConnected, prometheus.GaugeValue, connected, s.Path, s.Kind)
			ch <- prometheus.MustNewConstMetric(descRelayReconnects, prometheus.CounterValue, float64(s.Reconnects), s.Path, s.Kind)
		}
		for _, r := range s.Readers {
			if !knownTransport(r.Transport) {
				continue // publishers ("record") are not readers
			}
			readers[r.Transport]++
			id := r.Transport + " " + r.Remote + " " + strconv.FormatInt(r.Since.UnixNano(), 10) + " " + s.Path
			readerNow[id] = sample{label: r.Transport, v: []uint64{r.Packets, r.Bytes, r.Frames, r.LateFrames, r.SkippedFrames}}
			if r.HaveRR {
				a := rtcp[r.Transport]
				if a == nil {
					a = &rtcpAgg{}
					rtcp[r.Transport] = a
				}
				a.n++
				a.lossSum += r.Loss
				a.lossMax = max(a.lossMax, r.Loss)
				j := r.JitterMs / 1000
				a.jitterSum += j
				a.jitMax = max(a.jitMax, j)
			}
		}
	}
	c.mu.Lock()
	rt := c.readers.update(readerNow, rCount)
	pt := c.paths.update(pathNow, pCount)
	c.mu.Unlock()

	for _, k := range streamKinds {
		ch <- prometheus.MustNewConstMetric(descStreams, prometheus.GaugeValue, float64(kinds[k]), k)
		v := pt[k]
		if v == nil {
			v = make([]uint64, pCount)
		}
		if k != "file" && k != "pattern" {
			ch <- prometheus.MustNewConstMetric(descReceived, prometheus.CounterValue, float64(v[pFrames]), k)
			ch <- prometheus.MustNewConstMetric(descReceivedDropped, prometheus.CounterValue, float64(v[pDropped]), k)
		}
	}
	ch <- prometheus.MustNewConstMetric(descPublishing, prometheus.GaugeValue, float64(publishing))
	for _, t := range readerTransports {
		ch <- prometheus.MustNewConstMetric(descReaders, prometheus.GaugeValue, float64(readers[t]), t)
		v := rt[t]
		if v == nil {
			v = make([]uint64, rCount)
		}
		if t == "http" {
			ch <- prometheus.MustNewConstMetric(descSentFrames, prometheus.CounterValue, float64(v[rFrames]), t)
		} else {
			ch <- prometheus.MustNewConstMetric(descSentPackets, prometheus.CounterValue, float64(v[rPackets]), t)
		}
		ch <- prometheus.MustNewConstMetric(descSentBytes, prometheus.CounterValue, float64(v[rBytes]), t)
		ch <- prometheus.MustNewConstMetric(descLate, prometheus.CounterValue, float64(v[rLate]), t)
		ch <- prometheus.MustNewConstMetric(descSkipped, prometheus.CounterValue, float64(v[rSkipped]), t)
		if t == "http" {
			continue // no RTCP over HTTP
		}
		a := rtcp[t]
		if a == nil {
			a = &rtcpAgg{}
		}
		ch <- prometheus.MustNewConstMetric(descRRReaders, prometheus.GaugeValue, float64(a.n), t)
		var lossMean, jitMean float64
		if a.n > 0 {
			lossMean, jitMean = a.lossSum/float64(a.n), a.jitterSum/float64(a.n)
		}
		ch <- prometheus.MustNewConstMetric(descLossMean, prometheus.GaugeValue, lossMean, t)
		ch <- prometheus.MustNewConstMetric(descLossMax, prometheus.GaugeValue, a.lossMax, t)
		ch <- prometheus.MustNewConstMetric(descJitterMean, prometheus.GaugeValue, jitMean, t)
		ch <- prometheus.MustNewConstMetric(descJitterMax, prometheus.GaugeValue, a.jitMax, t)
	}
	ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(st.Refused))
	ch <- prometheus.MustNewConstMetric(descAuthFailures, prometheus.CounterValue, float64(st.AuthFailures))
	ch <- prometheus.MustNewConstMetric(descUDPSendErrors, prometheus.CounterValue, float64(st.UDPSendErrors))
	d := st.LiveDelay
	buckets := make(map[float64]uint64, len(d.Bounds))
	for i, b := range d.Bounds {
		buckets[b] = d.Counts[i]
	}
	ch <- prometheus.MustNewConstHistogram(descLiveDelay, d.Count, d.Sum, buckets)
}

// knownTransport says whether t is a reader transport we report.
func knownTransport(t string) bool {
	for _, x := range readerTransports {
		if x == t {
			return true
		}
	}
	return false
}

// sample is one reader's or path's counters and the label value they add
// to.
type sample struct {
	label string
	v     []uint64
}

// totals turns counters that belong to things that come and go (readers,
// dynamic paths) into per-label counters that never go down: when a thing
// leaves, or its counters restart, its last seen values move into retired.
// Its memory is bounded by the things present now and the label values.
type totals struct {
	last    map[string]sample
	retired map[string][]uint64
}

func newTotals() totals {
	return totals{last: map[string]sample{}, retired: map[string][]uint64{}}
}

// update takes the current samples (by identity) and returns the totals by
// label value, each slice n long.
func (t *totals) update(now map[string]sample, n int) map[string][]uint64 {
	for id, old := range t.last {
		cur, ok := now[id]
		if ok && cur.label == old.label && !restarted(old.v, cur.v) {
			continue
		}
		add(t.retired, old.label, old.v, n)
	}
	t.last = now
	out := map[string][]uint64{}
	for l, v := range t.retired {
		add(out, l, v, n)
	}
	for _, s := range now {
		add(out, s.label, s.v, n)
	}
	return out
}

// restarted says whether any counter went down.
func restarted(old, cur []uint64) bool {
	for i := range old {
		if i < len(cur) && cur[i] < old[i] {
			return true
		}
	}
	return false
}

// add adds v into m[label] (made n long).
func add(m map[string][]uint64, label string, v []uint64, n int) {
	s := m[label]
	if s == nil {
		s = make([]uint64, n)
		m[label] = s
	}
	for i := 0; i < n && i < len(v); i++ {
		s[i] += v[i]
	}
}
