package server

import "github.com/rtpstream/rtpstream/rtsp"

// dialect is everything in which one kind of peer differs from another, in
// one place: a session holds one and the code asks it, instead of testing
// "is this the lab client" wherever a difference shows. There are two:
// RFC 2326/2435 (ffmpeg, GStreamer, VLC, mediamtx, cameras) and the
// Kurose-Ross lab's simplified one (../shared/design/lab-dialect.md).
type dialect struct {
	// name is how logs call it.
	name string
	// firstSeq is the first RTP sequence number, or -1 for a random one
	// (RFC 3550 5.1). The lab client drops sequence number 0 and freezes
	// on a wrap, so its sessions count from 1.
	firstSeq int
	// sessionTimeout puts ";timeout=N" on the Session header (RFC 2326
	// 12.37); the lab client parses the header as a bare integer.
	sessionTimeout bool
	// wholeJPEG sends each frame as one datagram holding the whole JPEG
	// with no RFC 2435 header, rather than RFC 2435 payloads.
	wholeJPEG bool
	// rtcp sends sender reports and BYE and maps receiver reports; the lab
	// client has no RTCP.
	rtcp bool
	// stdHeaders adds Date and Server to responses and Transport, Range and
	// RTP-Info where RFC 2326 has them. The lab client reads CSeq first and
	// Session second and nothing else, one response per segment.
	stdHeaders bool
}

var (
	// standard is RFC 2326, RFC 3550 and RFC 2435 as the real peers speak
	// them (../shared/design/interop.md).
	standard = &dialect{name: "rtsp", firstSeq: -1, sessionTimeout: true, rtcp: true, stdHeaders: true}
	// labDialect is the lab's: recognised by its request shape (bare "\n"
	// line ends, a scheme-less URI) or its "RTP/UDP" transport.
	labDialect = &dialect{name: "lab", firstSeq: 1, wholeJPEG: true}
)

// initialSeq is a new session's first RTP sequence number.
func (d *dialect) initialSeq() uint16 {
	if d.firstSeq >= 0 {
		return uint16(d.firstSeq)
	}
	return uint16(randUint32())
}

// dialectOf is the dialect a request is written in, for answering it before
// any session exists.
func dialectOf(req *rtsp.Request) *dialect {
	if req != nil && req.Lab {
		return labDialect
	}
	return standard
}
