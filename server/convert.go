package server

import "github.com/rtpstream/rtpstream/mjpeg"

// carriable returns a relayed frame in a form RFC 2435 can carry, with the
// converter files use (mjpeg.MakeCarriable): as it is when it can; with its
// entropy-coded data re-coded losslessly to the standard Huffman tables
// when only those are wrong (ffmpeg's encoder and many cameras optimize
// them), so readers decode exactly the camera's pixels; re-encoded
// otherwise (4:4:4, progressive, grayscale, oversized). It runs once per
// frame, on the source's goroutine, for every reader.
func carriable(jpeg []byte) ([]byte, error) {
	out, _, err := mjpeg.MakeCarriable(jpeg, 0)
	return out, err
}
