// Package jpeghdr walks the marker segments of a JPEG interchange-format
// image (ISO/IEC 10918-1 / ITU-T T.81, Annex B) without decoding it.
//
// It exists so that the RTP JPEG packetizer (RFC 2435) and the Motion-JPEG
// frame sources can answer, cheaply and without panicking on hostile input,
// the questions they need: how long is this frame (to split concatenated
// streams by walking segments), what are its dimensions, sampling factors and
// quantization tables, where does its entropy-coded data start and end, and
// can RFC 2435 carry it unchanged (see [Info.RFC2435]).
//
// Copies of the standard Huffman tables of Annex K.3 are exported
// ([StdDCLuminance], [StdACLuminance], [StdDCChrominance],
// [StdACChrominance]) because an RFC 2435 receiver rebuilds every JPEG
// header with exactly those tables ([AppendStdDHT]); the tables themselves
// cannot be changed from outside.
package jpeghdr
