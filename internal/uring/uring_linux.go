package uring

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Kernel ABI constants (include/uapi/linux/io_uring.h).
const (
	opSendmsg      = 9
	enterGetEvents = 1 << 0
	featSingleMmap = 1 << 0
	offSQRing      = 0
	offCQRing      = 0x8000000
	offSQEs        = 0x10000000
)

// params is struct io_uring_params.
type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqOffsets
	cqOff                                                                  cqOffsets
}

type sqOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// sqe is struct io_uring_sqe (64 bytes).
type sqe struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64
	addr        uint64
	len         uint32
	msgFlags    uint32
	userData    uint64
	bufIndex    uint16
	personality uint16
	spliceFdIn  int32
	addr3       uint64
	_           uint64
}

// cqe is struct io_uring_cqe (16 bytes).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// Ring is an io_uring instance with its rings mapped.
type Ring struct {
	fd      int
	entries uint32
	sqMem   []byte
	cqMem   []byte // == sqMem with IORING_FEAT_SINGLE_MMAP
	sqeMem  []byte

	sqHead, sqTail, sqMask *uint32
	sqArray                []uint32
	sqes                   []sqe
	cqHead, cqTail, cqMask *uint32
	cqes                   []cqe

	queued uint32 // SQEs written since the last Submit
}

// ErrFull means the submission queue has no free entry: call Submit.
var ErrFull = errors.New("uring: submission queue full")

// New sets up a ring of at least entries submission entries. It fails
// where io_uring is missing or disabled (ENOSYS, EPERM); callers then keep
// their one-call-per-send path.
func New(entries uint32) (*Ring, error) {
	var p params
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, fmt.Errorf("uring: %w", os.NewSyscallError("io_uring_setup", errno))
	}
	r := &Ring{fd: int(fd), entries: p.sqEntries}
	fail := func(op string, err error) (*Ring, error) {
		r.Close()
		return nil, fmt.Errorf("uring: %w", os.NewSyscallError(op, err))
	}
	sqSize := int(p.sqOff.array + p.sqEntries*4)
	cqSize := int(p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(cqe{})))
	single := p.features&featSingleMmap != 0
	if single {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, offSQRing, sqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fail("mmap", err)
	}
	r.cqMem = r.sqMem
	if !single {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, cqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			return fail("mmap", err)
		}
	}
	sqeSize := int(p.sqEntries) * int(unsafe.Sizeof(sqe{}))
	if r.sqeMem, err = unix.Mmap(r.fd, offSQEs, sqeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fail("mmap", err)
	}
	u32 := func(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead, r.sqTail, r.sqMask = u32(r.sqMem, p.sqOff.head), u32(r.sqMem, p.sqOff.tail), u32(r.sqMem, p.sqOff.ringMask)
	r.sqArray = unsafe.Slice(u32(r.sqMem, p.sqOff.array), p.sqEntries)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqHead, r.cqTail, r.cqMask = u32(r.cqMem, p.cqOff.head), u32(r.cqMem, p.cqOff.tail), u32(r.cqMem, p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqMem[p.cqOff.cqes])), p.cqEntries)
	return r, nil
}

// Entries is the submission queue's size: at most this many sends per
// Submit.
func (r *Ring) Entries() int { return int(r.entries) }

// QueueSendmsg queues a non-blocking sendmsg(fd, msg, MSG_DONTWAIT|flags)
// tagged with id. msg and everything it points to must stay allocated and
// unchanged until Submit returns, and must not live on a goroutine stack.
func (r *Ring) QueueSendmsg(fd int, msg *unix.Msghdr, flags uint32, id uint64) error {
	tail := *r.sqTail // only this goroutine writes the tail
	if tail-atomic.LoadUint32(r.sqHead) >= r.entries {
		return ErrFull
	}
	i := tail & *r.sqMask
	r.sqes[i] = sqe{
		opcode: opSendmsg, fd: int32(fd), addr: uint64(uintptr(unsafe.Pointer(msg))), len: 1,
		msgFlags: flags | unix.MSG_DONTWAIT, userData: id,
	}
	r.sqArray[i] = i
	atomic.StoreUint32(r.sqTail, tail+1)
	r.queued++
	return nil
}

// Submit hands the queued sends to the kernel, waits until each has
// completed (at once: they do not block) and calls done with each one's id
// and result: bytes sent, or a negative errno (-EAGAIN: the socket buffer
// was full).
func (r *Ring) Submit(done func(id uint64, res int32)) error {
	want := r.queued
	r.queued = 0
	for submitted, completed := uint32(0), uint32(0); completed < want; {
		n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(want-submitted),
			uintptr(want-completed), enterGetEvents, 0, 0)
		if errno != 0 && errno != unix.EINTR && errno != unix.EAGAIN && errno != unix.EBUSY {
			return fmt.Errorf("uring: %w", os.NewSyscallError("io_uring_enter", errno))
		}
		if errno == 0 {
			submitted += uint32(n)
		}
		completed += r.reap(done)
	}
	return nil
}

// reap calls done for every completion in the queue and consumes them.
func (r *Ring) reap(done func(id uint64, res int32)) uint32 {
	head := *r.cqHead
	tail := atomic.LoadUint32(r.cqTail)
	n := tail - head
	for ; head != tail; head++ {
		c := &r.cqes[head&*r.cqMask]
		done(c.userData, c.res)
	}
	atomic.StoreUint32(r.cqHead, head)
	return n
}

// Close unmaps the rings and closes the ring's descriptor.
func (r *Ring) Close() error {
	if r.sqeMem != nil {
		_ = unix.Munmap(r.sqeMem)
	}
	if r.cqMem != nil && len(r.cqMem) > 0 && &r.cqMem[0] != &r.sqMem[0] {
		_ = unix.Munmap(r.cqMem)
	}
	if r.sqMem != nil {
		_ = unix.Munmap(r.sqMem)
	}
	return unix.Close(r.fd)
}
