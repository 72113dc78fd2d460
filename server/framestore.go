package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/rtpstream/rtpstream/mediafile"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// frameStore gives the frames of a file stream or the test pattern by
// index. frame runs on the scheduler goroutine (and on feeds and snapshot
// handlers): a frame in memory costs no allocation and no system call.
type frameStore interface {
	len() int
	// frame returns frame i (0 <= i < len). errFrameSkipped means the
	// frame is not ready or cannot be sent: the caller skips it, never
	// waits.
	frame(i int) (*storedFrame, error)
	// prepare makes frame i ready now (converted, read, packetized) where
	// playback starts, so the first frame goes out at once.
	prepare(i int)
	// source returns frame i as stored, which the lab's dialect sends
	// whole: it never waits for conversion or packetizing.
	source(i int) ([]byte, error)
	close()
}

// errFrameSkipped wraps the reasons a frame is skipped rather than sent.
var errFrameSkipped = errors.New("frame skipped")

// storedFrame is one frame ready to send: the RFC 2435-carriable JPEG, its
// payloads, and the bytes as stored (which the lab's dialect sends).
type storedFrame struct {
	jpeg []byte
	lab  []byte
	pk   *rtpjpeg.Packetized
}

// cost is what the frame takes in the frame cache.
func (f *storedFrame) cost() int64 {
	n := int64(len(f.jpeg)) + 256
	if len(f.lab) > 0 && len(f.jpeg) > 0 && &f.lab[0] != &f.jpeg[0] {
		n += int64(len(f.lab)) // a converted frame keeps its source too
	}
	for _, p := range f.pk.Payloads {
		n += int64(len(p)) + 24
	}
	return n
}

// prefetchAhead is how many frames past the one being sent a disk store
// reads ahead, off the scheduler goroutine.
const prefetchAhead = 8

// diskStore reads a file's frames from disk (mediafile) into the server's
// frame cache, packetized once for every session near the same position.
// A goroutine reads ahead of the frames asked for, so the scheduler
// normally finds them in memory.
type diskStore struct {
	mf    *mediafile.File
	cache *frameCache
	mtu   int
	// ahead receives the index to read ahead from (buffer 1: a request
	// the goroutine has not taken yet is replaced by a newer one).
	ahead  chan int
	asked  atomic.Int64 // the last index handed to ahead, +1 (0: none)
	cancel context.CancelFunc
	done   chan struct{}
	// failures counts frames skipped for read errors (logged once).
	failures atomic.Uint64
	onError  func(err error)
}

func newDiskStore(ctx context.Context, mf *mediafile.File, cache *frameCache, mtu int, onError func(error)) *diskStore {
	ds := &diskStore{mf: mf, cache: cache, mtu: mtu, ahead: make(chan int, 1), done: make(chan struct{}), onError: onError}
	ctx, ds.cancel = context.WithCancel(ctx)
	go ds.readAhead(ctx)
	return ds
}

func (ds *diskStore) len() int { return ds.mf.Len() }

func (ds *diskStore) frame(i int) (*storedFrame, error) {
	f := ds.cache.get(ds.mf, i)
	if f == nil {
		var err error
		if f, err = ds.load(i); err != nil {
			return nil, err
		}
	}
	ds.askAhead(i + 1)
	return f, nil
}

func (ds *diskStore) source(i int) ([]byte, error) {
	if f := ds.cache.get(ds.mf, i); f != nil {
		return f.lab, nil
	}
	b, err := ds.mf.Source(i)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errFrameSkipped, err)
	}
	return b, nil
}

func (ds *diskStore) prepare(i int) {
	i %= ds.mf.Len()
	ds.mf.Prepare(i)
	if ds.cache.get(ds.mf, i) == nil {
		ds.load(i)
	}
	ds.askAhead(i + 1)
}

// askAhead has the goroutine read frames from i on, unless it was asked
// for a nearby start already.
func (ds *diskStore) askAhead(i int) {
	n := ds.mf.Len()
	i %= n
	if last := int(ds.asked.Load()) - 1; last >= 0 {
		d := (i - last + n) % n
		if d < prefetchAhead/2 {
			return // its window still covers i
		}
	}
	ds.asked.Store(int64(i) + 1)
	select {
	case <-ds.ahead: // drop the older request
	default:
	}
	select {
	case ds.ahead <- i:
	default:
	}
}

// load reads, converts if needed (from the converter's cache) and
// packetizes frame i, and keeps it in the frame cache.
func (ds *diskStore) load(i int) (*storedFrame, error) {
	jpg, src, err := ds.mf.Frame(i)
	if err != nil {
		if !errors.Is(err, mediafile.ErrNotReady) && ds.failures.Add(1) == 1 && ds.onError != nil {
			ds.onError(err)
		}
		return nil, fmt.Errorf("%w: %w", errFrameSkipped, err)
	}
	pk, err := rtpjpeg.Packetize(jpg, ds.mtu)
	if err != nil {
		if ds.failures.Add(1) == 1 && ds.onError != nil {
			ds.onError(err)
		}
		return nil, fmt.Errorf("%w: frame %d: %w", errFrameSkipped, i+1, err)
	}
	f := &storedFrame{jpeg: jpg, lab: src, pk: pk}
	ds.cache.put(ds.mf, i, f)
	return f, nil
}

