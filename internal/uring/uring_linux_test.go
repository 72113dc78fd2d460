package uring

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// newRing skips where the kernel has no io_uring (or forbids it).
func newRing(t *testing.T, n uint32) *Ring {
	t.Helper()
	r, err := New(n)
	if err != nil {
		// Not a failure: containers often forbid io_uring, and the server
		// then keeps its writev path (tested on its own).
		t.Skipf("io_uring unavailable here (%v); the server falls back to writev", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// tcpPair returns a connected loopback pair: the client's socket
// descriptor (a dup the test owns) and the server side.
func tcpPair(t *testing.T) (int, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := c.(*net.TCPConn).SyscallConn()
	fd := -1
	_ = rc.Control(func(f uintptr) { fd, _ = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0) })
	t.Cleanup(func() { unix.Close(fd); c.Close(); s.Close() })
	return fd, s
}

type msg struct {
	hdr unix.Msghdr
	iov []unix.Iovec
}

func newMsg(bufs ...[]byte) *msg {
	m := &msg{iov: make([]unix.Iovec, len(bufs))}
	for i, b := range bufs {
		m.iov[i].Base = unsafe.SliceData(b)
		m.iov[i].SetLen(len(b))
	}
	m.hdr.Iov = &m.iov[0]
	m.hdr.SetIovlen(len(m.iov))
	return m
}

// TestSendmsgBatch sends to several sockets in one Submit; every byte
// arrives, in order, and each completion names its send.
func TestSendmsgBatch(t *testing.T) {
	r := newRing(t, 8)
	const n = 5
	var peers []net.Conn
	var msgs []*msg
	for i := range n {
		fd, peer := tcpPair(t)
		peers = append(peers, peer)
		m := newMsg([]byte{'$', byte(i)}, bytes.Repeat([]byte{byte(i)}, 1000+i))
		msgs = append(msgs, m)
		if err := r.QueueSendmsg(fd, &m.hdr, 0, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	got := map[uint64]int32{}
	if err := r.Submit(func(id uint64, res int32) { got[id] = res }); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if got[uint64(i)] != int32(2+1000+i) {
			t.Errorf("send %d: result %d, want %d", i, got[uint64(i)], 2+1000+i)
		}
		b := make([]byte, 2+1000+i)
		_ = peers[i].SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(peers[i], b); err != nil {
			t.Fatal(err)
		}
		if b[0] != '$' || b[1] != byte(i) || b[len(b)-1] != byte(i) {
			t.Errorf("peer %d got %v...", i, b[:4])
		}
	}
	_ = msgs
	// The ring is reusable: a second round works the same.
	fd, peer := tcpPair(t)
	m := newMsg([]byte("again"))
	if err := r.QueueSendmsg(fd, &m.hdr, 0, 42); err != nil {
		t.Fatal(err)
	}
	var res int32
	if err := r.Submit(func(id uint64, r int32) {
		if id == 42 {
			res = r
		}
	}); err != nil || res != 5 {
		t.Fatalf("second round: res %d, err %v", res, err)
	}
	b := make([]byte, 5)
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(peer, b); err != nil || string(b) != "again" {
		t.Fatalf("got %q, %v", b, err)
	}
}

// TestSendmsgFullSocketDoesNotBlock: a peer that reads nothing fills its
// socket; further sends complete at once with -EAGAIN instead of waiting
// (the scheduler must never block on one slow client).
func TestSendmsgFullSocketDoesNotBlock(t *testing.T) {
	r := newRing(t, 4)
	fd, _ := tcpPair(t)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096)
	m := newMsg(make([]byte, 64<<10))
	deadline := time.Now().Add(20 * time.Second)
	for sawEAGAIN := false; !sawEAGAIN; {
		if time.Now().After(deadline) {
			t.Fatal("never saw EAGAIN")
		}
		if err := r.QueueSendmsg(fd, &m.hdr, 0, 1); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var res int32
		if err := r.Submit(func(_ uint64, r int32) { res = r }); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Submit took %v: it waited for the socket", d)
		}
		if res < 0 {
			if -res != int32(unix.EAGAIN) {
				t.Fatalf("res %d, want -EAGAIN", res)
			}
			sawEAGAIN = true
		}
	}
}

// TestQueueFull reports ErrFull once the submission queue is full.
func TestQueueFull(t *testing.T) {
	r := newRing(t, 2)
	fd, _ := tcpPair(t)
	m := newMsg([]byte("x"))
	var err error
	for range r.Entries() + 1 {
		if err = r.QueueSendmsg(fd, &m.hdr, 0, 0); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrFull) {
		t.Fatalf("err %v, want ErrFull", err)
	}
	if err := r.Submit(func(uint64, int32) {}); err != nil {
		t.Fatal(err)
	}
	if err := r.QueueSendmsg(fd, &m.hdr, 0, 0); err != nil {
		t.Fatalf("after Submit: %v", err)
	}
	_ = r.Submit(func(uint64, int32) {})
}

// TestSubmitAllocs: a round of sends allocates nothing.
func TestSubmitAllocs(t *testing.T) {
	r := newRing(t, 4)
	fd, peer := tcpPair(t)
	go io.Copy(io.Discard, peer)
	m := newMsg([]byte("0123456789"))
	done := func(uint64, int32) {}
	allocs := testing.AllocsPerRun(100, func() {
		_ = r.QueueSendmsg(fd, &m.hdr, 0, 0)
		_ = r.Submit(done)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per round, want 0", allocs)
	}
}
