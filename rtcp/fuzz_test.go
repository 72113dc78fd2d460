package rtcp

import (
	"reflect"
	"testing"
)

// FuzzUnmarshal feeds arbitrary bytes to Unmarshal: it must never panic, and a
// compound packet it accepts must marshal again and decode to the same
// packets.
func FuzzUnmarshal(f *testing.F) {
	for _, g := range goldenPackets {
		f.Add(unhex(f, g.wire))
	}
	for _, s := range []string{
		"81 c8 000c 12345678 e6a01234 80000000 0001e240 00000064 0000c350 9abcdef0 40fffffe 00010005 00000010 a0123480 00018000 81 ca 0004 12345678 01 09 " + hexText("user@host") + " 00 81 cb 0003 12345678 06 " + hexText("closed") + " 00",
		"80 c9 0001 00000009 a1 ca 0005 00000009 01 02 6869 00 000000 00000000 00000008",
		"a0 c9 0002 00000001 00000003",
		"81 ca 0002 00000001 01 09 6162",
		"81 cb 0002 00000001 09 616263",
		"",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkts, err := Unmarshal(data)
		if err != nil {
			return
		}
		out, err := Marshal(pkts...)
		if err != nil {
			t.Fatalf("re-marshal failed: %v", err)
		}
		if len(out) > len(data) {
			t.Fatalf("re-marshal grew from %d to %d bytes", len(data), len(out))
		}
		again, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("re-parse failed: %v", err)
		}
		if !reflect.DeepEqual(pkts, again) {
			t.Fatalf("re-parse differs:\n%s\n%s", dump(pkts), dump(again))
		}
	})
}
