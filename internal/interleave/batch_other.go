//go:build !linux

package interleave

// batchSys has no ring off Linux: every frame takes the per-Conn path.
type batchSys struct{ err error }

func (s *batchSys) open() {}

func (s *batchSys) usable() bool { return false }

func (s *batchSys) queue(*Conn, *Frame) bool { return false }

func (s *batchSys) flush() {}

func (s *batchSys) close() error { return nil }
