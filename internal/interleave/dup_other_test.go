//go:build !linux

package interleave

// hasDup: no duplicate descriptors off Linux.
func hasDup(*Conn) bool { return false }
