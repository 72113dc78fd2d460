package interleave

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxIov is the most iovecs one writev or sendmsg takes (IOV_MAX).
const maxIov = 1024

// directWriter is one non-blocking writev(2) on a connection's socket from
// the sending goroutine, and the sendmsg header a Batch queues on its
// ring. Its iovec scratch is reused, so a send allocates nothing.
type directWriter struct {
	rc  syscall.RawConn
	iov []unix.Iovec
	fn  func(fd uintptr) bool // write, bound once
	n   int
	// msg is the Batch's sendmsg header over iov; dup a duplicate of the
	// socket's descriptor that stays valid while a Batch holds the Conn
	// (-1 until first needed, closed by the writer goroutine).
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

// release drops the iovecs' references to the caller's payloads.
func (d *directWriter) release() {
	d.msg.Iov = nil
	clear(d.iov)
}

// writev writes as much of bufs as the socket takes now; n is 0 when it
// takes nothing or fails (a broken connection is left to the writer
// goroutine and the reader to notice).
func (d *directWriter) writev(bufs [][]byte) (n, total int) {
	total = d.setIov(bufs)
	d.n = 0
	if len(bufs) > 0 {
		_ = d.rc.Write(d.fn)
	}
	d.release()
	return d.n, total
}

// write is the RawConn.Write callback: one attempt, never a wait.
func (d *directWriter) write(fd uintptr) bool {
	for off := 0; off < len(d.iov); {
		cnt := min(len(d.iov)-off, maxIov)
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

// ensureDup makes d.dup a duplicate of the socket's descriptor, unless the
// writer already stopped (done closed): it would never close it. The
// caller holds the Conn's mu.
func (d *directWriter) ensureDup(done <-chan struct{}) bool {
	if d.dup >= 0 {
		return true
	}
	select {
	case <-done:
		return false
	default:
	}
	_ = d.rc.Control(func(fd uintptr) {
		d.dup, _ = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if d.dup < 0 {
		d.dup = -1
		return false
	}
	return true
}

// closeDup closes the duplicate descriptor; the writer goroutine calls it
// (under the Conn's mu) when it stops, so the socket closes with the
// connection.
func (d *directWriter) closeDup() {
	if d.dup >= 0 {
		unix.Close(d.dup)
		d.dup = -1
	}
}
