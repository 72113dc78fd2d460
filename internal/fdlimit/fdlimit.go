// Package fdlimit reads the process's limit on open file descriptors
// (RLIMIT_NOFILE), so that the server can size its connection cap to what
// the kernel will actually let it open. It keeps the system call out of
// package server, which holds no raw system calls.
//
// Go raises the soft limit to the hard limit when a program starts on
// Linux and the BSDs (os package, since Go 1.19), so the soft limit read
// here is usually the hard one.
package fdlimit

// Soft returns the soft RLIMIT_NOFILE of the process: the most file
// descriptors it may have open at once. ok is false where the platform has
// no such limit or it cannot be read; an infinite limit is returned as the
// largest uint64.
func Soft() (n uint64, ok bool) { return soft() }
