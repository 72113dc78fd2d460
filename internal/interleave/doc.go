// Package interleave sends RTP and RTCP interleaved on an RTSP connection
// (RFC 2326 10.12: each packet framed as '$', a channel byte and a 16-bit
// length) to many clients with as few system calls and goroutine wake-ups
// as the platform allows. It is the server's TCP transport below the
// session: the server hands it frames, it hides how they reach the kernel.
//
// A Conn wraps one client's net.Conn. Conn.Send sends one frame without
// ever blocking the caller, by the first of these routes that applies:
//
//   - direct: nothing is queued and no one is writing, so the frame goes to
//     the socket with one non-blocking writev(2) from the caller's goroutine
//     (Linux; no goroutine wake-up per client-frame). If the kernel takes
//     only part, the rest is copied and queued ahead of anything else, so
//     the framing stays intact.
//   - queued: the frame waits in a bounded queue for the Conn's writer
//     goroutine (Run), which coalesces what is queued into one writev with
//     a write deadline; a slow reader thus never blocks the sender.
//   - dropped: the queue is full (or the writer stopped): the whole frame is
//     dropped, never a part of it, and Send reports false.
//
// Conn.Stop ends the writer at once (what is queued is dropped); Conn.Drain
// is the end at shutdown: the writer writes what was accepted (the last
// RTCP BYE behind the last frames), then ends, within a deadline.
//
// A Batch sends one scheduler wake-up's frames to many Conns together: on
// Linux, each idle Conn's frame becomes a non-blocking sendmsg(2) on an
// io_uring (internal/uring) and Flush submits them all with one system
// call (200 clients: 200 writev calls a tick become one io_uring_enter;
// measured -33 % CPU per packet). Batch.Send reports the frame's fate at
// once, as Conn.Send does: a Conn taken into a batch has a queue slot
// reserved, so a frame the kernel refuses at Flush (EAGAIN) or takes in
// part is queued in that slot and is never dropped after the fact. Frames
// the ring cannot take (a busy Conn, a frame of more than IOV_MAX iovecs,
// no io_uring) take Conn.Send's routes.
//
// The model is wireguard-go's conn/: a batch API hides the mechanism,
// platform code is split by file suffix (_linux.go, _other.go), the ring
// is probed when a Batch is made (NewBatch) and a failed submit switches
// it to the per-Conn path for good, its cause kept for RingError.
//
// Safety: a Conn whose frame is in a batch stays write-locked until Flush,
// and the ring sends on a duplicate of its descriptor that the writer
// goroutine closes on its way out (under the same lock), so a connection
// closed mid-tick cannot have its descriptor number reused under the
// kernel.
//
// The send path allocates nothing once warm: headers go into per-Conn
// scratch, payloads are the caller's slices (shared by every client of a
// stream), the iovecs and sendmsg headers live on the Conn.
package interleave
