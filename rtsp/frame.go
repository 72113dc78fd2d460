package rtsp

// FrameHeaderSize is the length of the interleaved frame header: '$',
// channel, 16-bit big-endian length (RFC 2326 §10.12).
const FrameHeaderSize = 4

// MaxFramePayload is the largest payload a 16-bit length can describe.
const MaxFramePayload = 0xFFFF

// Frame is a binary packet interleaved in the RTSP connection
// (RFC 2326 §10.12): RTP and RTCP over TCP, channel numbers as negotiated
// by the Transport "interleaved" parameter.
type Frame struct {
	Channel uint8
	Payload []byte
}

// AppendFrame appends the '$' framing of payload on channel to dst. The
// payload must not exceed MaxFramePayload bytes; a longer one is truncated
// (callers packetize to an MTU well below that).
func AppendFrame(dst []byte, channel uint8, payload []byte) []byte {
	if len(payload) > MaxFramePayload {
		payload = payload[:MaxFramePayload]
	}
	n := len(payload)
	dst = append(dst, '$', channel, byte(n>>8), byte(n))
	return append(dst, payload...)
}
