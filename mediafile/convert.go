package mediafile

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// convLoc is where a converted frame lies in the conversion cache file.
type convLoc struct {
	off int64
	n   uint32
	// state: 0 not converted, 1 converted, 2 failed (skipped for good),
	// 3 being converted (by the goroutine or by Prepare).
	state uint8
}

// converter converts a file's FlagConvert frames with mjpeg.MakeCarriable,
// on convertWorkers goroutines, starting where a reader last asked and
// going forward (wrapping), and appends each to the file's conversion
// cache: one record per frame (frame number, length, CRC-32, JPEG).
// Readers of the cache use pread; the goroutines end when every frame is
// done, or on close.
type converter struct {
	mf      *File
	quality int
	cache   *os.File
	temp    bool // cache is a temporary file, removed on close
	cancel  context.CancelFunc
	done    chan struct{}

	mu sync.Mutex
	// settled is signalled when a frame being converted is done.
	settled *sync.Cond
	locs    []convLoc // per frame of the file
	end     int64     // size of the cache file
	cursor  int       // next frame the goroutine looks at
	left    int       // FlagConvert frames not yet converted or failed
}

// recordHead is the size of a conversion record's header.
const recordHead = 12

// aheadWindow is how far past the converter's cursor a reader may ask
// without making it jump (it gets there soon anyway).
const aheadWindow = 64

func newConverter(ctx context.Context, mf *File, opt Options, key string) (*converter, error) {
	c := &converter{mf: mf, quality: opt.Quality, done: make(chan struct{}),
		locs: make([]convLoc, mf.ix.Len())}
	var err error
	if opt.CacheDir != "" {
		if err = os.MkdirAll(opt.CacheDir, 0o755); err == nil {
			c.cache, err = os.OpenFile(filepath.Join(opt.CacheDir, key+".conv"), os.O_RDWR|os.O_CREATE, 0o644)
		}
		if err != nil {
			mf.log.Warn("media file: cannot keep converted frames in the cache folder; using a temporary file", "err", err)
		}
	}
	if c.cache == nil {
		if c.cache, err = os.CreateTemp("", "rtpstream-conv-*"); err != nil {
			return nil, fmt.Errorf("conversion cache: %w", err)
		}
		c.temp = true
	}
	// Take what an earlier run converted; a torn last record is cut off.
	end, err := scanConversions(bufio.NewReaderSize(c.cache, 256<<10), c.locs)
	if err != nil {
		c.cache.Close()
		return nil, fmt.Errorf("conversion cache: %w", err)
	}
	if err := c.cache.Truncate(end); err != nil {
		c.cache.Close()
		return nil, fmt.Errorf("conversion cache: %w", err)
	}
	c.end = end
	for i, f := range mf.ix.Flags {
		if f&FlagConvert != 0 && c.locs[i].state == 0 {
			c.left++
		}
	}
	c.settled = sync.NewCond(&c.mu)
	ctx, c.cancel = context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range convertWorkers() {
		wg.Add(1)
		go func() { defer wg.Done(); c.run(ctx) }()
	}
	go func() { wg.Wait(); close(c.done) }()
	return c, nil
}

// scanConversions reads the records of a conversion cache into locs and
// returns the offset just past the last whole, valid record. A record
// naming a frame outside locs, longer than mjpeg.DefaultMaxFrameBytes or
// failing its CRC ends the scan there (the rest is rewritten).
func scanConversions(r io.Reader, locs []convLoc) (int64, error) {
	var (
		off  int64
		head [recordHead]byte
		buf  []byte
	)
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return off, nil
			}
			return off, err
		}
		idx := binary.LittleEndian.Uint32(head[0:])
		n := binary.LittleEndian.Uint32(head[4:])
		sum := binary.LittleEndian.Uint32(head[8:])
		if uint64(idx) >= uint64(len(locs)) || n == 0 || n > mjpeg.DefaultMaxFrameBytes {
			return off, nil
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return off, nil
			}
			return off, err
		}
		if crc32.ChecksumIEEE(buf[:n]) != sum {
			return off, nil
		}
		locs[idx] = convLoc{off: off + recordHead, n: n, state: 1}
		off += recordHead + int64(n)
	}
}

// doneCount is how many frames are converted already.
func (c *converter) doneCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, l := range c.locs {
		if l.state == 1 {
			n++
		}
	}
	return n
}

