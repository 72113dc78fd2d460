// Package mjpeg holds the Motion-JPEG frame sources of rtpstream: the lab
// frame-file format, raw concatenated JPEG (ffmpeg -f mjpeg), directories of
// JPEG files, and a built-in moving test pattern.
//
// A frame file is read as a stream with [Reader] (format detected from the
// content by [Detect], never from the extension) or loaded whole with [Load],
// which also makes every frame carriable by RFC 2435: frames the payload
// format cannot carry (4:4:4 or 4:4:0 chroma, grayscale, progressive,
// optimized Huffman tables, 12-bit samples, 16-bit quantization tables; see
// RFC 2435 §3.1 and §4.1) are transcoded once, at load time, to baseline
// 4:2:0 JPEG with the standard Huffman tables of ISO 10918-1 Annex K.3,
// which is exactly what Go's image/jpeg encoder writes.
//
// The lab format (Kurose & Ross "Video streaming with RTSP and RTP" lab) is,
// for each frame, five ASCII decimal digits, zero padded, giving the JPEG's
// length in bytes, followed by the JPEG itself; there is no file header and
// no trailer.
package mjpeg