func (ds *diskStore) readAhead(ctx context.Context) {
	defer close(ds.done)
	n := ds.mf.Len()
	for {
		select {
		case <-ctx.Done():
			return
		case i := <-ds.ahead:
			for k := range prefetchAhead {
				j := (i + k) % n
				if ctx.Err() != nil {
					return
				}
				if ds.cache.get(ds.mf, j) == nil {
					ds.load(j) // errors were counted; the scheduler skips it
				}
			}
		}
	}
}

func (ds *diskStore) close() {
	ds.cancel()
	<-ds.done
	ds.cache.drop(ds.mf)
	ds.mf.Close()
}

// open opens a file stream on first use: its index (from the cache folder
// or one pass over the file), and its frame store. A file that cannot be
// served is remembered as such, logged once.
func (s *Server) openStream(st *Stream) error {
	if st.live != nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.rec != nil {
		return s.openRecording(st)
	}
	if st.store != nil || st.openErr != nil {
		return st.openErr
	}
	log := s.log.With("stream", st.Name)
	mf, err := mediafile.Open(s.ctx, st.file, mediafile.Options{CacheDir: s.cfg.CacheDir, Logger: log})
	if err != nil {
		st.openErr = fmt.Errorf("%s: %w", st.Name, err)
		log.Warn("not serving file", "file", st.file, "err", err)
		return st.openErr
	}
	ix := mf.Index()
	st.width, st.height = ix.Width, ix.Height
	if ix.FPS > 0 && !st.fpsFixed {
		// The file says its rate (rtpstream gen writes it): sessions,
		// made after this open, pace by it.
		st.FPS = ix.FPS
	}
	warnLabSizes(log, st.Name, ix.Lengths)
	st.store = newDiskStore(s.ctx, mf, s.frames, s.cfg.MTU, func(err error) {
		log.Warn("skipping frames that cannot be read or sent (logged once)", "file", st.file, "err", err)
	})
	s.cat.opened(st)
	return nil
}

// openRecording takes a recording's snapshot (called with st.mu held).
func (s *Server) openRecording(st *Stream) error {
	ts, err := st.rec.snapshot(s.ctx, s.frames, s.cfg.MTU, s.cfg.FPS)
	if err != nil {
		if st.store == nil {
			return err
		}
		return nil // keep the last snapshot (a segment went away meanwhile)
	}
	if st.store == nil {
		// The rate is the first snapshot's, for the stream's life: npt
		// and pacing of every session depend on it.
		st.FPS = ts.fps
		s.cat.opened(st)
	}
	ts.fps = st.FPS
	ix := ts.segs[0].mf.Index()
	st.store, st.width, st.height = ts, ix.Width, ix.Height
	return nil
}

// frameKey names a frame in the frame cache: frame i of a media file.
type frameKey struct {
	mf *mediafile.File
	i  int
}

// frameCache keeps the most recently used frames of every opened file,
// up to a byte budget (Config.FrameCacheBytes): sessions near the same
// position share one copy, and memory does not grow with the library.
type frameCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	m      map[frameKey]*cacheEntry
	// head is the most recently used entry of a circular list.
	head *cacheEntry
}

type cacheEntry struct {
	key        frameKey
	f          *storedFrame
	cost       int64
	prev, next *cacheEntry
}

func newFrameCache(budget int64) *frameCache {
	return &frameCache{budget: budget, m: make(map[frameKey]*cacheEntry)}
}

// get returns the cached frame, nil when it is not in the cache.
func (c *frameCache) get(mf *mediafile.File, i int) *storedFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[frameKey{mf, i}]
	if e == nil {
		return nil
	}
	if e != c.head {
		c.unlink(e)
		c.pushFront(e)
	}
	return e.f
}

// put adds a frame, evicting the least recently used ones over budget.
func (c *frameCache) put(mf *mediafile.File, i int, f *storedFrame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := frameKey{mf, i}
	if c.m[k] != nil {
		return
	}
	e := &cacheEntry{key: k, f: f, cost: f.cost()}
	c.m[k] = e
	c.pushFront(e)
	c.used += e.cost
	for c.used > c.budget && c.head != nil && c.head.prev != e {
		c.remove(c.head.prev)
	}
}

// drop removes every frame of mf (it was closed).
func (c *frameCache) drop(mf *mediafile.File) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if k.mf == mf {
			c.remove(e)
		}
	}
}

// bytes is the cache's current size.
func (c *frameCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

func (c *frameCache) remove(e *cacheEntry) {
	c.unlink(e)
	delete(c.m, e.key)
	c.used -= e.cost
}

func (c *frameCache) pushFront(e *cacheEntry) {
	if c.head == nil {
		e.prev, e.next = e, e
	} else {
		e.next, e.prev = c.head, c.head.prev
		c.head.prev.next = e
		c.head.prev = e
	}
	c.head = e
}

func (c *frameCache) unlink(e *cacheEntry) {
	if e.next == e {
		c.head = nil
	} else {
		e.prev.next, e.next.prev = e.next, e.prev
		if c.head == e {
			c.head = e.next
		}
	}
	e.prev, e.next = nil, nil
}
