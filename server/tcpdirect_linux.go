package server

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// directWriter is one non-blocking writev(2) on a TCP connection's socket,
// from a goroutine other than its writer (the scheduler). Its iovec scratch
// is reused, so a write allocates nothing.
type directWriter struct {
	rc  syscall.RawConn
	iov []unix.Iovec
	fn  func(fd uintptr) bool
	n   int
	// msg and dup serve the batched path (tcpbatch_linux.go): the
	// sendmsg header over iov, and a duplicate of the socket's descriptor
	// that stays valid while a batch holds it (-1 until first needed).
	msg unix.Msghdr
	dup int
}

// newDirectWriter returns nil when nc exposes no socket (tests' pipes).
func newDirectWriter(nc net.Conn) *directWriter {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	d := &directWriter{rc: rc, dup: -1}
	d.fn = d.write
	return d
}

// setIov points d.iov at bufs and returns their total length.
func (d *directWriter) setIov(bufs [][]byte) (total int) {
	if cap(d.iov) < len(bufs) {
		d.iov = make([]unix.Iovec, len(bufs), 2*len(bufs))
	}
	d.iov = d.iov[:len(bufs)]
	for i, b := range bufs {
		total += len(b)
		d.iov[i].Base = unsafe.SliceData(b)
		d.iov[i].SetLen(len(b))
	}
	return total
}

// writev writes as much of bufs as the socket takes now; n is 0 when it
// takes nothing or fails (a broken connection is left to its writer and
// reader to notice).
func (d *directWriter) writev(bufs [][]byte) (n, total int) {
	total = d.setIov(bufs)
	d.n = 0
	if len(bufs) > 0 {
		_ = d.rc.Write(d.fn)
	}
	clear(d.iov) // drop references to the stream's payloads
	return d.n, total
}

// write is the RawConn.Write callback: one attempt, never a wait.
func (d *directWriter) write(fd uintptr) bool {
	for off := 0; off < len(d.iov); {
		cnt := min(len(d.iov)-off, 1024) // IOV_MAX
		r, _, e := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&d.iov[off])), uintptr(cnt))
		if e == unix.EINTR {
			continue
		}
		if e != 0 || r == 0 {
			return true
		}
		d.n += int(r)
		// Stop at a short write; else go on with the next IOV_MAX chunk.
		want := 0
		for _, v := range d.iov[off : off+cnt] {
			want += int(v.Len)
		}
		if int(r) < want {
			return true
		}
		off += cnt
	}
	return true
}
