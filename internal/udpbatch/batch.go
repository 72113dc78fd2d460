package udpbatch

import "net/netip"

// Datagrams are one destination's datagrams in a SendBatch: datagram i is
// Hdrs[i] followed by Payloads[i], as in SendPackets.
type Datagrams struct {
	Dst      netip.AddrPort
	Hdrs     [][]byte
	Payloads [][]byte
}

// sendEach is SendBatch without batching: SendPackets per destination. It
// returns the first error after trying every destination.
func (c *Conn) sendEach(batch []Datagrams) error {
	var first error
	for i := range batch {
		if err := c.SendPackets(batch[i].Dst, batch[i].Hdrs, batch[i].Payloads); err != nil && first == nil {
			first = err
		}
	}
	return first
}
