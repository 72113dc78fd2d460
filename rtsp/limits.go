package rtsp

// Default limits applied by a zero Limits value.
const (
	DefaultMaxLineBytes   = 4096
	DefaultMaxHeaderBytes = 16384
	DefaultMaxHeaders     = 64
	DefaultMaxBodyBytes   = 64 << 10
	DefaultMaxFrameBytes  = MaxFramePayload
)

// Limits bounds what a Reader accepts from a peer, so that memory stays
// bounded whatever it sends. A zero field means its default; exceeding a
// limit returns the matching error (ErrLineTooLong...).
type Limits struct {
	// MaxLineBytes bounds one start or header line, terminator excluded
	// (default 4096).
	MaxLineBytes int
	// MaxHeaderBytes bounds the start line plus all header lines, with their
	// terminators (default 16384).
	MaxHeaderBytes int
	// MaxHeaders bounds the number of header lines (default 64).
	MaxHeaders int
	// MaxBodyBytes bounds Content-Length (default 64 KiB).
	MaxBodyBytes int
	// MaxFrameBytes bounds an interleaved frame payload (default 65535, the
	// largest the 16-bit length can say).
	MaxFrameBytes int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxLineBytes, DefaultMaxLineBytes)
	def(&l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	def(&l.MaxHeaders, DefaultMaxHeaders)
	def(&l.MaxBodyBytes, DefaultMaxBodyBytes)
	def(&l.MaxFrameBytes, DefaultMaxFrameBytes)
	return l
}
