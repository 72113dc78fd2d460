//go:build !linux

package server

// tcpBatch does not exist off Linux: TCP frames take the per-connection
// path.
type tcpBatch struct{}

func newTCPBatch() *tcpBatch { return nil }

func (b *tcpBatch) queue(*Session, *tcpOut, outItem) bool { return false }

func (b *tcpBatch) flush() {}

func (d *directWriter) closeDup() {}

func (b *tcpBatch) close() {}
