package interleave

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config's zero fields.
const (
	// DefaultQueueFrames is about a second of video at 30 fps.
	DefaultQueueFrames = 32
	// DefaultWriteTimeout is how long a write may wait for a reader.
	DefaultWriteTimeout = 10 * time.Second
)

// maxCoalesce bounds the buffers the writer goroutine gathers into one
// writev (net.Buffers splits at IOV_MAX itself).
const maxCoalesce = 512

// Config sets a Conn's limits. The zero value uses the defaults.
type Config struct {
	// QueueFrames is how many frames (and RTCP packets) may wait for the
	// writer goroutine; a frame that finds the queue full is dropped
	// whole. Default DefaultQueueFrames.
	QueueFrames int
	// WriteTimeout bounds each write of the writer goroutine and of
	// WriteMessage: a reader that takes nothing for this long is gone, and
	// the writer closes the connection. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.QueueFrames <= 0 {
		c.QueueFrames = DefaultQueueFrames
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	return c
}

// Conn sends interleaved RTP and RTCP (RFC 2326 10.12) and the RTSP
// messages of one connection; the package comment describes its routes.
// Create it with New, run its writer with Run, end it with Stop.
//
// Ownership: mu serialises every write on nc (writer goroutine, direct
// sends, a Batch holding the Conn until Flush, WriteMessage); d, dw and
// partials belong to the sending goroutine (one at a time: Send and
// Batch.Send callers), used under mu; w and wbufs belong to the writer
// goroutine; queue, pending, queued and done are safe from any goroutine.
type Conn struct {
	nc  net.Conn
	cfg Config
	mu  sync.Mutex

	queue chan item
	done  chan struct{}
	once  sync.Once
	// drain asks the writer goroutine to write what is accepted and end
	// (Drain); drainBy, set before drain is closed, bounds its writes;
	// finished is closed when Run returns.
	drain     chan struct{}
	drainOnce sync.Once
	drainBy   time.Time
	finished  chan struct{}
	// drained records that Run ended because a Drain's items were all
	// written.
	drained atomic.Bool
	// tail is the unsent rest of a frame the kernel took only part of
	// (under mu): whoever writes next under mu (the writer goroutine,
	// woken by kick, or WriteMessage) writes it first, so nothing lands
	// inside a frame.
	tail []byte
	kick chan struct{}
	// pending counts items accepted and not yet written (queued, being
	// written, reserved, or the tail); a direct send needs it at 0, so it
	// never overtakes them.
	pending atomic.Int64
	// queued counts items in queue plus slots reserved by a Batch; an item
	// is only accepted while it stays within cap(queue), so putting it in
	// the channel never blocks.
	queued atomic.Int64

	// d is the sending goroutine's writev scratch; dw its non-blocking
	// writev (nil where the platform or net.Conn has none).
	d  frameBufs
	dw *directWriter
	// partials counts sends the kernel took only part of.
	partials int

	// w is the writer goroutine's scratch; wbufs the copy WriteTo
	// consumes (a field, so it does not escape per write).
	w     frameBufs
	wbufs net.Buffers
}

// New returns a Conn sending on nc. Its writer goroutine is not running
// yet: call Run. The caller keeps owning nc; the Conn closes it only after
// a failed write.
func New(nc net.Conn, cfg Config) *Conn {
	cfg = cfg.withDefaults()
	return &Conn{
		nc: nc, cfg: cfg,
		queue:    make(chan item, cfg.QueueFrames),
		done:     make(chan struct{}),
		drain:    make(chan struct{}),
		kick:     make(chan struct{}, 1),
		finished: make(chan struct{}),
		dw:       newDirectWriter(nc),
	}
}

// Send sends f without blocking: written directly when the connection is
// idle, else queued for the writer. False means the whole frame was
// dropped: the queue is full, the writer stopped, or a payload exceeds
// MaxPayload. A frame without payloads has nothing to send and is true.
// Send is called from one goroutine at a time (with Batch.Send).
func (c *Conn) Send(f Frame) bool {
	if !f.valid() {
		return false
	}
	return c.send(&f)
}

