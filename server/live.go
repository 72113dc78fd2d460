package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// liveFrame is one frame of a live stream, packetized once when its last
// byte arrived and shared by every reader.
type liveFrame struct {
	// jpeg is the whole frame (the lab's readers get it as is).
	jpeg []byte
	// pk are its RFC 2435 payloads for the server's MTU, always with
	// two 128-byte tables in-band (Q=255).
	pk *rtpjpeg.Packetized
	// ts is the frame's time on the stream's timeline (90 kHz).
	ts uint32
	// arrival is when its last byte arrived.
	arrival time.Time
}

// frameReader is one reader of a live stream. RTSP sessions (UDP, TCP and
// the lab's dialect) are one implementation; an HTTP viewer or a recorder is
// one more, in its own file, with no change to the scheduler or the hub.
type frameReader interface {
	// deliver hands the reader a frame, in the scheduler's wake-up after
	// the frame completed (live paths) or from a file's feed. It must not
	// block: a reader that cannot take the frame now queues it (bounded)
	// or drops it, counted. The *liveFrame is valid only during the call;
	// its jpeg and pk never change and may be kept.
	deliver(f *liveFrame, now time.Time)
	// end stops the reader because its path ended (the publisher left,
	// the path was removed, the server is shutting down). Called without
	// the path's lock.
	end(reason string)
}

// errPathBusy refuses a second publisher on a path that does not allow
// replacing (409 Conflict).
var errPathBusy = errors.New("path has a publisher")

// liveStream is a live path of the hub: one source at a time (a publisher
// or a relay puller) and any number of readers, all on one shared
// timeline. A frame is packetized once when it completes and handed to the
// scheduler, which sends it to every playing reader in the same wake-up.
//
// Ownership: readers is replaced (copy on write) under mu and read without
// a lock by the scheduler goroutine; every other field is guarded by mu.
type liveStream struct {
	srv *Server
	// st is the path's catalog entry (st.live points back here).
	st  *Stream
	cfg PathConfig
	// dynamic marks a path made by a publisher under Config.Publish; it
	// leaves the catalog when its publisher does.
	dynamic bool

	// readers are the playing readers, for the scheduler.
	readers atomic.Pointer[[]frameReader]

	mu sync.Mutex
	// sessions are the readers attached to the path (RTSP sessions set up,
	// playing or not; HTTP viewers): the relay runs while there are any,
	// and they end (RTSP: with BYE) when the path does.
	sessions map[frameReader]struct{}
	// pending are publisher sessions set up and not recording yet.
	pending   map[*Session]struct{}
	publisher *Session
	// epoch increases with every new source connection (publisher or
	// relay reconnect), so the timeline knows where timestamps jump.
	epoch uint64
	tl    timeline
	last  *liveFrame
	// frames counts frames delivered; dropped counts frames lost on the
	// way in (missing fragments, over the size limit, not convertible).
	frames, dropped uint64
	// connected says a relay's source is delivering frames; reconnects
	// counts its connections after the first.
	connected  bool
	reconnects uint64
	// puller is the running relay (nil when stopped); stopTimer closes an
	// on-demand relay CloseAfter after its last reader left.
	puller    *puller
	stopTimer *time.Timer
	// idleGen identifies the latest stopTimer: a timer that fired while a
	// reader came and went again is stale and does nothing.
	idleGen uint64
	closed  bool
	// rec records the path (record.go); nil when it does not record.
	rec *pathRecorder
	// warmJPEG and warmPk hold the memory of the next frame's JPEG (a
	// publisher's depacketizer output) and packets, its pages touched
	// ahead (warm.go).
	warmJPEG, warmPk warmBuf
}

func newLiveStream(srv *Server, cfg PathConfig, dynamic bool) *liveStream {
	ls := &liveStream{
		srv: srv, cfg: cfg, dynamic: dynamic,
		sessions: make(map[frameReader]struct{}), pending: make(map[*Session]struct{}),
	}
	ls.st = &Stream{Name: cfg.Name, Live: true, live: ls}
	return ls
}

