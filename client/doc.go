// Package client plays Motion-JPEG streams from RTSP servers: ours,
// GStreamer's, mediamtx, IP cameras (RFC 2326 RTSP 1.0, RFC 3550 RTP/RTCP,
// RFC 2435 JPEG payload, RFC 4566 SDP), and the Kurose-Ross lab's server in
// its own dialect.
//
// # Use
//
//	s, err := client.Dial(ctx, "rtsp://host:8554/test", client.Config{})
//	err = s.Play(ctx)              // Setup first if needed
//	for { select { case f := <-s.Frames(): ...; case <-s.Done(): ... } }
//	err = s.Teardown(ctx)          // also closes
//
// Dial sends OPTIONS and DESCRIBE (following up to three 3xx, answering 401
// with Basic or Digest MD5/SHA-256 qop=auth), parses the SDP and resolves
// the control URLs against Content-Base (RFC 2326 C.1.1, via package sdp).
// Setup, Play, Pause and Teardown are separate calls with a State the
// desktop player shows; Stats is a snapshot of the reception statistics.
//
// # Transports
//
//   - "udp": two local ports, even RTP and odd RTCP, bound to the address
//     the control connection uses; RTP and RTCP are accepted only from the
//     server's IP. The receive loop reads with a 0.5 s timeout (as the lab
//     specifies) and puts packets back in order in a small bounded buffer
//     (8 packets or 50 ms) before the depacketizer.
//   - "tcp": RTP/AVP/TCP interleaved on channels 0-1 (RFC 2326 §10.12),
//     read by the connection's single reader goroutine.
//   - "auto" (default): UDP first; TCP when SETUP answers 461, or when no
//     packet arrives within 3 s of PLAY (TEARDOWN, then SETUP over TCP on
//     the same connection, or a new one if the server closed it).
//
// # Session upkeep
//
// A keepalive (GET_PARAMETER when the server's Public lists it, else
// OPTIONS) goes out whenever no request was sent for half the session
// timeout (Session;timeout=, default 60 s). Receiver reports (RR + SDES
// CNAME) go every ~5 s (randomised, RFC 3550 §6.3) to server_port+1 or the
// interleaved RTCP channel, built by rtcp.ReceiverStats.Report with LSR and
// DLSR from the server's last SR. An RTCP BYE from the server ends the
// stream (ErrEndOfStream); so does a closed connection. No RTP for
// MediaTimeout (10 s) while playing ends it with ErrTimeout.
//
// # Statistics
//
// Every RTP packet updates an rtcp.ReceiverStats on arrival, before any
// reordering: received, expected and lost from extended sequence numbers
// (RFC 3550 A.1, A.3), duplicates (not counted as received), reordered, and
// the interarrival jitter (A.8), reported in milliseconds. Frame counts come
// from the rtpjpeg.Depacketizer: complete frames, and frames dropped for a
// missing or inconsistent fragment, which are never delivered.
//
// # The lab dialect
//
// With Config.Lab, or when the server leaves OPTIONS unanswered for
// LabProbeTimeout (the lab server ignores OPTIONS and DESCRIBE), the client
// speaks lab-dialect.md: the request-URI is the bare file name (last
// element of rtsp://HOST:PORT/FILE), SETUP carries exactly
// "Transport: RTP/UDP; client_port= N" on line 3 with CSeq on line 2, lines
// end in "\n" with no terminator, each request is one write of at most 256
// bytes, one request at a time, each reply is read as one segment with a
// timeout (the lab server stays silent out of state) and parsed with
// rtsp.ParseResponse. The connection is closed after TEARDOWN. Payloads are
// whole JPEGs; the stream ends when no packet arrives for LabEndTimeout
// (2 s). The lab's RTP timestamps are whole seconds, so its jitter is
// computed against the nominal 50 ms frame schedule instead.
//
// # Concurrency
//
// Goroutines per session: the control connection's reader, a timer loop
// (keepalive, RTCP, idle checks), and for UDP one RTP and one RTCP reader.
// Close (or Teardown) stops them all and waits for them. Frames are
// delivered on a buffered channel; when the consumer falls behind, frames
// are dropped and counted (Stats.FramesQueueDropped) rather than stalling
// the network reads.
package client
