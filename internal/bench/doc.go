// Package bench is rtpstream's load generator: it plays one RTSP/RTP
// Motion-JPEG URL (or one MJPEG-over-HTTP URL, see Definitions) with many
// loopback clients at once, each doing real RTSP
// (OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN; RFC 2326) over UDP or TCP
// interleaved transport, and reports what a viewer would see (loss, late
// frames, time to the first picture) and what the server paid for it (CPU
// and memory from /proc of its process).
//
// It works against any RTSP server of RFC 2435 video (ours,
// gst-rtsp-server, gortsplib), because it relies only on RTSP, the SDP
// control URLs and the RTP header.
//
// # Receiving cheaply
//
// The generator shares the machine with the server it measures, so every
// microsecond it spends is taken from the server. UDP clients read with
// recvmmsg (golang.org/x/net/ipv4 PacketConn.ReadBatch, up to 32 datagrams
// per system call) into 128-byte buffers: the kernel copies only the first
// 128 bytes of each 1400-byte datagram and discards the rest (MSG_TRUNC),
// which is all the RTP header and the RFC 2435 main header need. Each client
// socket is read by its own goroutine parked in the Go network poller (one
// epoll set for all sockets), so an idle client costs nothing and a frame
// (one burst of packets) costs about one wake-up and one system call. TCP
// clients must read every byte; they use rtsp.Reader. The generator's own
// CPU time is reported (bench_cpu_s) so a run where it competes with the
// server can be recognised.
//
// # Definitions
//
// All counts cover every packet a client received between its PLAY and the
// end of the run, except packets, server_cpu_s and bench_cpu_s, which cover
// only the measurement window (after every client is playing and a warm-up,
// for Duration), so that server_cpu_us_per_packet is the steady-state cost
// of one delivered packet, excluding RTSP set-up.
//
//   - Loss (RFC 3550 A.3): per client, expected = extended highest sequence
//     number - first sequence number + 1; lost = expected - received,
//     clamped at 0; loss_rate = sum(lost) / sum(expected).
//   - Frame: the packets sharing one RTP timestamp. A frame is complete when
//     its marker packet arrives and every packet from its first one (for
//     payload type 26, the packet whose RFC 2435 fragment offset is 0; for
//     other types, the first packet after a marker) to the marker arrived
//     in sequence with no gap. Reordering inside a frame (which loopback
//     does not do) makes it incomplete.
//   - Frame period T: 1 / a=framerate from the SDP when present, else
//     Config.FPS when set, else the median of the first 9 positive RTP
//     timestamp steps between a client's frames (one step can mislead: a
//     publisher looping a file steps 2999 then 1 tick at each loop).
//   - Late frame: let F0 be a client's first complete frame, received at
//     wall time t0 with RTP timestamp ts0. Complete frame F with timestamp
//     ts is due at t0 + (ts - ts0) / clock rate (timestamps unwrapped); F is
//     late when its last (marker) packet arrives more than T after its due
//     time. A timestamp step of k > 1.5 periods between consecutive frames
//     means round(k) - 1 frames were never sent (a server that skips frames
//     when it falls behind): they count as late too. late_frame_rate =
//     (late + skipped) / (complete frames after F0 + skipped).
//   - First-frame latency: from the moment the client has read the PLAY
//     response to the arrival of the marker packet of its first complete
//     frame (0 if the frame arrived before the response was read);
//     first_frame_ms_p50 and _p99 are nearest-rank percentiles over the
//     clients that received a complete frame.
//   - Bytes: the RTP payload bytes (datagram or interleaved frame minus the
//     RTP header) of the packets counted in packets. Truncated UDP reads
//     learn the real length from recvmmsg (MSG_TRUNC), so nothing more is
//     copied.
//   - Publish mode (Config.Publish, --publish FILE): before the clients
//     start, a Publisher (OPTIONS, ANNOUNCE with an SDP for one RFC 2435
//     stream, SETUP with mode=record over UDP or TCP, RECORD; RFC 2326
//     §10.3, §10.11; 401 answered with Digest or Basic from the URL's
//     user:password) sends the file's frames to URL at FPS (default 30)
//     until the clients have sent TEARDOWN, then sends its own. Relay
//     latency: for each complete frame a client receives during the
//     window, the time from the publisher writing that frame's last packet
//     (its clock read just before the write) to the frame's marker packet
//     reaching the client. For UDP clients on Linux "reaching" is the
//     kernel's receive time of that packet (SO_TIMESTAMPNS), which on
//     loopback is the moment the server's send delivered it: the figure is
//     how long the frame stayed in the server, without this process's own
//     delay in reading 200 sockets on the same cores
//     (relay_latency_to "kernel"); for TCP clients it is when the client
//     read the packet ("read"). relay_read_latency_ms_p50 and _p99 always
//     end at the read.
//     Frames are identified across the server's re-packetization by the
//     last 16 bytes of their entropy-coded data without the EOI marker,
//     gathered across packets; the publisher keeps its last 256 frames.
//     relay_latency_ms_p50, _p99 and _max are nearest-rank percentiles over
//     every client and frame (histogram buckets of 1 µs below 128 µs, then
//     under 1.6 % wide); relay_frames counts the frames matched,
//     relay_frames_unmatched the complete frames that were not (a frame
//     the publisher did not send, or a UDP datagram over 2048 bytes).
//     UDP clients then read whole datagrams (up to 2048 bytes) instead of
//     their first 128 bytes. publish_frames counts the frames published in
//     the window; publish_error says why the publisher stopped early.
//   - HTTP viewers (an http:// URL, such as our server's
//     /PATH/stream.mjpeg): each viewer sends one HTTP/1.1 GET (credentials
//     in the URL go as Basic, RFC 7617) on its own connection and reads
//     the multipart/x-mixed-replace body with a 64 KiB bufio reader,
//     undoing chunked coding itself and skipping each part's JPEG data in
//     the buffer by its Content-Length (no copy, nothing allocated per
//     frame; parts need Content-Length). transport is "http"; packets,
//     loss and server_cpu_us_per_packet do not apply (0, null). bytes: the
//     Content-Length of the parts completed in the window (JPEG bytes, so
//     about 1-2 % more than the RTP payload of the same frames, which
//     carry no Huffman tables). frames: parts received over the whole run.
//     First-frame latency runs from reading the response head (the
//     analogue of the PLAY response) to the end of the first part's data.
//     Skipped frames come from the parts' X-Timestamp (the time the server
//     took the frame, microseconds): period T = 1 / Config.FPS when set,
//     else the median of a viewer's first 16 timestamp gaps; a gap of k >
//     1.5 T means round(k) - 1 frames skipped (whether the server skipped
//     them for a slow viewer or never produced them). A part is late when
//     it is read more than T after its X-Timestamp (wall clocks of the same
//     machine: loopback only). late_frame_rate = (late + skipped) /
//     (stamped parts + skipped). clients_ended_early counts viewers whose
//     stream the server ended before the run did.
//   - Server CPU per kB: server_cpu_us_per_kb = server_cpu_s in µs per
//     1000 bytes of bytes, for RTSP and HTTP alike: the figure by which
//     the two deliveries of the same stream compare.
//   - Server CPU: utime + stime of --server-pid from /proc/PID/stat (all its
//     threads, clock ticks of 10 ms) over the window; server_rss_bytes is
//     VmRSS from /proc/PID/status at the end of the window, before
//     TEARDOWN. Bench CPU: getrusage(RUSAGE_SELF) over the same window.
package bench
