// Package mediafile serves the frames of a media file from disk: a frame
// index built with one sequential pass on first use and kept in a cache
// folder, frames read with pread (never the whole file in memory), and the
// frames RFC 2435 cannot carry converted ahead of the playing position by a
// background goroutine into a cache file shared by every reader. A server
// opens a file when a client first asks for it, so start-up costs nothing
// however large the library is.
package mediafile

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// Frame flags kept in the index.
const (
	// FlagConvert marks a frame RFC 2435 cannot carry as it is (4:4:4,
	// progressive, optimized Huffman tables, ...): it is converted before
	// it is sent.
	FlagConvert uint8 = 1 << iota
	// FlagBad marks a frame whose headers do not parse: it is skipped.
	FlagBad
)

// MaxFrames bounds the frames of one file (and of an index read from the
// cache): 16 Mi frames is over 6 days at 30 fps, and its index takes
// 208 MiB, the most one file may cost in memory.
const MaxFrames = 16 << 20

// Index locates the frames of one file: frame i is the bytes
// [Offsets[i], Offsets[i]+Lengths[i]) of the file (for a folder of JPEG
// files, the whole file Names[i]).
type Index struct {
	// Format is the file's layout (raw, lab or dir).
	Format mjpeg.Format
	// Size and ModTime (UnixNano) are the file's when it was indexed: a
	// file whose size or mtime differ needs a new index.
	Size    int64
	ModTime int64
	// Width and Height are the first frame's picture size.
	Width, Height int
	// FPS is the frame rate the first frame declares (mjpeg.RateOf, what
	// `rtpstream gen` writes), 0 when it declares none.
	FPS     float64
	Offsets []int64
	Lengths []uint32
	Flags   []uint8
	// Names are the files of a folder source, in play order.
	Names []string
	// Tail says why indexing stopped before the end of the file (a
	// truncated last frame, garbage): the frames before it play. Empty
	// when the whole file was indexed.
	Tail string
}

// Len is the number of frames.
func (ix *Index) Len() int { return len(ix.Lengths) }

// NeedsConversion counts the frames flagged FlagConvert.
func (ix *Index) NeedsConversion() int {
	n := 0
	for _, f := range ix.Flags {
		if f&FlagConvert != 0 {
			n++
		}
	}
	return n
}

// Build indexes the file (or folder of JPEG files) at path with one
// sequential pass, checking each frame's headers against RFC 2435. A file
// that ends mid-frame or holds garbage after some frames is indexed up to
// its last complete frame, the reason in Tail; a file without any frame is
// an error wrapping mjpeg.ErrNoFrames or the reader's error.
func Build(ctx context.Context, path string, opt mjpeg.ReaderOptions) (*Index, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	r, err := mjpeg.Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ix := &Index{Format: r.Format(), Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
	for {
		if len(ix.Lengths)%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b, err := r.NextView()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(ix.Lengths) == 0 {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			ix.Tail = err.Error()
			break
		}
		if len(ix.Lengths) >= MaxFrames {
			ix.Tail = fmt.Sprintf("more than %d frames (limit)", MaxFrames)
			break
		}
		var flags uint8
		info, err := jpeghdr.Parse(b)
		switch {
		case err != nil:
			flags = FlagBad
		default:
			if _, err := info.RFC2435(); err != nil {
				flags = FlagConvert
			}
			if ix.Width == 0 {
				ix.Width, ix.Height = info.Width, info.Height
				ix.FPS, _ = mjpeg.RateOf(b)
			}
		}
		ix.Offsets = append(ix.Offsets, r.Offset())
		ix.Lengths = append(ix.Lengths, uint32(len(b)))
		ix.Flags = append(ix.Flags, flags)
		if ix.Format == mjpeg.FormatDir {
			ix.Names = append(ix.Names, r.FileName())
		}
	}
	if ix.Width == 0 {
		return nil, fmt.Errorf("%s: %w: no frame has readable JPEG headers", path, mjpeg.ErrNoFrames)
	}
	return ix, nil
}

// indexMagic starts an index file; the digit is the format version.
const indexMagic = "RTPSIDX2"

// MarshalBinary encodes the index for the cache folder: a header, one
// 13-byte record per frame (offset, length, flags), the folder's file
// names, and a CRC-32 of everything before it.
func (ix *Index) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 64+13*len(ix.Lengths))
	b = append(b, indexMagic...)
	b = binary.LittleEndian.AppendUint64(b, uint64(ix.Size))
	b = binary.LittleEndian.AppendUint64(b, uint64(ix.ModTime))
	b = append(b, byte(ix.Format))
	b = binary.LittleEndian.AppendUint32(b, uint32(ix.Width))
	b = binary.LittleEndian.AppendUint32(b, uint32(ix.Height))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(ix.FPS))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.Lengths)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.Names)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.Tail)))
	b = append(b, ix.Tail...)
	for i := range ix.Lengths {
		b = binary.LittleEndian.AppendUint64(b, uint64(ix.Offsets[i]))
		b = binary.LittleEndian.AppendUint32(b, ix.Lengths[i])
		b = append(b, ix.Flags[i])
	}
	for _, n := range ix.Names {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(n)))
		b = append(b, n...)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

