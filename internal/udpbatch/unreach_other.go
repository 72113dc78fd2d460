//go:build !linux

package udpbatch

import (
	"errors"
	"fmt"
	"net/netip"
)

// ReportUnreachable is Linux only (IP_RECVERR): elsewhere it reports
// errors.ErrUnsupported.
func (c *Conn) ReportUnreachable() error {
	return fmt.Errorf("udpbatch: report unreachable: %w", errors.ErrUnsupported)
}

// Unreachable returns out unchanged off Linux.
func (c *Conn) Unreachable(out []netip.AddrPort) []netip.AddrPort { return out }