// get reads converted frame i, or tells the converter to go there.
func (c *converter) get(i int) ([]byte, error) {
	c.mu.Lock()
	l := c.locs[i]
	if l.state == 0 && (i < c.cursor || i > c.cursor+aheadWindow) {
		c.cursor = i // the goroutine picks it up after its current frame
	}
	c.mu.Unlock()
	switch l.state {
	case 0, 3:
		return nil, fmt.Errorf("frame %d: %w", i+1, ErrNotReady)
	case 2:
		return nil, fmt.Errorf("frame %d: conversion failed: %w", i+1, ErrBadFrame)
	}
	b := make([]byte, l.n)
	if _, err := c.cache.ReadAt(b, l.off); err != nil {
		return nil, fmt.Errorf("conversion cache: frame %d: %w", i+1, err)
	}
	return b, nil
}

// next picks the next frame to convert from the cursor on (wrapping), or
// -1 when none is left.
func (c *converter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.locs)
	if c.left == 0 {
		return -1
	}
	for k := 0; k < n; k++ {
		i := (c.cursor + k) % n
		if c.mf.ix.Flags[i]&FlagConvert != 0 && c.locs[i].state == 0 {
			c.cursor = i
			c.locs[i].state = 3
			return i
		}
	}
	return -1
}

// convertWorkers is how many goroutines convert one file: every core but
// one, at least one. One core converts the lab's 384x288 movie at 170-330
// frames/s, 8-16x the rate it plays at; the core left free keeps RTSP
// requests and sends on time (with every core converting, requests to
// other streams waited 10-35 ms behind the converter's time slices).
func convertWorkers() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// run converts frames until none is left or ctx ends (one of
// convertWorkers goroutines; each frame is claimed by one).
func (c *converter) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		i := c.next()
		if i < 0 {
			return
		}
		if err := c.settle(i); err != nil {
			failures++
			if failures == 1 {
				c.mf.log.Warn("media file: a frame cannot be converted; it is skipped", "file", c.mf.path, "frame", i+1, "err", err)
			}
		}
	}
}

// settle converts frame i, which the caller claimed (state 3), and records
// the outcome.
func (c *converter) settle(i int) error {
	loc, err := c.convert(i)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		loc.state = 2
	}
	c.locs[i] = loc
	c.left--
	if c.cursor == i {
		c.cursor = (i + 1) % len(c.locs)
	}
	c.settled.Broadcast()
	return err
}

// prepare converts frame i now, in the caller, unless it is converted
// already (or waits for the goroutine if it is converting it), and points
// the goroutine at the frames after it. A reader calls it where playback
// starts, so the first frame never waits for the goroutine to get there.
func (c *converter) prepare(i int) {
	c.mu.Lock()
	for c.locs[i].state == 3 {
		c.settled.Wait()
	}
	mine := c.locs[i].state == 0
	if mine {
		c.locs[i].state = 3
	}
	c.cursor = (i + 1) % len(c.locs)
	c.mu.Unlock()
	if mine {
		c.settle(i)
	}
}

// convert converts frame i and appends it to the cache.
func (c *converter) convert(i int) (convLoc, error) {
	src, err := c.mf.Source(i)
	if err != nil {
		return convLoc{}, err
	}
	out, _, err := mjpeg.MakeCarriable(src, c.quality)
	if err != nil {
		return convLoc{}, err
	}
	rec := make([]byte, recordHead, recordHead+len(out))
	binary.LittleEndian.PutUint32(rec[0:], uint32(i))
	binary.LittleEndian.PutUint32(rec[4:], uint32(len(out)))
	binary.LittleEndian.PutUint32(rec[8:], crc32.ChecksumIEEE(out))
	rec = append(rec, out...)
	c.mu.Lock()
	off := c.end
	c.end += int64(len(rec))
	c.mu.Unlock()
	if _, err := c.cache.WriteAt(rec, off); err != nil {
		return convLoc{}, fmt.Errorf("conversion cache: %w", err)
	}
	return convLoc{off: off + recordHead, n: uint32(len(out)), state: 1}, nil
}

// close stops the goroutine, waits for it and closes the cache file.
func (c *converter) close() {
	c.cancel()
	<-c.done
	c.cache.Close()
	if c.temp {
		os.Remove(c.cache.Name())
	}
}
