//go:build !linux

package interleave

import "net"

// directWriter does not exist off Linux: every frame goes through the
// Conn's writer goroutine.
type directWriter struct{}

func newDirectWriter(net.Conn) *directWriter { return nil }

func (d *directWriter) writev([][]byte) (n, total int) { return 0, 0 }

func (d *directWriter) closeDup() {}
