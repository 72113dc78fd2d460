//go:build !linux

package uring

import "errors"

// Ring is unavailable off Linux; New always fails.
type Ring struct{}

// ErrFull means the submission queue has no free entry: call Submit.
var ErrFull = errors.New("uring: submission queue full")

// New fails: io_uring is Linux's.
func New(entries uint32) (*Ring, error) { return nil, errors.ErrUnsupported }
