package mediafile

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// FuzzIndexUnmarshal: any bytes in the cache folder decode to an error or
// to an index whose frames lie inside the file, never a panic or a huge
// allocation; a decoded index encodes back to the same bytes.
func FuzzIndexUnmarshal(f *testing.F) {
	ix := &Index{Format: mjpeg.FormatRaw, Size: 1000, ModTime: 1, Width: 8, Height: 8,
		Offsets: []int64{0, 500}, Lengths: []uint32{500, 500}, Flags: []uint8{0, 1}}
	b, _ := ix.MarshalBinary()
	f.Add(b)
	d := &Index{Format: mjpeg.FormatDir, Size: 1, Width: 8, Height: 8, Offsets: []int64{0}, Lengths: []uint32{9}, Flags: []uint8{0}, Names: []string{"a.jpg"}}
	b, _ = d.MarshalBinary()
	f.Add(b)
	f.Add([]byte(indexMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ix Index
		if ix.UnmarshalBinary(b) != nil {
			return
		}
		for i := range ix.Lengths {
			if ix.Format != mjpeg.FormatDir && ix.Offsets[i]+int64(ix.Lengths[i]) > ix.Size {
				t.Fatalf("frame %d outside the file", i)
			}
		}
		out, _ := ix.MarshalBinary()
		if !bytes.Equal(out, b) {
			t.Fatal("re-encoding differs")
		}
	})
}

// record builds one conversion cache record.
func record(idx int, jpg []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(idx))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(jpg)))
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(jpg))
	return append(b, jpg...)
}

// FuzzScanConversions: a conversion cache file of any content yields
// records that lie inside it and name frames of the file, never a panic.
func FuzzScanConversions(f *testing.F) {
	f.Add(append(record(0, []byte{0xFF, 0xD8, 0xFF, 0xD9}), record(3, []byte("abc"))...))
	f.Add(record(9, []byte("x")))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		locs := make([]convLoc, 4)
		end, err := scanConversions(bytes.NewReader(b), locs)
		if err != nil || end > int64(len(b)) {
			t.Fatalf("end %d of %d, err %v", end, len(b), err)
		}
		for _, l := range locs {
			if l.state == 1 && l.off+int64(l.n) > end {
				t.Fatal("record past the end")
			}
		}
	})
}