// ErrBadIndex is wrapped by UnmarshalBinary for an index file that is not
// one this version wrote whole (another version, torn, corrupt).
var ErrBadIndex = errors.New("not a valid index file")

// maxName bounds one file name in an index (Linux's NAME_MAX).
const maxName = 255

// UnmarshalBinary decodes an index written by MarshalBinary, checking its
// CRC and that every frame lies inside the file it describes, in order,
// within mjpeg.DefaultMaxFrameBytes. Errors wrap ErrBadIndex.
func (ix *Index) UnmarshalBinary(b []byte) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrBadIndex, why) }
	const head = len(indexMagic) + 8 + 8 + 1 + 4*5 + 8
	if len(b) < head+4 || string(b[:len(indexMagic)]) != indexMagic {
		return bad("no header")
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return bad("checksum mismatch")
	}
	p := body[len(indexMagic):]
	u64 := func() uint64 { v := binary.LittleEndian.Uint64(p); p = p[8:]; return v }
	u32 := func() uint32 { v := binary.LittleEndian.Uint32(p); p = p[4:]; return v }
	var out Index
	out.Size, out.ModTime = int64(u64()), int64(u64())
	out.Format = mjpeg.Format(p[0])
	p = p[1:]
	w, h := u32(), u32()
	out.FPS = math.Float64frombits(u64())
	n, names, tail := u32(), u32(), u32()
	switch {
	case out.Size < 0:
		return bad("negative size")
	case out.Format != mjpeg.FormatRaw && out.Format != mjpeg.FormatLab && out.Format != mjpeg.FormatDir:
		return bad("unknown format")
	case w == 0 || h == 0 || w > 65535 || h > 65535:
		return bad("picture size")
	case out.FPS < 0 || out.FPS > 1000 || out.FPS != out.FPS:
		return bad("frame rate")
	case n == 0 || n > MaxFrames:
		return bad("frame count")
	case uint64(tail) > uint64(len(p)) || tail > 4096:
		return bad("tail reason")
	}
	out.Width, out.Height = int(w), int(h)
	out.Tail = string(p[:tail])
	p = p[tail:]
	if uint64(len(p)) < uint64(n)*13 {
		return bad("short frame table")
	}
	out.Offsets = make([]int64, n)
	out.Lengths = make([]uint32, n)
	out.Flags = make([]uint8, n)
	var end int64
	for i := range out.Lengths {
		off, ln := int64(u64()), u32()
		out.Flags[i] = p[0]
		p = p[1:]
		if out.Format != mjpeg.FormatDir && (off < end || ln == 0 || ln > mjpeg.DefaultMaxFrameBytes || off+int64(ln) > out.Size) {
			return bad(fmt.Sprintf("frame %d outside the file or out of order", i+1))
		}
		out.Offsets[i], out.Lengths[i], end = off, ln, off+int64(ln)
	}
	if out.Format == mjpeg.FormatDir {
		if names != n {
			return bad("name count")
		}
		out.Names = make([]string, 0, n)
		for range names {
			if len(p) < 4 {
				return bad("short name table")
			}
			l := u32()
			if l == 0 || l > maxName || uint64(l) > uint64(len(p)) {
				return bad("name length")
			}
			name := string(p[:l])
			if filepath.Base(name) != name || name == "." || name == ".." {
				return bad("name is not a plain file name")
			}
			out.Names = append(out.Names, name)
			p = p[l:]
		}
	} else if names != 0 {
		return bad("names in a single-file index")
	}
	if len(p) != 0 {
		return bad("trailing bytes")
	}
	*ix = out
	return nil
}
