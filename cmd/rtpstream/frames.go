package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// eachFrame reads every frame of r, parses its JPEG header and calls fn
// with both, stopping at the first error (named after the file and the
// frame's position) or when ctx ends. It returns how many frames fn saw.
func eachFrame(ctx context.Context, r *mjpeg.Reader, name string, fn func(fr []byte, info *jpeghdr.Info) error) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		fr, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", name, err)
		}
		info, err := jpeghdr.Parse(fr)
		if err != nil {
			return n, fmt.Errorf("%s: %w", name, &mjpeg.FrameError{Frame: r.Frames(), Offset: r.Offset(), Err: err})
		}
		if err := fn(fr, info); err != nil {
			return n, err
		}
		n++
	}
}

// carriableReason is why RFC 2435 cannot carry a frame ("" when it can).
func carriableReason(info *jpeghdr.Info) (typ uint8, reason string) {
	typ, err := info.RFC2435()
	if err == nil {
		return typ, ""
	}
	var nc *jpeghdr.NotCarriableError
	if errors.As(err, &nc) {
		return 0, nc.Reason
	}
	return 0, err.Error()
}
