package mediafile

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// Options configure Open. The zero value indexes without a cache folder.
type Options struct {
	// CacheDir keeps frame indexes and converted frames between runs
	// (see DefaultCacheDir); "" keeps them for this process only. Never
	// the media folder, which may be read-only.
	CacheDir string
	// Reader limits the size of one frame.
	Reader mjpeg.ReaderOptions
	// Quality is the JPEG quality of transcoded frames (0: mjpeg's
	// default).
	Quality int
	// Logger receives one line per file for what is worth knowing
	// (indexing stopped early, frames converted, cache folder problems);
	// nil discards them.
	Logger *slog.Logger
}

// DefaultCacheDir is $XDG_CACHE_HOME/rtpstream (~/.cache/rtpstream), or ""
// when the user has no cache folder.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "rtpstream")
}

// ErrNotReady is returned by File.Frame for a frame still waiting for the
// converter: the caller skips it rather than wait (the converter runs far
// ahead of real time and has been told where the reader is).
var ErrNotReady = errors.New("frame not converted yet")

// ErrBadFrame is returned by File.Frame for a frame that cannot be sent
// (its headers do not parse, or it cannot be converted).
var ErrBadFrame = errors.New("frame cannot be sent")

// File is an opened media file: its index, a descriptor for reads, and the
// converter of its frames RFC 2435 cannot carry. Its methods are safe for
// concurrent use.
type File struct {
	path string
	ix   *Index
	f    *os.File // nil for a folder of JPEG files
	conv *converter
	log  *slog.Logger
}

// Open opens path (a frame file or a folder of JPEG files) for reading
// frames: the index comes from opt.CacheDir when one was made for this
// size and mtime, else it is built with one pass and stored there. Frames
// that need converting are converted by a goroutine that runs until the
// file is closed or ctx ends.
func Open(ctx context.Context, path string, opt Options) (*File, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	size, mtime, err := stamp(abs, fi)
	if err != nil {
		return nil, err
	}
	key := cacheKey(abs, size, mtime)
	ix := loadIndex(opt.CacheDir, key, size, mtime)
	if ix == nil {
		if ix, err = Build(ctx, abs, opt.Reader); err != nil {
			return nil, err
		}
		ix.Size, ix.ModTime = size, mtime
		if ix.Tail != "" {
			log.Warn("media file: playing the frames before a bad or truncated part", "file", abs, "frames", ix.Len(), "reason", ix.Tail)
		}
		if err := storeIndex(opt.CacheDir, key, ix); err != nil {
			log.Warn("media file: cannot keep the frame index in the cache folder", "file", abs, "err", err)
		}
	}
	mf := &File{path: abs, ix: ix, log: log}
	if ix.Format != mjpeg.FormatDir {
		if mf.f, err = os.Open(abs); err != nil {
			return nil, err
		}
	}
	if n := ix.NeedsConversion(); n > 0 {
		c, err := newConverter(ctx, mf, opt, key)
		if err != nil {
			mf.Close()
			return nil, err
		}
		mf.conv = c
		log.Info("media file: converting the frames RFC 2435 cannot carry, ahead of playback", "file", abs, "frames", n, "of", ix.Len(), "already_converted", c.doneCount())
	}
	return mf, nil
}

// Path is the file's absolute path.
func (mf *File) Path() string { return mf.path }

// Index is the file's frame index; it must not be modified.
func (mf *File) Index() *Index { return mf.ix }

// Len is the number of frames.
func (mf *File) Len() int { return mf.ix.Len() }

// Source reads frame i as stored in the file (the lab dialect sends these
// whole), into a new slice.
func (mf *File) Source(i int) ([]byte, error) {
	if i < 0 || i >= mf.ix.Len() {
		return nil, fmt.Errorf("frame %d of %d: %w", i+1, mf.ix.Len(), io.EOF)
	}
	n := int(mf.ix.Lengths[i])
	if mf.f == nil {
		b, err := os.ReadFile(filepath.Join(mf.path, mf.ix.Names[i]))
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i+1, err)
		}
		if len(b) < n {
			return nil, fmt.Errorf("frame %d: %s shrank to %d bytes", i+1, mf.ix.Names[i], len(b))
		}
		return b[:n:n], nil
	}
	b := make([]byte, n)
	if _, err := mf.f.ReadAt(b, mf.ix.Offsets[i]); err != nil {
		return nil, fmt.Errorf("%s: frame %d at offset %d: %w", mf.path, i+1, mf.ix.Offsets[i], err)
	}
	return b, nil
}

