package mjpeg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// DefaultMaxTotalBytes is the default limit on the frames [Load] keeps in
// memory for one file (1 GiB).
const DefaultMaxTotalBytes = 1 << 30

// LoadOptions configure [Load] and [Prepare]. The zero value uses the
// defaults.
type LoadOptions struct {
	// ReaderOptions limit the size of one frame.
	ReaderOptions
	// MaxTotalBytes limits the total size of the frames read from one
	// source; 0 means DefaultMaxTotalBytes.
	MaxTotalBytes int64
	// Quality is the JPEG quality (1..100) of transcoded frames; 0 means
	// DefaultQuality (90).
	Quality int
	// Fit prepares frames the way `rtpstream convert --rfc2435` does:
	// frames larger than MaxDimension (2040) are scaled down to fit,
	// keeping the aspect ratio, and sizes that are not a multiple of 8 are
	// padded (see [Transcode]). Without Fit a frame larger than 2040 is an
	// error wrapping ErrSize, and odd sizes are kept (RFC 2435 carries them
	// rounded up to whole 8x8 blocks).
	Fit bool
	// Logger, when set, receives one line per source that needed
	// converting, saying how many frames were re-coded and transcoded
	// (never one line per frame).
	Logger *slog.Logger
	// Progress, when set, is called after each frame is checked or
	// transcoded with the number done so far and the total. Calls are
	// serialized but come from worker goroutines.
	Progress func(done, total int)
}

// Video is a whole frame source in memory, every frame ready to be carried
// by RFC 2435 unchanged.
type Video struct {
	// Frames are the JPEG frames in order, each SOI through EOI, all
	// carriable by RFC 2435 as they are.
	Frames [][]byte
	// Source are the frames as read, before any transcoding (the same
	// slices as Frames where nothing changed). The lab dialect sends whole
	// JPEGs, which need no RFC 2435 compatibility, and the lab client
	// truncates frames over 20480 bytes, so a server should send it these.
	Source [][]byte
	// Width and Height are the frame size in pixels (all frames share it).
	Width, Height int
	// Format is the source's format.
	Format Format
	// Chroma is the subsampling of the source's first frame (see
	// [Subsampling]); after transcoding, frames are 4:2:0.
	Chroma string
	// Recoded counts the frames whose entropy-coded data was re-coded
	// losslessly with the standard Huffman tables at load time, Transcoded
	// those decoded and re-encoded (see [MakeCarriable]); Reason says why
	// (the distinct reasons, in order of first appearance, comma
	// separated), "" when no frame was converted.
	Recoded    int
	Transcoded int
	Reason     string
}

// Bytes returns the total size of the frames.
func (v *Video) Bytes() int64 {
	var n int64
	for _, f := range v.Frames {
		n += int64(len(f))
	}
	return n
}

// Load reads a whole frame source (lab file, raw MJPEG or directory of
// JPEG files; see [Open]) and prepares it for RFC 2435 with [Prepare].
func Load(path string, opt LoadOptions) (*Video, error) {
	return LoadContext(context.Background(), path, opt)
}

