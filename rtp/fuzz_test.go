package rtp

import (
	"bytes"
	"testing"
)

// FuzzUnmarshal feeds arbitrary bytes to Packet.Unmarshal: it must never panic,
// and a packet it accepts must marshal again (to the same bytes, since every
// field of the wire format is kept) and re-parse to the same fields.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{
		"80 1a 6e b2 b0 ac 62 cf ee 11 16 d4 00 000000 01 ff 50 3c 00 00 0080 05 03 04 04 04 03 05 04",
		"80 1a 1a d9 f2 fe e4 a5 c2 a2 72 6c 00 000000 41 ff 50 3c 0028 ffff 00 00 0080 08 0a 0a 0b",
		"80 9a 03 3c 6d b7 24 e3 9a af 7a d0 00 000000 01 ff 50 3c 00 00 0040 08 0a 0a 0b",
		"b1 60 0004 00000005 00000006 00000007 abcd 0001 01020304 99 00 02",
		"9f 60 0004 00000005 00000006 " + "00000007 00000008 00000009 0000000a 0000000b 0000000c 0000000d 0000000e 0000000f 00000010 00000011 00000012 00000013 00000014 00000015" + " bede 0001 10aa0000",
		"a0 1a 0000 00000000 00000000 01",
		"a0 1a 0000 00000000 00000000 aa 00",
		"90 1a 0000 00000000 00000000 bede ffff",
		"80 1a 0000",
		"",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Packet
		if err := p.Unmarshal(data); err != nil {
			return
		}
		if p.MarshalSize() != len(data) {
			t.Fatalf("MarshalSize %d != input length %d", p.MarshalSize(), len(data))
		}
		buf := make([]byte, p.MarshalSize())
		n, err := p.MarshalTo(buf)
		if err != nil {
			t.Fatalf("re-marshal of a parsed packet failed: %v (%+v)", err, p)
		}
		// Padding octets other than the count are not kept; compare the rest.
		end := len(data) - int(p.PaddingSize)
		if !bytes.Equal(buf[:end], data[:end]) || (p.PaddingSize > 0 && buf[n-1] != data[len(data)-1]) {
			t.Fatalf("re-marshal differs:\n got % x\nwant % x", buf[:n], data)
		}
		var q Packet
		if err := q.Unmarshal(buf[:n]); err != nil {
			t.Fatalf("re-parse failed: %v", err)
		}
		if !equalHeader(&p.Header, &q.Header) || !bytes.Equal(p.Payload, q.Payload) || p.PaddingSize != q.PaddingSize {
			t.Fatalf("re-parse differs: %+v vs %+v", p, q)
		}
	})
}
