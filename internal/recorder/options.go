package recorder

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// Defaults of [Options].
const (
	// DefaultSegment is a segment's length when Options.Segment is 0.
	DefaultSegment = time.Minute
	// MinSegment is the shortest segment accepted (tests use 1 s).
	MinSegment = 100 * time.Millisecond
	// DefaultGap ends a segment when no frame came for this long (a
	// publisher left, a relay reconnects), so that a segment holds no
	// hole and its frames are evenly spread over [start, mtime].
	DefaultGap = 5 * time.Second
	// DefaultQueue is how many frames a Recorder holds for its goroutine
	// (about 2 s at 30 fps; the frames are shared with the other readers,
	// so the queue costs only references).
	DefaultQueue = 64
)

// Options configure a [Writer] or [Recorder]. The zero value of each field
// but Dir takes its documented default.
type Options struct {
	// Dir is the folder the segments go to (created if missing). It must
	// be the recorder's alone: temporary files in it are recovered and
	// old segments deleted.
	Dir string
	// Segment is a segment's length: a segment ends before the first
	// frame arriving Segment or more after its own first frame. Default
	// DefaultSegment; at least MinSegment.
	Segment time.Duration
	// Gap ends a segment when the next frame arrives more than Gap after
	// the previous one (and a Recorder ends it Gap after its last frame).
	// Default DefaultGap.
	Gap time.Duration
	// MaxAge deletes complete segments whose last frame is older than
	// this; 0 keeps them.
	MaxAge time.Duration
	// MaxBytes bounds the complete segments' total size: the oldest are
	// deleted (never the newest) so that they plus one more segment of
	// the last one's size fit. 0 means no limit.
	MaxBytes int64
	// Queue is a Recorder's queue length in frames. Default DefaultQueue.
	Queue int
	// MaxFrameBytes drops larger frames and bounds recovery's read of one
	// frame. Default mjpeg.DefaultMaxFrameBytes (16 MiB).
	MaxFrameBytes int
	// Logger receives one line per event (segment recovered, deleted,
	// failure started or ended), never one per frame. Default: discard.
	Logger *slog.Logger
	// Now is the clock retention measures ages with. Default time.Now.
	Now func() time.Time

	// create opens a new segment file exclusively; tests inject failing
	// files. Default createFile.
	create func(name string) (segmentFile, error)
}

// segmentFile is what a Writer needs of an open segment (*os.File).
type segmentFile interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

// createFile creates name, failing if it exists.
func createFile(name string) (segmentFile, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

// errNoDir is returned for Options without a Dir.
var errNoDir = errors.New("recorder: no folder")

// withDefaults checks o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, errNoDir
	}
	if o.Segment == 0 {
		o.Segment = DefaultSegment
	}
	if o.Segment < MinSegment {
		return o, errors.New("recorder: segment shorter than " + MinSegment.String())
	}
	if o.Gap <= 0 {
		o.Gap = DefaultGap
	}
	if o.MaxAge < 0 || o.MaxBytes < 0 {
		return o, errors.New("recorder: negative retention limit")
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = mjpeg.DefaultMaxFrameBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.create == nil {
		o.create = createFile
	}
	return o, nil
}
