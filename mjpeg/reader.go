package mjpeg

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// DefaultMaxFrameBytes is the default limit on one frame's size (16 MiB):
// far above any RFC 2435-carriable frame, low enough that a corrupt file
// cannot make a reader buffer gigabytes looking for an EOI.
const DefaultMaxFrameBytes = 16 << 20

// ReaderOptions are limits for reading frame sources. The zero value uses
// the defaults.
type ReaderOptions struct {
	// MaxFrameBytes limits the size of one frame; 0 means
	// DefaultMaxFrameBytes.
	MaxFrameBytes int
}

func (o ReaderOptions) maxFrame() int {
	if o.MaxFrameBytes > 0 {
		return o.MaxFrameBytes
	}
	return DefaultMaxFrameBytes
}

// readChunk is the initial buffer size and the minimum read size.
const readChunk = 64 << 10

// Reader reads JPEG frames one at a time from a lab file, a raw MJPEG
// stream or a directory of JPEG files, holding at most one frame (plus a
// read-ahead chunk) in memory. A Reader is not safe for concurrent use.
type Reader struct {
	src    io.Reader
	closer io.Closer
	format Format
	max    int

	buf        []byte // buffered input is buf[start:end]
	start, end int
	base       int64 // file offset of buf[0]
	eof        bool  // src returned io.EOF

	frames int   // frames returned so far
	off    int64 // offset of the last returned frame's JPEG bytes
	err    error // sticky error

	dir   string   // FormatDir: directory and sorted file names
	files []string //
}

// NewReader detects the format of r from its first bytes (see [Detect]) and
// returns a Reader for it. An empty input is an error wrapping
// [ErrNoFrames].
func NewReader(r io.Reader, opt ReaderOptions) (*Reader, error) {
	rd := &Reader{src: r, max: opt.maxFrame(), buf: make([]byte, readChunk)}
	if err := rd.fill(DetectLen); err != nil {
		return nil, err
	}
	if rd.end == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrNoFrames)
	}
	f, err := Detect(rd.buf[:rd.end])
	if err != nil {
		return nil, err
	}
	rd.format = f
	return rd, nil
}

// Open opens a frame file (lab or raw, detected from its content) or a
// directory of .jpg/.jpeg files (one frame per file, in name order; names
// starting with "." are skipped). Close the Reader when done.
func Open(path string, opt ReaderOptions) (*Reader, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		files, err := jpegFiles(path)
		if err != nil {
			return nil, err
		}
		return &Reader{format: FormatDir, max: opt.maxFrame(), dir: path, files: files}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, opt)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.closer = f
	return r, nil
}

// jpegFiles lists the .jpg/.jpeg files of dir in name order.
func jpegFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range ents {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".jpg" && ext != ".jpeg") {
			continue
		}
		files = append(files, name)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w: no .jpg or .jpeg files", dir, ErrNoFrames)
	}
	return files, nil
}

// Format reports the detected format.
func (r *Reader) Format() Format { return r.format }

// Frames reports how many frames Next has returned.
func (r *Reader) Frames() int { return r.frames }

// Offset reports the byte offset in the file of the JPEG bytes of the frame
// Next last returned (after the lab length header); 0 for directories.
func (r *Reader) Offset() int64 { return r.off }

// file returns the name of the file the last frame came from (directory
// sources only).
func (r *Reader) file() string {
	if r.format != FormatDir || r.frames == 0 {
		return ""
	}
	return r.files[r.frames-1]
}

// Close closes the file opened by [Open]; it is a no-op for readers made by
// [NewReader].
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}

// Next returns the next frame, a newly allocated slice the caller owns. It
// returns io.EOF after the last frame when the input ends cleanly. A
// truncated last frame, garbage between frames, a bad lab length header or
// an over-long frame is an error (a [*FrameError] naming the frame number
// and offset), never silently dropped. Errors are sticky.
func (r *Reader) Next() ([]byte, error) {
	b, err := r.next()
	if err != nil {
		return nil, err
	}
	if r.format == FormatDir {
		return b, nil // already a fresh slice from os.ReadFile
	}
	return append([]byte(nil), b...), nil
}

// NextView is [Reader.Next] without the copy: the slice aliases the
// Reader's buffer and is valid only until the next call. Indexers that only
// look at a frame use it to read a large file without allocating per frame.
func (r *Reader) NextView() ([]byte, error) { return r.next() }

// FileName is the name (within the directory) of the file the last frame
// came from, for directory sources; "" otherwise.
func (r *Reader) FileName() string { return r.file() }

// next returns the next frame; for files the slice aliases the internal
// buffer and is valid until the next call.
func (r *Reader) next() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	var b []byte
	var err error
	switch r.format {
	case FormatLab:
		b, err = r.nextLab()
	case FormatRaw:
		b, err = r.nextRaw()
	default:
		b, err = r.nextFile()
	}
	if err != nil {
		r.err = err
		return nil, err
	}
	r.frames++
	return b, nil
}

// frameErr wraps err with the number and offset of the frame being read.
func (r *Reader) frameErr(err error) error {
	return &FrameError{Frame: r.frames + 1, Offset: r.base + int64(r.start), Err: err}
}

