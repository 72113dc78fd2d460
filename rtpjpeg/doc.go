// Package rtpjpeg carries baseline JPEG images over RTP as RFC 2435
// specifies: a packetizer that splits a JPEG into RTP payloads the way
// GStreamer's rtpjpegpay does (byte for byte), and a depacketizer that
// reassembles fragments, rebuilds the JPEG headers the sender stripped
// (RFC 2435 Appendix B) and returns complete images.
//
// RFC 2435 carries only the entropy-coded scan and a few parameters (type,
// Q, size in units of 8 pixels, restart interval, quantization tables); the
// receiver supplies the rest, including the standard Huffman tables of
// ISO 10918-1 Annex K.3. Package jpeghdr decides which JPEGs fit
// (jpeghdr.Info.RFC2435); anything else must be transcoded before sending.
package rtpjpeg

// PayloadType is the static RTP payload type of JPEG (RFC 3551 §6).
const PayloadType = 26

// ClockRate is the RTP timestamp clock of JPEG video (RFC 3551 §6).
const ClockRate = 90000

// DefaultMTU is the default size of a whole RTP packet, 12-byte header
// included, that Packetize produces (GStreamer's default; fits an Ethernet
// MTU with IP and UDP headers and room for tunnels).
const DefaultMTU = 1400

// rtpHeaderSize is the size of the fixed RTP header the MTU includes.
const rtpHeaderSize = 12
