package player

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/client"
)

// Engine limits.
const (
	// DefaultJitterBuffer is how long a frame waits after its arrival
	// before it is shown, absorbing network jitter.
	DefaultJitterBuffer = 100 * time.Millisecond
	// maxQueue bounds the frames waiting for their time; beyond it the
	// oldest is dropped (a stream far ahead of its timestamps).
	maxQueue = 64
	// maxAhead: a frame due later than its arrival + jitter buffer +
	// maxAhead means a timestamp jump (seek, loop, new SSRC): re-anchor.
	maxAhead = time.Second
	// rtpClockRate is RFC 2435's RTP clock (90 kHz).
	rtpClockRate = 90000
	// transitWindow is how many frames the minimum transit time is taken
	// over (between one and two windows): about 2 s at 30 fps.
	transitWindow = 64
	// slewDeadband and slewStep: when the anchor is more than slewDeadband
	// away from minimum transit + jitter buffer, it moves by slewStep per
	// frame toward it (frames a little closer together, invisibly).
	slewDeadband = 5 * time.Millisecond
	slewStep     = 2 * time.Millisecond
)

// queued is a frame waiting for its time.
type queued struct {
	id    uint64
	frame client.Frame
	due   time.Time
}

// picture is a decoded frame on its way to the screen.
type picture struct {
	img     *image.RGBA
	arrival time.Time
	due     time.Time
}

// engineStats are the engine's counters.
type engineStats struct {
	Decoded, Late, Overflow, DecodeErrors, Rebased uint64
}

// engine plays the frames of one Source: a receive goroutine stamps each
// frame with the wall-clock time it is due (its RTP timestamp, anchored at
// the first frame's arrival plus the jitter buffer), a present goroutine
// decodes each frame just before it is due and hands it to show. Of the
// frames already due only the newest is decoded (the others count as late),
// so a slow display never builds latency.
type engine struct {
	frames       <-chan client.Frame
	jitter       time.Duration
	arrivalClock bool // lab dialect: timestamps are whole seconds, use arrival times
	show         func(*picture)
	buffer       func(w, h int) *image.RGBA
	now          func() time.Time

	mu     sync.Mutex
	queue  []queued
	nextID uint64

	wake chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup

	// timing, owned by the receive goroutine
	anchored     bool
	base         time.Time // wall-clock time of media time 0
	lastTS       uint32
	ext          int64 // extended RTP timestamp since the first frame
	firstArrival time.Time
	// minimum of arrival - media time over the current and previous window
	curMin, prevMin time.Time
	inWindow        int

	decoded, late, overflow, decodeErrors, rebased atomic.Uint64
	decodeNs                                       atomic.Int64 // moving average of decode time

	// decoder, when set, replaces DecodeJPEG.
	decoder Decoder
}

func newEngine(frames <-chan client.Frame, jitter time.Duration, arrivalClock bool, show func(*picture), buffer func(w, h int) *image.RGBA) *engine {
	return &engine{
		frames: frames, jitter: jitter, arrivalClock: arrivalClock,
		show: show, buffer: buffer, now: time.Now,
		wake: make(chan struct{}, 1), stop: make(chan struct{}),
	}
}

func (e *engine) start() {
	e.wg.Add(2)
	go e.receive()
	go e.present()
}

// close stops both goroutines and waits for them.
func (e *engine) close() {
	close(e.stop)
	e.wg.Wait()
}

func (e *engine) stats() engineStats {
	return engineStats{Decoded: e.decoded.Load(), Late: e.late.Load(), Overflow: e.overflow.Load(),
		DecodeErrors: e.decodeErrors.Load(), Rebased: e.rebased.Load()}
}

func (e *engine) receive() {
	defer e.wg.Done()
	for {
		select {
		case <-e.stop:
			return
		case f := <-e.frames:
			e.enqueue(f)
		}
	}
}