// LoadContext is [Load] with a context that cancels transcoding.
func LoadContext(ctx context.Context, path string, opt LoadOptions) (*Video, error) {
	r, err := Open(path, opt.ReaderOptions)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	limit := opt.MaxTotalBytes
	if limit <= 0 {
		limit = DefaultMaxTotalBytes
	}
	var (
		frames [][]byte
		locs   []frameLoc
		total  int64
	)
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if total += int64(len(b)); total > limit {
			return nil, fmt.Errorf("%s: %w: frames total more than %d bytes (limit)", path, ErrFrameTooLarge, limit)
		}
		frames = append(frames, b)
		locs = append(locs, frameLoc{offset: r.Offset(), file: r.file()})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	v, err := prepare(ctx, frames, locs, r.Format(), opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if opt.Logger != nil && v.Recoded+v.Transcoded > 0 {
		opt.Logger.Info("converted frames RFC 2435 cannot carry",
			"file", path, "recoded", v.Recoded, "transcoded", v.Transcoded, "of", len(v.Frames), "reason", v.Reason,
			"chroma", v.Chroma, "size", fmt.Sprintf("%dx%d", v.Width, v.Height),
			"quality", quality(opt.Quality), "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return v, nil
}

// frameLoc says where a frame came from, for errors.
type frameLoc struct {
	offset int64
	file   string
}

func quality(q int) int {
	if q <= 0 {
		return DefaultQuality
	}
	return min(q, 100)
}

// Prepare checks every frame with jpeghdr.Parse and Info.RFC2435 and
// converts, once and on a bounded worker pool, the frames RFC 2435 cannot
// carry as [MakeCarriable] does: re-coded losslessly when only the Huffman
// tables are wrong, else transcoded (see [Transcode]; with opt.Fit, a frame
// whose size needs fitting is always transcoded). Frames that are fine are
// kept as is (not copied).
// All frames must have the same size. f is recorded as the Video's format.
func Prepare(ctx context.Context, frames [][]byte, f Format, opt LoadOptions) (*Video, error) {
	return prepare(ctx, frames, nil, f, opt)
}

type prepared struct {
	data   []byte // frame to carry
	source []byte // frame as read, SOI through EOI
	w, h   int
	chroma string
	reason string // why it was converted; "" if kept
	conv   Conversion
}

func prepare(ctx context.Context, frames [][]byte, locs []frameLoc, f Format, opt LoadOptions) (*Video, error) {
	if len(frames) == 0 {
		return nil, ErrNoFrames
	}
	fe := func(i int, err error) error {
		e := &FrameError{Frame: i + 1, Offset: -1, Err: err}
		if i < len(locs) {
			e.Offset, e.File = locs[i].offset, locs[i].file
			if e.File != "" {
				e.Offset = -1
			}
		}
		return e
	}
	out := make([]prepared, len(frames))
	var (
		mu   sync.Mutex
		done int
	)
	q := quality(opt.Quality)
	err := forEach(ctx, len(frames), func(i int) error {
		p, err := prepareFrame(frames[i], q, opt.Fit)
		if err != nil {
			return fe(i, err)
		}
		out[i] = p
		if opt.Progress != nil {
			mu.Lock()
			done++
			opt.Progress(done, len(frames))
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := &Video{Frames: make([][]byte, len(frames)), Source: make([][]byte, len(frames)), Width: out[0].w, Height: out[0].h, Format: f, Chroma: out[0].chroma}
	var reasons []string
	for i, p := range out {
		if p.w != v.Width || p.h != v.Height {
			return nil, fe(i, fmt.Errorf("%w: %dx%d, but frame 1 is %dx%d (mixed sizes)", ErrSize, p.w, p.h, v.Width, v.Height))
		}
		v.Frames[i] = p.data
		v.Source[i] = p.source
		switch p.conv {
		case Recoded:
			v.Recoded++
		case Transcoded:
			v.Transcoded++
		}
		if p.reason != "" {
			if !contains(reasons, p.reason) {
				reasons = append(reasons, p.reason)
			}
		}
	}
	v.Reason = strings.Join(reasons, ", ")
	return v, nil
}

func contains(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

// prepareFrame checks one frame and converts it if RFC 2435 cannot carry it
// (or, with fit, transcodes it if its size needs fitting).
func prepareFrame(b []byte, q int, fit bool) (prepared, error) {
	info, err := jpeghdr.Parse(b)
	if err != nil {
		return prepared{}, err
	}
	p := prepared{data: b[:info.Length:info.Length], source: b[:info.Length:info.Length], w: info.Width, h: info.Height, chroma: Subsampling(info)}
	if info.Width == 0 || info.Height == 0 {
		return p, fmt.Errorf("%w: %dx%d", ErrSize, info.Width, info.Height)
	}
	tooLarge := info.Width > MaxDimension || info.Height > MaxDimension
	if tooLarge && !fit {
		return p, fmt.Errorf("%w: %dx%d, RFC 2435 carries at most %dx%d; scale it down with rtpstream convert --rfc2435",
			ErrSize, info.Width, info.Height, MaxDimension, MaxDimension)
	}
	if _, err := info.RFC2435(); err != nil {
		var nc *jpeghdr.NotCarriableError
		if !errors.As(err, &nc) {
			return p, err
		}
		p.reason = nc.Reason
	}
	switch {
	case p.reason == "" && fit && tooLarge:
		p.reason = jpeghdr.ReasonTooLarge
	case p.reason == "" && fit && needsFit(info.Width, info.Height):
		p.reason = fmt.Sprintf("size %dx%d not a multiple of 8", info.Width, info.Height)
	}
	if p.reason == "" {
		return p, nil
	}
	data, conv, ti, err := convert(b, info, p.reason, q, fit)
	if err != nil {
		return p, err
	}
	p.data, p.conv, p.w, p.h = data, conv, ti.Width, ti.Height
	return p, nil
}