// start begins the path's recording (record.go), an always-on relay, or an
// on-demand one that readers (or the recording) came to before the
// server's context existed.
func (ls *liveStream) start() {
	ls.startRecording()
	if ls.cfg.Kind == SourcePublisher {
		return
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.cfg.AlwaysOn || len(ls.sessions) > 0 {
		ls.startPullerLocked()
	}
}

// attach registers a reader of the path (an RTSP session at SETUP, an HTTP
// viewer); the first one starts an on-demand relay.
func (ls *liveStream) attach(ss frameReader) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed {
		return errors.New("path closed")
	}
	ls.sessions[ss] = struct{}{}
	ls.idleGen++
	if ls.stopTimer != nil {
		ls.stopTimer.Stop()
		ls.stopTimer = nil
	}
	if ls.cfg.Kind != SourcePublisher {
		ls.startPullerLocked()
	}
	return nil
}

// addPending registers a publisher session between SETUP and RECORD.
func (ls *liveStream) addPending(ss *Session) {
	ls.mu.Lock()
	ls.pending[ss] = struct{}{}
	ls.mu.Unlock()
}

// gc takes a path made by a publisher out of the catalog once nobody uses
// it.
func (ls *liveStream) gc() {
	if !ls.dynamic {
		return
	}
	ls.srv.cat.removeLive(ls, func() bool {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		if ls.publisher != nil || len(ls.sessions) > 0 || len(ls.pending) > 0 {
			return false
		}
		ls.closed = true
		return true
	})
}

// detach forgets a reader; after the last one an on-demand relay stops
// CloseAfter later (unless a reader comes back first).
func (ls *liveStream) detach(ss frameReader) {
	ls.mu.Lock()
	delete(ls.sessions, ss)
	ls.setPlayingLocked(ss, false)
	if len(ls.sessions) == 0 && ls.puller != nil && !ls.cfg.AlwaysOn && !ls.closed {
		if ls.stopTimer != nil {
			ls.stopTimer.Stop()
		}
		ls.idleGen++
		gen := ls.idleGen
		ls.stopTimer = time.AfterFunc(ls.cfg.CloseAfter, func() { ls.stopIdle(gen) })
	}
	ls.mu.Unlock()
	ls.gc()
}

// stopIdle stops the relay if still no reader came. The puller is stopped
// outside mu: it takes mu itself to hand over frames.
func (ls *liveStream) stopIdle(gen uint64) {
	ls.mu.Lock()
	p := ls.puller
	if len(ls.sessions) > 0 || p == nil || gen != ls.idleGen {
		ls.mu.Unlock()
		return
	}
	ls.puller = nil
	ls.stopTimer = nil
	ls.mu.Unlock()
	ls.srv.log.Info("relay idle: disconnecting", "stream", ls.st.Name, "after", ls.cfg.CloseAfter)
	p.stop()
}

// setPlaying adds a reader to those the scheduler sends to, or takes it
// out (PAUSE, TEARDOWN).
func (ls *liveStream) setPlaying(r frameReader, on bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.setPlayingLocked(r, on)
}

func (ls *liveStream) setPlayingLocked(r frameReader, on bool) {
	var cur []frameReader
	if p := ls.readers.Load(); p != nil {
		cur = *p
	}
	next := make([]frameReader, 0, len(cur)+1)
	for _, o := range cur {
		if o != r {
			next = append(next, o)
		}
	}
	if on && !ls.closed {
		next = append(next, r)
	}
	ls.readers.Store(&next)
}

// readable tells whether readers may DESCRIBE the path: a relay always, a
// publish target while it has a publisher or when it waits for one.
func (ls *liveStream) readable() bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return !ls.closed && (ls.cfg.Kind != SourcePublisher || ls.publisher != nil || ls.cfg.WaitForPublisher)
}

// nowTS is the timeline's timestamp at now (RTP-Info, sender reports).
func (ls *liveStream) nowTS(now time.Time) uint32 {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.tl.at(now)
}

// setConnected records whether a relay's source delivers frames.
func (ls *liveStream) setConnected(on bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if on && !ls.connected && ls.frames > 0 {
		ls.reconnects++
	}
	ls.connected = on
}

// newEpoch marks the start of a new source connection.
func (ls *liveStream) newEpoch() uint64 {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.epoch++
	return ls.epoch
}

