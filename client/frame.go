package client

import "time"

// Frame is one complete JPEG image reassembled from RTP (RFC 2435), or
// received whole from a lab server. A frame with a missing fragment is never
// delivered.
type Frame struct {
	// JPEG is the complete image, SOI to EOI, owned by the receiver of the
	// Frame (it is not reused).
	JPEG []byte
	// Timestamp is the RTP timestamp of the frame (90 kHz; whole seconds
	// from a lab server).
	Timestamp uint32
	// Arrival is when the packet completing the frame arrived.
	Arrival time.Time
	// Width and Height are the image size in pixels (0 if the header could
	// not be read).
	Width, Height int
}
