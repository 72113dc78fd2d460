//go:build !linux

package udpbatch

// SendBatch sends every destination's datagrams; off Linux it is
// SendPackets per destination. It returns the first error after trying
// every destination.
func (c *Conn) SendBatch(batch []Datagrams) error { return c.sendEach(batch) }
