package mjpeg

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// forEach runs fn(i) for every i in [0, n) on a bounded pool of
// runtime.GOMAXPROCS goroutines. It stops handing out work at the first
// error or when ctx is done, waits for the goroutines, and returns the error
// of the lowest index that failed (indexes are handed out in order, so this
// is the first failure in frame order), else ctx's error, else nil.
func forEach(ctx context.Context, n int, fn func(i int) error) error {
	if n <= 0 {
		return ctx.Err()
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		mu       sync.Mutex
		firstIdx = n
		firstErr error
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if i < firstIdx {
						firstIdx, firstErr = i, err
					}
					mu.Unlock()
					cancel()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if int(next.Load()) < n {
		return context.Cause(ctx)
	}
	return nil
}