// Frame returns frame i ready for RFC 2435 (jpeg) and as stored (source;
// the same slice when no conversion was needed). A frame the converter has
// not reached gives ErrNotReady (and the converter moves there); one that
// cannot be sent gives an error wrapping ErrBadFrame.
func (mf *File) Frame(i int) (jpeg, source []byte, err error) {
	if i < 0 || i >= mf.ix.Len() {
		return nil, nil, fmt.Errorf("frame %d of %d: %w", i+1, mf.ix.Len(), io.EOF)
	}
	fl := mf.ix.Flags[i]
	if fl&FlagBad != 0 {
		return nil, nil, fmt.Errorf("frame %d: headers do not parse: %w", i+1, ErrBadFrame)
	}
	src, err := mf.Source(i)
	if err != nil {
		return nil, nil, err
	}
	if fl&FlagConvert == 0 {
		return src, src, nil
	}
	conv, err := mf.conv.get(i)
	if err != nil {
		return nil, nil, err
	}
	return conv, src, nil
}

// Prepare makes frame i ready now, converting it in the caller if the
// converter has not, and has the converter go on from the next one: call
// it where playback starts (PLAY, a seek) so the first frame is there at
// once. Frames that need no conversion need no preparing.
func (mf *File) Prepare(i int) {
	if i < 0 || i >= mf.ix.Len() || mf.ix.Flags[i]&FlagConvert == 0 {
		return
	}
	mf.conv.prepare(i)
}

// Converted reports how many of the frames that need converting are
// converted (or failed for good), and how many need it.
func (mf *File) Converted() (done, total int) {
	total = mf.ix.NeedsConversion()
	if mf.conv == nil {
		return total, total
	}
	mf.conv.mu.Lock()
	defer mf.conv.mu.Unlock()
	return total - mf.conv.left, total
}

// Close stops the converter and closes the file.
func (mf *File) Close() error {
	if mf.conv != nil {
		mf.conv.close()
	}
	if mf.f != nil {
		return mf.f.Close()
	}
	return nil
}

// stamp is what identifies a version of a file (its size and mtime) or of
// a folder of JPEGs (the total size of its JPEGs and a digest of their
// names, sizes and mtimes folded into the mtime), so that a JPEG rewritten
// in place, which leaves the folder's own mtime alone, gets a new index.
func stamp(abs string, fi os.FileInfo) (size, mtime int64, err error) {
	if !fi.IsDir() {
		return fi.Size(), fi.ModTime().UnixNano(), nil
	}
	ents, err := os.ReadDir(abs)
	if err != nil {
		return 0, 0, err
	}
	h := sha256.New()
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		size += info.Size()
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return size, int64(binary.LittleEndian.Uint64(d[:8]) &^ (1 << 63)), nil
}

// cacheKey names a file's cache entries: a changed file (size or mtime)
// gets new ones.
func cacheKey(abs string, size, mtime int64) string {
	h := sha256.Sum256([]byte(abs + "\x00" + strconv.FormatInt(size, 10) + "\x00" + strconv.FormatInt(mtime, 10)))
	return hex.EncodeToString(h[:16])
}

// maxIndexFile bounds an index file read from the cache.
const maxIndexFile = 64 + 13*MaxFrames + (4+maxName)*1<<20

// loadIndex reads the cached index of key, nil when there is none or it
// does not describe the file as it is now.
func loadIndex(dir, key string, size, mtime int64) *Index {
	if dir == "" {
		return nil
	}
	f, err := os.Open(filepath.Join(dir, key+".idx"))
	if err != nil {
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxIndexFile+1))
	if err != nil || len(b) > maxIndexFile {
		return nil
	}
	var ix Index
	if ix.UnmarshalBinary(b) != nil || ix.Size != size || ix.ModTime != mtime {
		return nil
	}
	return &ix
}

// storeIndex writes the index of key into dir, whole or not at all
// (temporary file, then rename).
func storeIndex(dir, key string, ix *Index) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := ix.MarshalBinary()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+key+".idx.*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, key+".idx")); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