func (r *Reader) nextLab() ([]byte, error) {
	if err := r.fill(labHeaderLen); err != nil {
		return nil, err
	}
	avail := r.end - r.start
	if avail == 0 {
		return nil, io.EOF
	}
	if avail < labHeaderLen {
		return nil, r.frameErr(fmt.Errorf("%w: want a %d-byte length header, have %d bytes", ErrTruncated, labHeaderLen, avail))
	}
	hdr := r.buf[r.start : r.start+labHeaderLen]
	n := 0
	for _, c := range hdr {
		if c < '0' || c > '9' {
			return nil, r.frameErr(fmt.Errorf("%w: %q is not 5 decimal digits", ErrBadLength, hdr))
		}
		n = n*10 + int(c-'0')
	}
	if n == 0 {
		return nil, r.frameErr(fmt.Errorf("%w: length 0", ErrBadLength))
	}
	if n > r.max {
		return nil, r.frameErr(fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, r.max))
	}
	if err := r.fill(labHeaderLen + n); err != nil {
		return nil, err
	}
	avail = r.end - r.start
	if avail < labHeaderLen+n {
		return nil, r.frameErr(fmt.Errorf("%w: want %d bytes, have %d", ErrTruncated, n, avail-labHeaderLen))
	}
	b := r.buf[r.start+labHeaderLen : r.start+labHeaderLen+n]
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, r.frameErr(fmt.Errorf("%w: %d-byte frame starts with % x, not SOI (FF D8)", ErrNotJPEG, n, b[:min(len(b), 2)]))
	}
	r.off = r.base + int64(r.start+labHeaderLen)
	r.start += labHeaderLen + n
	return b, nil
}

func (r *Reader) nextRaw() ([]byte, error) {
	// 8 bytes, so that a not-a-JPEG error shows the same bytes however
	// the input was chunked.
	if err := r.fill(8); err != nil {
		return nil, err
	}
	avail := r.end - r.start
	if avail == 0 {
		return nil, io.EOF
	}
	if avail < 2 || r.buf[r.start] != 0xFF || r.buf[r.start+1] != 0xD8 {
		return nil, r.frameErr(fmt.Errorf("%w: found % x where a frame should start (SOI FF D8)", ErrNotJPEG, r.buf[r.start:r.start+min(avail, 8)]))
	}
	for {
		n, err := jpeghdr.FrameLength(r.buf[r.start:r.end])
		if err == nil {
			if n > r.max {
				return nil, r.frameErr(fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, r.max))
			}
			b := r.buf[r.start : r.start+n]
			r.off = r.base + int64(r.start)
			r.start += n
			return b, nil
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, r.frameErr(err)
		}
		switch {
		case r.eof:
			return nil, r.frameErr(fmt.Errorf("%w: the file ends after %d bytes of this frame, before its EOI marker", ErrTruncated, avail))
		case avail > r.max:
			return nil, r.frameErr(fmt.Errorf("%w: no EOI marker within %d bytes (limit)", ErrFrameTooLarge, r.max))
		}
		want := min(max(2*avail, readChunk), r.max+1)
		if err := r.fill(want); err != nil {
			return nil, err
		}
		avail = r.end - r.start
	}
}

// nextFile reads the next file of a directory source. Trailing bytes after
// the JPEG's EOI are dropped.
func (r *Reader) nextFile() ([]byte, error) {
	if r.frames >= len(r.files) {
		return nil, io.EOF
	}
	name := r.files[r.frames]
	fe := func(err error) error { return &FrameError{Frame: r.frames + 1, Offset: -1, File: name, Err: err} }
	path := filepath.Join(r.dir, name)
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > int64(r.max) {
		return nil, fe(fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, st.Size(), r.max))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, fe(fmt.Errorf("%w: starts with % x", ErrNotJPEG, b[:min(len(b), 8)]))
	}
	n, err := jpeghdr.FrameLength(b)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fe(fmt.Errorf("%w: %d bytes without an EOI marker", ErrTruncated, len(b)))
		}
		return nil, fe(err)
	}
	r.off = 0
	return b[:n:n], nil
}

// fill reads until at least want bytes are buffered past r.start, the input
// ends, or a read fails (returned, wrapped, and sticky). It compacts and
// grows the buffer as needed and otherwise reads as much as fits.
func (r *Reader) fill(want int) error {
	if r.end-r.start >= want || r.eof {
		return nil
	}
	if r.start+want > len(r.buf) {
		if want > len(r.buf) {
			nb := make([]byte, max(want, 2*len(r.buf)))
			copy(nb, r.buf[r.start:r.end])
			r.buf = nb
		} else {
			copy(r.buf, r.buf[r.start:r.end])
		}
		r.base += int64(r.start)
		r.end -= r.start
		r.start = 0
	}
	for zero := 0; r.end-r.start < want; {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err == io.EOF {
			r.eof = true
			return nil
		}
		if err == nil && n == 0 {
			if zero++; zero < 100 {
				continue
			}
			err = io.ErrNoProgress
		}
		if err != nil {
			r.err = fmt.Errorf("read at offset %d: %w", r.base+int64(r.end), err)
			return r.err
		}
		zero = 0
	}
	return nil
}
