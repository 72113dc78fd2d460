//go:build !linux

package server

// newWaker returns the portable waker.
func newWaker() waker { return newChanWaker() }
