package udpbatch

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestGSOChunk(t *testing.T) {
	tests := []struct {
		name     string
		sizes    []int // payload sizes; headers are 12 bytes
		maxSegs  int
		maxBytes int
		want     []int // datagrams per GSO send
	}{
		{"frame", repeat(24, 1388, 700), 64, maxGSOBytes, []int{25}},
		{"allEqual", repeat(5, 100), 64, maxGSOBytes, []int{5}},
		{"one", []int{10}, 64, maxGSOBytes, []int{1}},
		{"segLimit", repeat(130, 10), 64, maxGSOBytes, []int{64, 64, 2}},
		{"byteLimit", repeat(50, 1388), 64, maxGSOBytes, []int{46, 4}},
		{"longerBreaks", []int{10, 10, 20, 20, 5}, 64, maxGSOBytes, []int{2, 3}},
		{"shorterEnds", []int{10, 5, 10, 10}, 64, maxGSOBytes, []int{2, 2}},
		{"emptyDatagram", []int{-12, 3, 3}, 64, maxGSOBytes, []int{1, 2}},
		{"tooBig", []int{70000, 10, 10}, 64, maxGSOBytes, []int{1, 2}},
		{"emptyPayloads", repeat(3, 0), 64, maxGSOBytes, []int{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hdrs, payloads [][]byte
			for _, n := range tc.sizes {
				h := make([]byte, 12)
				if n < 0 { // a datagram with no header and no payload
					h, n = nil, 0
				}
				hdrs = append(hdrs, h)
				payloads = append(payloads, make([]byte, n))
			}
			var got []int
			for i := 0; i < len(payloads); {
				n, seg := gsoChunk(hdrs[i:], payloads[i:], tc.maxSegs, tc.maxBytes)
				if n < 1 {
					t.Fatalf("gsoChunk at %d returned %d", i, n)
				}
				if want := len(hdrs[i]) + len(payloads[i]); seg != want {
					t.Errorf("at %d: seg = %d, want %d", i, seg, want)
				}
				got = append(got, n)
				i += n
			}
			if !equalInts(got, tc.want) {
				t.Errorf("chunks = %v, want %v", got, tc.want)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fakeSys wraps the real system calls of c, failing the GSO sends as told
// and counting what the real kernel got.
type fakeSys struct {
	errno     unix.Errno // returned by a GSO send (a message with a control message)
	failAfter int        // GSO messages let through before failing (partial sendmmsg)
	failures  int        // how many GSO sends fail; 0 means every one
	failed    int
	sendmsg   int // real sendmsg calls
	sendmmsg  int // real sendmmsg calls
	gsoMsgs   int // GSO messages that reached the kernel
}

func (f *fakeSys) install(c *Conn) {
	c.sys.sendmsg = func(fd uintptr, m *unix.Msghdr) unix.Errno {
		if m.Control != nil {
			if f.shouldFail() {
				return f.errno
			}
			f.gsoMsgs++
		}
		f.sendmsg++
		return rawSendmsg(fd, m)
	}
	c.sys.sendmmsg = func(fd uintptr, ms []unix.Mmsghdr) (int, unix.Errno) {
		if ms[0].Hdr.Control != nil {
			if f.failAfter > 0 { // let some GSO messages out, as a partial sendmmsg
				ms = ms[:min(f.failAfter, len(ms))]
				f.failAfter -= len(ms)
			} else if f.shouldFail() {
				return 0, f.errno
			}
			f.gsoMsgs += len(ms)
		}
		f.sendmmsg++
		return rawSendmmsg(fd, ms)
	}
}

func (f *fakeSys) shouldFail() bool {
	if f.errno == 0 || (f.failures > 0 && f.failed >= f.failures) {
		return false
	}
	f.failed++
	return true
}

// TestGSOFallback injects the EIO a NIC without checksum offload returns (and
// EINVAL) into GSO sends and checks that SendPackets resends exactly the
// unsent datagrams with sendmmsg (or single writes) and that Mode switches.
func TestGSOFallback(t *testing.T) {
	tests := []struct {
		name      string
		sizes     []int
		errno     unix.Errno
		failAfter int
		opt       Options
		wantMode  string
		wantMMsg  bool // the resend used sendmmsg
	}{
		{"EIO/frame", repeat(24, 1388, 700), unix.EIO, 0, Options{}, ModeSendmmsg, true},
		{"EINVAL/frame", repeat(24, 1388, 700), unix.EINVAL, 0, Options{}, ModeSendmmsg, true},
		{"EIO/multiMsg", repeat(150, 200, 33), unix.EIO, 0, Options{}, ModeSendmmsg, true},
		{"EIO/partial", repeat(150, 200, 33), unix.EIO, 1, Options{}, ModeSendmmsg, true},
		{"EIO/noMMsg", repeat(24, 1388, 700), unix.EIO, 0, Options{DisableMMsg: true}, ModeSingle, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(listen(t, "udp", "127.0.0.1:0"), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			c.mode.Store(int32(modeGSO)) // the fake needs no kernel GSO: every GSO send fails
			f := &fakeSys{errno: tc.errno, failAfter: tc.failAfter}
			f.install(c)
			rc, dst := receiver(t, "127.0.0.1:0")
			hdrs, payloads := batch(tc.sizes...)
			if err := c.SendPackets(dst, hdrs, payloads); err != nil {
				t.Fatalf("SendPackets: %v", err)
			}
			expectDatagrams(t, c, rc, dst, hdrs, payloads)
			if got := c.Mode(); got != tc.wantMode {
				t.Errorf("Mode() = %q, want %q", got, tc.wantMode)
			}
			if !errors.Is(c.GSOError(), tc.errno) {
				t.Errorf("GSOError() = %v, want %v", c.GSOError(), tc.errno)
			}
			if tc.wantMMsg && f.sendmmsg == 0 {
				t.Errorf("resend did not use sendmmsg (sendmsg %d, sendmmsg %d)", f.sendmsg, f.sendmmsg)
			}
			if f.failed != 1 {
				t.Errorf("%d GSO sends failed, want 1 (GSO not disabled after the first)", f.failed)
			}
			// The next call goes straight to the fallback mode.
			if err := c.SendPackets(dst, hdrs, payloads); err != nil {
				t.Fatalf("second SendPackets: %v", err)
			}
			expectDatagrams(t, c, rc, dst, hdrs, payloads)
			if f.failed != 1 {
				t.Errorf("second call tried GSO again")
			}
		})
	}
}

// TestSendErrors checks that errors which are not GSO faults are returned,
// wrapped with the errno, without changing mode; that EINTR is retried; and
// that ENOSYS from sendmmsg falls back to single writes. (EAGAIN cannot be
// faked: the netpoller is edge-triggered and would wait for an edge that an
// idle writable socket never produces.)
func TestSendErrors(t *testing.T) {
	tests := []struct {
		name     string
		mode     mode
		errno    unix.Errno
		wantErr  bool
		wantMode string
	}{
		{"gso/EPERM", modeGSO, unix.EPERM, true, ModeGSO},
		{"gso/EINTR", modeGSO, unix.EINTR, false, ModeGSO},
		{"mmsg/EPERM", modeMMsg, unix.EPERM, true, ModeSendmmsg},
		{"mmsg/EINTR", modeMMsg, unix.EINTR, false, ModeSendmmsg},
		{"mmsg/ENOSYS", modeMMsg, unix.ENOSYS, false, ModeSingle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(listen(t, "udp", "127.0.0.1:0"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.mode == modeGSO && c.Mode() != ModeGSO {
				t.Skip("kernel without UDP GSO")
			}
			c.mode.Store(int32(tc.mode))
			failed := false
			fail := func() bool {
				if failed {
					return false
				}
				failed = true
				return true
			}
			c.sys.sendmsg = func(fd uintptr, m *unix.Msghdr) unix.Errno {
				if fail() {
					return tc.errno
				}
				return rawSendmsg(fd, m)
			}
			c.sys.sendmmsg = func(fd uintptr, ms []unix.Mmsghdr) (int, unix.Errno) {
				if fail() {
					return 0, tc.errno
				}
				return rawSendmmsg(fd, ms)
			}
			rc, dst := receiver(t, "127.0.0.1:0")
			hdrs, payloads := batch(repeat(24, 1388, 700)...)
			err = c.SendPackets(dst, hdrs, payloads)
			if tc.wantErr {
				if !errors.Is(err, tc.errno) {
					t.Fatalf("SendPackets: err = %v, want %v", err, tc.errno)
				}
			} else {
				if err != nil {
					t.Fatalf("SendPackets: %v", err)
				}
				expectDatagrams(t, c, rc, dst, hdrs, payloads)
			}
			if got := c.Mode(); got != tc.wantMode {
				t.Errorf("Mode() = %q, want %q", got, tc.wantMode)
			}
			if c.GSOError() != nil {
				t.Errorf("GSOError() = %v, want nil", c.GSOError())
			}
		})
	}
}