// due returns when f is to be shown: base + media time, where base is
// re-anchored at arrival + jitter buffer for the first frame, for a frame
// that arrives after its time (the network delay grew past the buffer, or
// playing resumed after PAUSE) and for a timestamp jump ahead.
func (e *engine) due(f client.Frame) time.Time {
	arrival := f.Arrival
	if arrival.IsZero() {
		arrival = e.now()
	}
	var mt time.Duration
	if e.arrivalClock {
		if e.firstArrival.IsZero() {
			e.firstArrival = arrival
		}
		mt = arrival.Sub(e.firstArrival)
	} else {
		if !e.anchored {
			e.lastTS = f.Timestamp
		}
		e.ext += int64(int32(f.Timestamp - e.lastTS)) // RFC 3550 §5.1: wraps modulo 2^32
		e.lastTS = f.Timestamp
		mt = time.Duration(e.ext * int64(time.Second) / rtpClockRate)
	}
	transit := arrival.Add(-mt)
	due := e.base.Add(mt)
	if !e.anchored || due.Before(arrival) || due.After(arrival.Add(e.jitter+maxAhead)) {
		if e.anchored {
			e.rebased.Add(1)
		}
		e.anchored = true
		e.base = transit.Add(e.jitter)
		e.curMin, e.prevMin, e.inWindow = transit, transit, 0
		return arrival.Add(e.jitter)
	}
	// Keep the anchor at the lowest recent transit + jitter buffer: when the
	// first frame came early, the buffer would otherwise stay shorter than
	// asked for; when the network got faster, latency would stay higher.
	if transit.Before(e.curMin) {
		e.curMin = transit
	}
	if e.inWindow++; e.inWindow >= transitWindow {
		e.prevMin, e.curMin, e.inWindow = e.curMin, transit, 0
	}
	low := e.curMin
	if e.prevMin.Before(low) {
		low = e.prevMin
	}
	switch off := low.Add(e.jitter).Sub(e.base); {
	case off > slewDeadband:
		e.base = e.base.Add(min(off, slewStep))
	case off < -slewDeadband:
		e.base = e.base.Add(max(off, -slewStep))
	}
	if due = e.base.Add(mt); due.Before(arrival) {
		due = arrival
	}
	return due
}

func (e *engine) enqueue(f client.Frame) {
	due := e.due(f)
	e.mu.Lock()
	if len(e.queue) >= maxQueue {
		e.queue = e.queue[1:]
		e.overflow.Add(1)
	}
	e.nextID++
	e.queue = append(e.queue, queued{id: e.nextID, frame: f, due: due})
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// sleep waits d; false when the engine stops.
func (e *engine) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.stop:
		return false
	}
}

// next waits for the frame to decode now: the newest frame already due, or
// the head of the queue once it is due within the decode time.
func (e *engine) next() (queued, bool) {
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.mu.Unlock()
			select {
			case <-e.wake:
				continue
			case <-e.stop:
				return queued{}, false
			}
		}
		now := e.now()
		for len(e.queue) > 1 && !e.queue[1].due.After(now) {
			e.queue = e.queue[1:]
			e.late.Add(1)
		}
		q := e.queue[0]
		wait := q.due.Sub(now) - time.Duration(e.decodeNs.Load())
		if wait <= 0 {
			e.queue = e.queue[1:]
			e.mu.Unlock()
			return q, true
		}
		e.mu.Unlock()
		if !e.sleep(wait) {
			return queued{}, false
		}
	}
}

func (e *engine) present() {
	defer e.wg.Done()
	for {
		q, ok := e.next()
		if !ok {
			return
		}
		start := e.now()
		img, err := e.decode(q.frame.JPEG)
		if err != nil {
			e.decodeErrors.Add(1)
			continue
		}
		took := e.now().Sub(start)
		avg := time.Duration(e.decodeNs.Load())
		e.decodeNs.Store(int64(avg + (took-avg)/8))
		e.decoded.Add(1)
		if !e.sleep(q.due.Sub(e.now())) {
			return
		}
		e.show(&picture{img: img, arrival: q.frame.Arrival, due: q.due})
	}
}

// decode turns a JPEG into RGBA, the format the GL painter uploads without
// converting on the UI goroutine.
func (e *engine) decode(b []byte) (*image.RGBA, error) {
	if e.decoder != nil {
		return e.decoder(b, e.buffer)
	}
	return DecodeJPEG(b, e.buffer)
}

// Decoder decodes one JPEG frame into an RGBA picture taken from buffer
// (nil: allocate), so that pictures are recycled. The default is
// DecodeJPEG; rtpplay plugs in libjpeg-turbo, about 8 times faster.
type Decoder func(jpeg []byte, buffer func(w, h int) *image.RGBA) (*image.RGBA, error)

// DecodeJPEG is the pure-Go Decoder: image/jpeg, then YCbCr to RGBA.
func DecodeJPEG(b []byte, buffer func(w, h int) *image.RGBA) (*image.RGBA, error) {
	src, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r := src.Bounds()
	var dst *image.RGBA
	if buffer != nil {
		dst = buffer(r.Dx(), r.Dy())
	} else {
		dst = image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	}
	draw.Draw(dst, dst.Rect, src, r.Min, draw.Src)
	return dst, nil
}
