// Package sdp writes the Session Description Protocol (RFC 4566) document our
// RTSP server returns to DESCRIBE and parses the subset a client needs from
// other servers' descriptions: origin, name, connection address, session and
// media control URLs (RFC 2326 §C.1.1), the presentation range (§C.1.5),
// media lines, rtpmap and framerate.
//
// [Session.Marshal] emits exactly the shape real clients are known to accept
// (shared/design/interop.md, "What servers must answer"). [Unmarshal] is
// tolerant: LF or CRLF line ends, unknown line types and attributes ignored
// or kept verbatim in Attributes, c= at session or media level.
// [ResolveControl] turns an a=control value into the URL to send SETUP or
// PLAY to.
package sdp