// push hands a complete, RFC 2435-carriable JPEG from the path's source to
// its readers: packetized once here, on the source's goroutine, then sent
// by the scheduler to every playing reader in one wake-up. src is the
// source's timestamp (hasSrc false when it has none) and epoch the source
// connection it came from.
func (ls *liveStream) push(jpeg []byte, src uint32, hasSrc bool, epoch uint64, arrival time.Time) error {
	// The packets' buffer: the JPEG's size covers the scan and tables; a
	// sixteenth more covers the RFC 2435 headers down to small MTUs
	// (PacketizeTo allocates should it not).
	pk := &rtpjpeg.Packetized{Buf: ls.warmPk.get(len(jpeg) + len(jpeg)/16 + 64)}
	if err := rtpjpeg.PacketizeTo(pk, jpeg, ls.srv.cfg.MTU); err != nil {
		ls.mu.Lock()
		ls.dropped++
		ls.mu.Unlock()
		return fmt.Errorf("packetize: %w", err)
	}
	f := &liveFrame{jpeg: jpeg, pk: pk, arrival: arrival}
	ls.mu.Lock()
	if ls.closed || epoch != ls.epoch {
		// A stopped source's last frames: not on the timeline.
		ls.mu.Unlock()
		return nil
	}
	f.ts = ls.tl.next(src, hasSrc, epoch, arrival)
	ls.last = f
	ls.frames++
	ls.mu.Unlock()
	ls.srv.sched.post(ls, f)
	return nil
}

// warm prepares the memory of the path's next frame (warmBuf); the
// scheduler calls it after a frame of the path went out.
func (ls *liveStream) warm() {
	ls.warmJPEG.refill()
	ls.warmPk.refill()
}

// countDropped counts a frame lost on the way in.
func (ls *liveStream) countDropped(n uint64) {
	ls.mu.Lock()
	ls.dropped += n
	ls.mu.Unlock()
}

// claim makes ss the path's publisher. A busy path refuses it unless the
// path allows replacing, in which case the old publisher is closed.
func (ls *liveStream) claim(ss *Session) error {
	ls.mu.Lock()
	delete(ls.pending, ss)
	old := ls.publisher
	if old != nil && old != ss && !ls.cfg.Replace {
		ls.mu.Unlock()
		return errPathBusy
	}
	if ls.closed {
		ls.mu.Unlock()
		return errors.New("path closed")
	}
	ls.publisher = ss
	ls.epoch++
	ss.pub.epoch.Store(ls.epoch)
	ls.mu.Unlock()
	if old != nil && old != ss {
		ls.srv.closeSession(old, "replaced by a new publisher")
	}
	return nil
}

// busy tells whether another session publishes to the path.
func (ls *liveStream) busy(ss *Session) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.publisher != nil && ls.publisher != ss && !ls.cfg.Replace
}

// release ends ss's publishing: its readers get BYE and their sessions end
// (unless the path waits for the next publisher), and a path made by the
// publisher leaves the catalog.
func (ls *liveStream) release(ss *Session, reason string) {
	ls.mu.Lock()
	delete(ls.pending, ss)
	if ls.publisher != ss {
		ls.mu.Unlock()
		ls.gc()
		return
	}
	ls.publisher = nil
	ls.epoch++
	var readers []frameReader
	if !ls.cfg.WaitForPublisher {
		for r := range ls.sessions {
			readers = append(readers, r)
		}
	}
	ls.mu.Unlock()
	ls.srv.log.Info("publisher left", "stream", ls.st.Name, "session", ss.id, "reason", reason, "readers_closed", len(readers))
	for _, r := range readers {
		r.end("publisher left")
	}
	ls.gc()
}

// close ends the path (removed from the configuration, server shutting
// down): the relay stops and every session on it ends with BYE.
func (ls *liveStream) close(reason string) {
	ls.mu.Lock()
	if ls.closed {
		ls.mu.Unlock()
		return
	}
	ls.closed = true
	all := make([]frameReader, 0, len(ls.sessions)+1)
	for r := range ls.sessions {
		all = append(all, r)
	}
	if ls.publisher != nil {
		all = append(all, ls.publisher)
	}
	p := ls.puller
	ls.puller = nil
	if ls.stopTimer != nil {
		ls.stopTimer.Stop()
		ls.stopTimer = nil
	}
	ls.readers.Store(&[]frameReader{})
	ls.mu.Unlock()
	if p != nil {
		p.stop()
	}
	for _, r := range all {
		r.end(reason)
	}
}

// startPullerLocked starts the relay if it is not running. Called with mu
// held.
func (ls *liveStream) startPullerLocked() {
	ls.srv.mu.Lock()
	base := ls.srv.baseCtx
	ls.srv.mu.Unlock()
	if ls.puller != nil || ls.closed || base == nil || base.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(base)
	p := &puller{ls: ls, cancel: cancel, done: make(chan struct{})}
	ls.puller = p
	ls.srv.bg.Add(1)
	go func() {
		defer ls.srv.bg.Done()
		p.run(ctx)
	}()
}
