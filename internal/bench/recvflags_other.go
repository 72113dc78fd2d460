//go:build !linux

package bench

// recvFlags is 0 where MSG_TRUNC does not report the real length: the
// bytes of truncated datagrams are then undercounted.
const recvFlags = 0
