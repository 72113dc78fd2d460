package mjpeg

import (
	"fmt"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// Subsampling names the chroma subsampling of a parsed JPEG the way video
// tools do: "4:2:0" (luma 2x2, chroma 1x1), "4:2:2" (2x1), "4:4:4" (equal
// factors), "4:4:0" (1x2), "4:1:1" (4x1), "gray" (one component), "CMYK"
// (four components), or the raw factors "HxV,HxV,HxV" for anything else.
// RFC 2435 §4.1 carries only 4:2:2 (type 0) and 4:2:0 (type 1).
func Subsampling(info *jpeghdr.Info) string {
	c := info.Components
	switch len(c) {
	case 1:
		return "gray"
	case 3:
	case 4:
		return "CMYK"
	default:
		return fmt.Sprintf("%d components", len(c))
	}
	if c[1].H != c[2].H || c[1].V != c[2].V || c[1].H == 0 || c[1].V == 0 ||
		c[0].H%c[1].H != 0 || c[0].V%c[1].V != 0 {
		return fmt.Sprintf("%dx%d,%dx%d,%dx%d", c[0].H, c[0].V, c[1].H, c[1].V, c[2].H, c[2].V)
	}
	switch [2]uint8{c[0].H / c[1].H, c[0].V / c[1].V} {
	case [2]uint8{1, 1}:
		return "4:4:4"
	case [2]uint8{2, 1}:
		return "4:2:2"
	case [2]uint8{2, 2}:
		return "4:2:0"
	case [2]uint8{1, 2}:
		return "4:4:0"
	case [2]uint8{4, 1}:
		return "4:1:1"
	}
	return fmt.Sprintf("%dx%d,%dx%d,%dx%d", c[0].H, c[0].V, c[1].H, c[1].V, c[2].H, c[2].V)
}
