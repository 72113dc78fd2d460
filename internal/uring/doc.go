// Package uring is the smallest io_uring(7) the server needs: one ring that
// submits a batch of sendmsg(2) calls on many sockets with one system call
// and waits for all of them. The server's TCP path sends a frame to each of
// its clients in one scheduler tick; as separate writev(2) calls that is
// one system call (and one Go runtime syscall entry and exit) per client,
// through a ring it is one per tick.
//
// Only non-blocking sends are submitted (MSG_DONTWAIT): the kernel tries
// each at once and reports EAGAIN instead of waiting, so Submit never
// blocks on a slow client. The ring is owned by one goroutine.
package uring
