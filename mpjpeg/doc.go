// Package mpjpeg reads and writes Motion-JPEG carried over HTTP as a
// multipart/x-mixed-replace body (the format of ESP32-CAM, mjpg-streamer,
// µStreamer, motion and `ffmpeg -f mpjpeg`), and polls JPEG snapshot URLs.
//
// The multipart framing follows RFC 2046 §5.1.1 (a delimiter line "--" +
// boundary before each part, part headers, a blank line, the body) with the
// liberties real cameras take, collected here as the package's quirks table:
//
//   - the reply's Content-Type is application/octet-stream or lacks the
//     boundary parameter (ffmpeg without -content_type): the boundary is
//     taken from the body, the first line starting with "--";
//   - the declared boundary already carries the leading "--", is quoted, or
//     does not match the body at all: the body's first delimiter line wins;
//   - header names in any case ("Content-length"), lines ending in "\n" only,
//     extra blank lines between parts and before a part's JPEG data;
//   - parts without Content-Length: the part ends at the next delimiter line;
//   - a Content-Length that is too short: the part is read on to the next
//     delimiter line;
//   - a body whose first part has no delimiter line in front of its headers.
//
// Whatever the stream sends, limits hold: a part's body is at most
// Options.MaxPartBytes (larger is an error, never a silent truncation, and a
// Content-Length claim is never allocated up front beyond what arrived),
// part headers and preamble at most Options.MaxHeaderBytes. Only complete
// JPEG images (SOI FF D8 .. EOI FF D9) are delivered; other parts are skipped
// and counted.
package mpjpeg
