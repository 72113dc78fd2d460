package rtpjpeg

import (
	"testing"

	"github.com/bluenviron/gortsplib/v4/pkg/format/rtpmjpeg"

	"github.com/rtpstream/rtpstream/rtp"
)

// gortsplibEncode packetizes a JPEG with gortsplib's RFC 2435 encoder (a
// test oracle) and converts its packets to ours through the wire format.
func gortsplibEncode(t testing.TB, jpeg []byte) []*rtp.Packet {
	t.Helper()
	enc := &rtpmjpeg.Encoder{PayloadMaxSize: 1000}
	if err := enc.Init(); err != nil {
		t.Fatal(err)
	}
	pkts, err := enc.Encode(jpeg)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*rtp.Packet, len(pkts))
	for i, p := range pkts {
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = new(rtp.Packet)
		if err := out[i].Unmarshal(b); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
