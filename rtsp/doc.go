// Package rtsp reads and writes RTSP/1.0 messages (RFC 2326) and parses the
// headers an RTP/JPEG server and client need.
//
// Framing (RFC 2326 §4, §6, §7, §10.12): a [Reader] returns requests,
// responses and '$'-interleaved binary frames from one byte stream, with
// size and count limits ([Limits]) so a hostile peer cannot make it grow
// without bound. [Request.Marshal] and [Response.Marshal] produce a whole
// message so it can go out in one write (one TCP segment), which the lab
// client relies on.
//
// Headers keep their order and their spelling ([Header]): lookups are
// case-insensitive, but "CSeq" is written as "CSeq", never canonicalised to
// "Cseq" the way net/textproto would.
//
// Typed headers: [Transport] (§12.39), [Session] (§12.37), [Range] (§12.29,
// npt only), [RTPInfo] (§12.33), CSeq (§12.17), Public (§12.28), and
// authentication (RFC 2617, RFC 7616): [Challenge], [Authorization].
//
// # Interop quirks handled here (the single table of them)
//
//   - Lab dialect (Kurose & Ross lab client): requests use bare "\n" line
//     endings, a scheme-less request-URI ("movie.Mjpeg"), no blank line and
//     no final newline; each request is one TCP segment. [Reader] ends such a
//     request at the end of the bytes already received and sets
//     [Request.Lab]. [Request.Marshal] writes the same shape back when Lab
//     is set (for our client talking to a lab server).
//   - Lab server replies ("RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456", no
//     terminator) are parsed with [ParseResponse] on one received segment,
//     or with a [Reader] after [Reader.SetLabResponses]. A CSeq echoed as
//     "1\r" is trimmed.
//   - The lab Transport "RTP/UDP; client_port= 25000": space after '=',
//     profile "RTP/UDP" (parsed as Profile "RTP", Lower "UDP", see
//     [Transport.LabDialect]).
//   - Bare "\n" line endings and CRLF keepalives between messages are
//     accepted everywhere.
//   - Mode may be quoted (mode="PLAY", GStreamer) or not (mode=play).
package rtsp
