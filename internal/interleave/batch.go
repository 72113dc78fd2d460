package interleave

// Batch modes reported by Batch.Mode.
const (
	// ModeRing: idle Conns' frames are sendmsg calls on an io_uring,
	// submitted together by Flush.
	ModeRing = "io_uring"
	// ModePerConn: every frame takes Conn.Send's routes (one writev per
	// frame where the platform has direct sends).
	ModePerConn = "per-conn"
)

// BatchOptions selects what a Batch may use. The zero value enables
// everything the platform supports.
type BatchOptions struct {
	// DisableRing keeps the Batch off io_uring even where the kernel has
	// it (tests, benchmarks, a kernel whose io_uring misbehaves).
	DisableRing bool
}

// Batch sends the frames of one scheduler wake-up to many Conns and
// Flush ends the wake-up (see the package comment). It is owned by one
// goroutine, the same one that calls Send on its Conns.
type Batch struct {
	sys batchSys // platform state: the ring and its entries
}

// NewBatch returns a Batch, with an io_uring where the kernel offers one
// (and opt allows it), else in ModePerConn. Close releases it.
func NewBatch(opt BatchOptions) *Batch {
	b := &Batch{}
	if !opt.DisableRing {
		b.sys.open()
	}
	return b
}

// Send sends f to c in this wake-up and reports its fate at once: true
// when it went (or will go at Flush, or is queued for c's writer), false
// when the whole frame was dropped (as for Conn.Send). f's payloads must
// stay unchanged until Flush returns.
func (b *Batch) Send(c *Conn, f Frame) bool {
	if !f.valid() {
		return false
	}
	if len(f.Payloads) == 0 {
		return true
	}
	return b.sys.queue(c, &f) || c.send(&f)
}

// Flush hands the frames Send took to the kernel and settles each: sent
// whole, sent in part (the rest queued for its Conn's writer), or not at
// all (queued in its reserved slot). Call it once per wake-up.
func (b *Batch) Flush() { b.sys.flush() }

// Mode reports how Send sends right now: ModeRing or ModePerConn. It only
// moves from ModeRing to ModePerConn, when a submit failed (RingError).
func (b *Batch) Mode() string {
	if b.sys.usable() {
		return ModeRing
	}
	return ModePerConn
}

// RingError returns the error of the submit that switched the Batch to
// ModePerConn, or nil.
func (b *Batch) RingError() error { return b.sys.err }

// Close releases the ring; call it once the owning goroutine is done
// with the Batch.
func (b *Batch) Close() error { return b.sys.close() }
