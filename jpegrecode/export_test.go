package jpegrecode

import "github.com/rtpstream/rtpstream/jpeghdr"

// RecodeWithTables is Recode writing the given tables (DC/AC of id 0, DC/AC
// of id 1) instead of the standard ones, so tests can make images with
// non-standard tables (and restart markers) that no tool here writes.
func RecodeWithTables(dst, src []byte, dc0, ac0, dc1, ac1 *jpeghdr.HuffmanTable) ([]byte, error) {
	enc := [2][2]*encTable{{newEncTable(dc0), newEncTable(dc1)}, {newEncTable(ac0), newEncTable(ac1)}}
	var dht []byte
	for _, s := range [...]struct {
		tcth byte
		t    *jpeghdr.HuffmanTable
	}{{0x00, dc0}, {0x10, ac0}, {0x01, dc1}, {0x11, ac1}} {
		dht = append(dht, 0xFF, jpeghdr.MarkerDHT, 0, byte(2+17+len(s.t.Values)), s.tcth)
		dht = append(dht, s.t.Counts[:]...)
		dht = append(dht, s.t.Values...)
	}
	st := &state{enc: &enc, dhtSeg: dht}
	return st.recode(dst, src)
}
