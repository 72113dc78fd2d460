package jpegrecode

import (
	"errors"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// lutBits is the number of bits the decoder looks up in one step; codes
// longer than this take the canonical-code walk of ISO 10918-1 F.2.2.3.
const lutBits = 9

// decTable decodes one Huffman table of a DHT segment (B.2.4.2, Annex C).
type decTable struct {
	// lut maps the next lutBits bits to length<<8 | symbol for codes of
	// at most lutBits bits; 0 means the code is longer (or invalid).
	lut [1 << lutBits]uint16
	// maxCode[l] is the largest code of length l, -1 when there is none;
	// valPtr[l] + code indexes vals for a code of length l (F.2.2.3).
	maxCode [17]int32
	valPtr  [17]int32
	vals    [256]byte
	nVals   int32
	defined bool
}

var errBadTable = errors.New("code lengths overflow the code space")

// build makes t decode the table with the given code-length counts and
// symbols (Annex C: codes assigned in order of length, then of position).
func (t *decTable) build(counts *[16]byte, vals []byte) error {
	clear(t.lut[:])
	var code, k int32
	for l := int32(1); l <= 16; l++ {
		n := int32(counts[l-1])
		t.valPtr[l] = k - code
		t.maxCode[l] = -1
		if n == 0 {
			code <<= 1
			continue
		}
		if code+n > 1<<l {
			return errBadTable
		}
		for range n {
			if l <= lutBits {
				shift := lutBits - l
				e := uint16(l)<<8 | uint16(vals[k])
				for j := code << shift; j < (code+1)<<shift; j++ {
					t.lut[j] = e
				}
			}
			k++
			code++
		}
		t.maxCode[l] = code - 1
		code <<= 1
	}
	copy(t.vals[:], vals[:k])
	t.nVals = k
	t.defined = true
	return nil
}

// encTable holds the code and code length of every symbol of a standard
// table (Annex C.2); size 0 marks a symbol the table cannot code.
type encTable struct {
	code [256]uint16
	size [256]uint8
}

// newEncTable derives the encoder form of t.
func newEncTable(t *jpeghdr.HuffmanTable) *encTable {
	e := new(encTable)
	code, k := uint16(0), 0
	for l := range 16 {
		for range int(t.Counts[l]) {
			e.code[t.Values[k]] = code
			e.size[t.Values[k]] = uint8(l + 1)
			code++
			k++
		}
		code <<= 1
	}
	return e
}

// stdEnc holds the Annex K.3 tables in encoder form, indexed [class][id]
// (class 0 DC, 1 AC; id 0 luminance, 1 chrominance). It is computed once
// and only read afterwards.
var stdEnc = [2][2]*encTable{
	{newEncTable(jpeghdr.StdDCLuminance()), newEncTable(jpeghdr.StdDCChrominance())},
	{newEncTable(jpeghdr.StdACLuminance()), newEncTable(jpeghdr.StdACChrominance())},
}
