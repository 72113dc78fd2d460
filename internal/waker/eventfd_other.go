//go:build !linux

package waker

// newPlatform has no eventfd to offer off Linux: New returns the timer
// waker.
func newPlatform() Waker { return nil }
