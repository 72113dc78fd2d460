package server

import (
	"context"
	"errors"
)

// pullHTTP reads an http:// MJPEG stream or polls a snapshot URL.
func (p *puller) pullHTTP(ctx context.Context, onFrame frameFunc) error {
	return errors.New("http sources: not yet")
}
