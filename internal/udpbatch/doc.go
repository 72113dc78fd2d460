// Package udpbatch sends batches of RTP datagrams over one UDP socket with as
// few system calls as the kernel allows. It is the server's per-client hot
// path: each client's frame is a slice of 12-byte RTP headers (per client)
// plus the frame's RFC 2435 payloads (shared by every client), and datagram i
// is hdrs[i] followed by payloads[i].
//
// The model is wireguard-go's conn/ package: the API takes whole batches and
// hides the platform mechanism, chosen per Conn when it is opened and
// downgraded at run time when the kernel or NIC refuses it. Three modes exist,
// fastest first (performance.md has the measured CPU per packet):
//
//   - "gso": Linux UDP generic segmentation offload. One sendmsg(2) carries a
//     UDP_SEGMENT control message (the segment size) and the iovecs
//     hdr0,pl0,hdr1,pl1,...; the kernel (or NIC) cuts it into datagrams. Every
//     datagram but the last of one call must have the segment size, a call
//     carries at most 64 segments and 65507 bytes, so a batch that breaks
//     those rules is cut into several such messages, all handed to one
//     sendmmsg(2) when there is more than one.
//   - "sendmmsg": Linux sendmmsg(2), one message per datagram with the two
//     iovecs [hdr, payload], up to 1024 messages per system call.
//   - "single": one WriteMsgUDPAddrPort per datagram, header and payload
//     copied into a scratch buffer (UDP sockets cannot take net.Buffers).
//     This is the only mode off Linux.
//
// Decisions:
//
//   - GSO support is probed in New with getsockopt(SOL_UDP, UDP_SEGMENT), as
//     wireguard-go does: it tells whether the kernel (>= 4.18) knows the
//     option without sending anything. It cannot tell whether the egress NIC
//     checksums segmented packets; a NIC that cannot makes sendmsg fail with
//     EIO, and an oversized segment makes it fail with EINVAL. On either error
//     SendPackets switches the Conn to sendmmsg for good, resends the
//     datagrams of that call that were not sent yet, and remembers the cause
//     for GSOError.
//
//   - sendmsg/sendmmsg are raw system calls through the socket's
//     syscall.RawConn.Write, so the Go netpoller still waits on EAGAIN and
//     honours write deadlines. golang.org/x/net/ipv4.PacketConn.WriteBatch was
//     not used: it needs a net.Addr per message and takes its scratch from a
//     sync.Pool that a GC may empty, so it cannot promise zero allocations,
//     and it has no per-message GSO control message.
//
//   - All scratch (mmsghdrs, iovecs, control messages, the sockaddr) lives on
//     the Conn and grows to the largest batch seen; the RawConn callback is a
//     method value built once in New. After the first call of a given size a
//     SendPackets call allocates nothing (tests prove it for every mode).
//
//   - Listen opens a socket the Conn owns and, on Linux, keeps it out of Go's
//     network poller: a blocking descriptor with a 1 s send and 0.5 s receive
//     timeout. A socket in the poller is registered for EPOLLOUT, so every
//     datagram the kernel frees after a send wakes the poller's thread; for a
//     server sending tens of thousands of datagrams a second that wake-up
//     cost as much as the sends. New still wraps a *net.UDPConn (tests, and
//     callers that need package net's socket).
//
// The receive side has the counterpart of GSO: EnableGRO asks the kernel for
// coalesced reads (UDP_GRO), and GROSegmentSize reads the segment size from a
// read's control message so the caller can cut it back into datagrams.
//
// ICMP errors: a socket opened by Listen can ReportUnreachable (Linux:
// IP_RECVERR, IPV6_RECVERR). The kernel then queues each ICMP destination
// unreachable answering one of its datagrams on the socket's error queue,
// and Unreachable (MSG_ERRQUEUE) reports their original destinations, so
// that a server can stop sending to a client that is gone. The option
// also leaves each error pending on the socket, failing the next send
// (to any destination) or read once: those paths drain the queue and
// retry (bounded), allocating nothing.
//
// A Conn is owned by one sender goroutine: SendPackets must not be called
// concurrently. WriteTo, Mode, GSOError, ReadFrom and Close may be called from
// any goroutine.
package udpbatch
