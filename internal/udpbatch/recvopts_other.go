//go:build !linux

package udpbatch

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// GROControlSize is the control-message room a GRO read needs; off Linux
// there is none.
var GROControlSize = 0

// EnableGRO reports errors.ErrUnsupported off Linux: datagrams arrive one
// per read.
func EnableGRO(uc *net.UDPConn) error {
	return fmt.Errorf("udp gro: %w", errors.ErrUnsupported)
}

// GROSegmentSize returns 0 off Linux: every read is one datagram.
func GROSegmentSize(oob []byte) int { return 0 }

// RxTimeControlSize is 0 off Linux: no receive timestamps.
var RxTimeControlSize = 0

// EnableRxTime reports errors.ErrUnsupported off Linux.
func EnableRxTime(uc *net.UDPConn) error {
	return fmt.Errorf("udp receive timestamps: %w", errors.ErrUnsupported)
}

// RxTime finds no receive time off Linux.
func RxTime(oob []byte) (time.Time, bool) { return time.Time{}, false }