func (c *Conn) send(f *Frame) bool {
	if len(f.Payloads) == 0 {
		return true
	}
	return c.dw != nil && c.tryDirect(f) || c.push(item{f: *f})
}

// SendPacket queues a raw packet (RTCP) for channel ch; false when the
// queue is full, the writer stopped, or b exceeds MaxPacket. It is safe
// from any goroutine; b must not change until written.
func (c *Conn) SendPacket(ch uint8, b []byte) bool {
	if len(b) > MaxPacket {
		return false
	}
	return c.push(item{f: Frame{Channel: ch}, raw: b})
}

// WriteMessage writes b (an RTSP message) in one write call, between
// interleaved frames (after the rest of a frame sent in part), within the
// write timeout.
func (c *Conn) WriteMessage(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	if c.tail != nil {
		_, err := c.nc.Write(c.tail)
		c.tail = nil
		c.pending.Add(-1)
		if err != nil {
			return fmt.Errorf("interleave: write the rest of a frame: %w", err)
		}
	}
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("interleave: write message: %w", err)
	}
	return nil
}

// Backlog is how many frames and packets were accepted but are not yet
// all written to the socket (queued, being written, or a frame's unsent
// rest): 0 means the next Send may go straight to the socket. Safe from
// any goroutine.
func (c *Conn) Backlog() int { return int(c.pending.Load()) }

// Stop ends the writer goroutine; what is still queued is not written.
// Later sends report false. Safe from any goroutine, more than once.
func (c *Conn) Stop() { c.once.Do(func() { close(c.done) }) }

func (c *Conn) stopped() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Drain asks the writer goroutine to write everything accepted so far
// (and whatever is sent meanwhile) and end, and waits until it has, or
// until deadline; then it stops the writer as Stop does. It reports
// whether nothing was left unwritten. Writes made while draining time out
// at deadline. A server calls it at shutdown so that its last packets
// (RTCP BYE, RFC 3550 6.6) reach the client before it closes the
// connection; Stop is the ordinary, immediate end. Without Run, Drain
// waits until deadline. Safe from any goroutine; later calls only wait.
func (c *Conn) Drain(deadline time.Time) bool {
	c.drainOnce.Do(func() {
		c.drainBy = deadline
		close(c.drain)
	})
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-c.finished:
	case <-t.C:
	}
	c.Stop()
	return c.drained.Load()
}

// Run writes queued items until Stop or a write error (which closes the
// connection: a reader that accepts nothing for the write timeout is
// gone), or until a Drain's items are written. On its way out it releases
// the Batch's duplicate descriptor.
func (c *Conn) Run() {
	defer close(c.finished)
	defer c.closeDup()
	var held item
	have := false
	for {
		c.w.reset()
		c.w.addSlot() // for a tail, which goes first
		n := int64(0)
		draining := false
		if have {
			c.w.add(&held)
			n++
			have = false
		}
		if n == 0 {
			select {
			case <-c.done:
				return
			case <-c.drain:
				draining = true
			case <-c.kick:
			case it := <-c.queue:
				c.queued.Add(-1)
				c.w.add(&it)
				n++
			}
		}
		if !draining {
			select {
			case <-c.drain:
				draining = true
			default:
			}
		}
		// Coalesce whatever else is already queued into the same writev.
	more:
		for len(c.w.bufs) < maxCoalesce {
			select {
			case it := <-c.queue:
				c.queued.Add(-1)
				c.w.add(&it)
				n++
			default:
				break more
			}
		}
		c.mu.Lock()
		if c.tail != nil {
			c.w.bufs[1], c.tail = c.tail, nil
			n++
		}
		var err error
		if n > 0 {
			wd := time.Now().Add(c.cfg.WriteTimeout)
			if draining && c.drainBy.Before(wd) {
				wd = c.drainBy
			}
			_ = c.nc.SetWriteDeadline(wd)
			c.wbufs = c.w.bufs
			_, err = c.wbufs.WriteTo(c.nc)
			c.pending.Add(-n)
		}
		// Under mu no direct or batched send is half done, so pending
		// counts only what is queued or about to be.
		idle := c.pending.Load() == 0
		c.mu.Unlock()
		if err != nil {
			c.Stop()
			c.nc.Close()
			return
		}
		if draining {
			if n > 0 {
				continue // more may be queued: loop back to drain it
			}
			if idle {
				c.drained.Store(true) // everything accepted is written
				return
			}
			// An item is reserved and on its way into the queue (push
			// between reserve and commit), or a tail is announced.
			select {
			case <-c.done:
				return
			case <-c.kick:
			case held = <-c.queue:
				c.queued.Add(-1)
				have = true
			}
		}
	}
}

