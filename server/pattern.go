package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// patternStore is the test pattern's frames, rendered in the background
// (one worker per core) from the moment the server is made, so that it
// listens at once: a frame not rendered yet is skipped like a file frame
// still converting, and PLAY renders the one it starts with itself.
type patternStore struct {
	p      *mjpeg.Pattern
	mtu    int
	frames []atomic.Pointer[storedFrame]
	cancel context.CancelFunc
	wg     sync.WaitGroup
	next   atomic.Int64 // the next frame a worker takes
	// rendered is closed when every frame is rendered (or rendering was
	// stopped).
	rendered chan struct{}
}

// renderWorkers is how many goroutines render the pattern: one, so that
// start-up rendering (about 5 ms a frame) leaves the other cores to
// clients, who may already be playing.
const renderWorkers = 1

func newPatternStore(ctx context.Context, p *mjpeg.Pattern, frames, mtu int) (*patternStore, error) {
	if frames < 1 {
		return nil, fmt.Errorf("test pattern: %w: %d frames", mjpeg.ErrNoFrames, frames)
	}
	ps := &patternStore{p: p, mtu: mtu, frames: make([]atomic.Pointer[storedFrame], frames), rendered: make(chan struct{})}
	// Frame 0 now: it is the first frame of a PLAY right after start and
	// proves the pattern packetizes.
	if err := ps.render(0); err != nil {
		return nil, err
	}
	ctx, ps.cancel = context.WithCancel(ctx)
	ps.next.Store(1)
	for range min(renderWorkers, frames) {
		ps.wg.Add(1)
		go func() {
			defer ps.wg.Done()
			for ctx.Err() == nil {
				i := int(ps.next.Add(1) - 1)
				if i >= frames {
					return
				}
				_ = ps.render(i) // the pattern's frames always packetize (frame 0 did)
			}
		}()
	}
	go func() { ps.wg.Wait(); close(ps.rendered) }()
	return ps, nil
}

// render renders and packetizes frame i unless it is there already (two
// callers may both render it; the first result is kept).
func (ps *patternStore) render(i int) error {
	if ps.frames[i].Load() != nil {
		return nil
	}
	j := ps.p.Frame(i)
	pk, err := rtpjpeg.Packetize(j, ps.mtu)
	if err != nil {
		return fmt.Errorf("test pattern: frame %d: %w", i+1, err)
	}
	ps.frames[i].CompareAndSwap(nil, &storedFrame{jpeg: j, lab: j, pk: pk})
	return nil
}

func (ps *patternStore) len() int { return len(ps.frames) }

func (ps *patternStore) frame(i int) (*storedFrame, error) {
	if f := ps.frames[i].Load(); f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("%w: test pattern frame %d not rendered yet", errFrameSkipped, i+1)
}

func (ps *patternStore) prepare(i int) { _ = ps.render(i) }

func (ps *patternStore) source(i int) ([]byte, error) {
	f, err := ps.frame(i)
	if err != nil {
		return nil, err
	}
	return f.lab, nil
}

func (ps *patternStore) close() {
	ps.cancel()
	ps.wg.Wait()
}
