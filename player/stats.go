package player

import (
	"fmt"
	"time"

	"github.com/rtpstream/rtpstream/client"
)

// rates turns two snapshots of client.Stats into the live statistics line:
// frames and bits per second over the interval, cumulative loss (RFC 3550
// A.3), interarrival jitter (A.8) and the transport.
type rates struct {
	prev     client.Stats
	prevAt   time.Time
	prevShow uint64
	prevDrop uint64
}

// line returns e.g. "30.0 fps · 2871 kbit/s · 0.0 % loss · 0.3 ms jitter · udp".
func (r *rates) line(s client.Stats, at time.Time) string {
	var fps, kbps float64
	if dt := at.Sub(r.prevAt).Seconds(); !r.prevAt.IsZero() && dt > 0 && s.FramesComplete >= r.prev.FramesComplete {
		fps = float64(s.FramesComplete-r.prev.FramesComplete) / dt
		kbps = float64(s.Bytes-r.prev.Bytes) * 8 / dt / 1000
	}
	r.prev, r.prevAt = s, at
	tr := s.Transport
	if tr == "" {
		tr = "-"
	}
	if s.Lab {
		tr += " (lab)"
	}
	return fmt.Sprintf("%.1f fps · %.0f kbit/s · %.1f %% loss · %.1f ms jitter · %s",
		fps, kbps, s.LossRate*100, s.JitterMs, tr)
}

// displayLine appends the display's figures to a statistics line: frames
// shown per second, frames dropped (late, replaced before the UI drew them,
// queue overflow), the latency from a frame's arrival to its display (the
// jitter buffer included) and the UI lag, from the time a frame was due to
// the time the UI goroutine put it on the canvas.
func (r *rates) displayLine(base string, shown, dropped uint64, lat latency, dt time.Duration) string {
	var sfps float64
	if dt > 0 && shown >= r.prevShow {
		sfps = float64(shown-r.prevShow) / dt.Seconds()
	}
	d := dropped - min(dropped, r.prevDrop)
	r.prevShow, r.prevDrop = shown, dropped
	return fmt.Sprintf("%s · shown %.1f fps · dropped %d · latency %.0f ms (max %.0f, UI lag %.1f)",
		base, sfps, d, ms(lat.mean()), ms(lat.max), ms(lat.lag()))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