// tryDirect writes f with one non-blocking writev when the connection is
// idle; false when it is not (the caller queues f). Once tried, the frame
// is accepted: what the kernel did not take waits in the reserved slot.
func (c *Conn) tryDirect(f *Frame) bool {
	if !c.acquire() {
		return false
	}
	c.d.reset()
	c.d.addFrame(f)
	n, total := c.dw.writev(c.d.bufs)
	c.settle(f, n, total)
	return true
}

// acquire takes mu and reserves a queue slot if the connection is idle:
// the writer running, no one else writing, nothing pending. A frame may
// then go to the socket without overtaking anything, and whatever the
// socket does not take has room in the queue; settle releases both.
func (c *Conn) acquire() bool {
	if c.stopped() || !c.mu.TryLock() {
		return false
	}
	if c.pending.Load() != 0 || !c.reserve() {
		c.mu.Unlock()
		return false
	}
	return true
}

// settle ends a send of f from c.d that wrote n of total bytes (n < 0:
// an errno) and unlocks mu. Sent whole, the reservation acquire made is
// released. Sent in part, the unsent rest is copied to c.tail, which the
// next write under mu sends before anything else, so the framing stays
// intact. Not sent, the frame takes the reserved queue slot: the writer
// goroutine sends it once the socket drains (or finds the connection
// broken and closes it).
func (c *Conn) settle(f *Frame, n, total int) {
	defer c.mu.Unlock()
	switch {
	case n >= total:
		c.unreserve()
	case n > 0:
		c.partials++
		c.queued.Add(-1) // the tail needs no queue slot; it stays pending
		c.tail = c.d.tail(n)
		select {
		case c.kick <- struct{}{}:
		default: // a kick is already waiting
		}
	default:
		c.commit(item{f: *f})
	}
}

// reserve accepts one item ahead of putting it in the queue: it counts
// as pending and holds a queue slot. False when the queue is full.
func (c *Conn) reserve() bool {
	c.pending.Add(1) // first, so no direct send overtakes it
	if c.queued.Add(1) > int64(cap(c.queue)) {
		c.unreserve()
		return false
	}
	return true
}

// unreserve takes back a reservation that needs no slot after all (the
// item went to the socket whole, or was refused).
func (c *Conn) unreserve() {
	c.queued.Add(-1)
	c.pending.Add(-1)
}

// commit puts a reserved item in the queue; the reservation keeps a slot
// free, so it does not block.
func (c *Conn) commit(it item) {
	select {
	case c.queue <- it:
	default:
		// Unreachable while every sender reserves first; never block the
		// caller.
		c.unreserve()
	}
}

// push queues it without blocking; false when the queue is full or the
// writer stopped.
func (c *Conn) push(it item) bool {
	if c.stopped() || !c.reserve() {
		return false
	}
	c.commit(it)
	return true
}

// closeDup closes the Batch's duplicate descriptor once no batch holds
// the connection (mu).
func (c *Conn) closeDup() {
	if c.dw == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dw.closeDup()
}
