// Command gsofloor is a bench-only program that measures the floor under
// server CPU per packet on this machine: it does nothing but what no
// RTP-over-UDP server can avoid, sending one MJPEG file's RFC 2435 packets
// to N loopback clients at the file's frame rate, one UDP GSO message per
// client per frame batched into sendmmsg(2) (internal/udpbatch, the same
// send path as our server), with no RTSP, RTCP, sessions or scheduler. The
// receivers run in a child process (this program re-executed with
// --receive) so that their CPU is not counted, read with UDP_GRO as
// `rtpstream bench` does, and count what arrives.
//
//	gsofloor --file F.mjpeg [--clients 200] [--fps 30] [--duration 8s] [--warmup 2s] [--mtu 1400] [--no-gro]
//
// It prints one JSON line in the form of `rtpstream bench` (internal/bench
// Result): packets, loss and server CPU (this process's own, over the
// measured window) and peak RSS are measured; frame timing is not (first
// frame null, late frames 0: the loop sends on time by construction). scripts/bench-compare.sh puts it next to the servers, so
// that "ours / floor" says how much of our cost is the server's own.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rtpstream/rtpstream/internal/bench"
	"github.com/rtpstream/rtpstream/internal/udpbatch"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// Limits on the flags, so that a typo cannot start an unbounded run.
const (
	maxClients  = 5000
	maxDuration = 10 * time.Minute
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gsofloor: ")
	receive := flag.Int("receive", 0, "internal: run as the receiver child with this many sockets")
	file := flag.String("file", "", "MJPEG file to send (lab format or raw)")
	clients := flag.Int("clients", 200, "number of loopback receivers")
	fps := flag.Float64("fps", 30, "frame rate")
	dur := flag.Duration("duration", 8*time.Second, "measured window")
	warmup := flag.Duration("warmup", 2*time.Second, "sending before the measured window")
	mtu := flag.Int("mtu", rtpjpeg.DefaultMTU, "RTP packet size limit")
	noGRO := flag.Bool("no-gro", false, "receivers read datagram by datagram (no UDP_GRO)")
	flag.Parse()

	if *receive > 0 {
		if err := runReceiver(*receive, !*noGRO); err != nil {
			log.Fatal(err)
		}
		return
	}
	switch {
	case *file == "":
		log.Fatal("--file is required")
	case *clients < 1 || *clients > maxClients:
		log.Fatalf("--clients %d: want 1..%d", *clients, maxClients)
	case *fps <= 0 || *fps > 1000:
		log.Fatalf("--fps %v: want (0, 1000]", *fps)
	case *dur <= 0 || *dur > maxDuration || *warmup < 0 || *warmup > maxDuration:
		log.Fatalf("--duration %v / --warmup %v: want (0, %v]", *dur, *warmup, maxDuration)
	}
	res, err := runSender(*file, *clients, *fps, *dur, *warmup, *mtu, !*noGRO)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(res.JSON()))
}

// runSender sends the file to n receivers for warmup+dur and measures its
// own CPU over the last dur.
func runSender(file string, n int, fps float64, dur, warmup time.Duration, mtu int, gro bool) (*bench.Result, error) {
	video, err := mjpeg.Load(file, mjpeg.LoadOptions{})
	if err != nil {
		return nil, err
	}
	frames := make([]*rtpjpeg.Packetized, len(video.Frames))
	for i, f := range video.Frames {
		if frames[i], err = rtpjpeg.Packetize(f, mtu); err != nil {
			return nil, fmt.Errorf("frame %d: %w", i, err)
		}
	}

	recv, err := startReceiver(n, gro)
	if err != nil {
		return nil, err
	}
	defer recv.kill()

	conn, err := udpbatch.Listen("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, udpbatch.Options{})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetWriteBuffer(4 << 20) // as the server's RTP socket

	maxPkts := 0
	for _, f := range frames {
		maxPkts = max(maxPkts, len(f.Payloads))
	}
	type dest struct {
		ssrc uint32
		seq  uint16
		hdrs [][]byte
	}
	dests := make([]dest, n)
	batch := make([]udpbatch.Datagrams, n)
	for i := range dests {
		d := &dests[i]
		d.ssrc, d.seq = rand.Uint32(), uint16(rand.Uint32())
		d.hdrs = make([][]byte, maxPkts)
		buf := make([]byte, rtp.HeaderSize*maxPkts)
		for j := range d.hdrs {
			d.hdrs[j] = buf[j*rtp.HeaderSize : (j+1)*rtp.HeaderSize]
		}
		batch[i].Dst = recv.addrs[i]
	}

	period := time.Duration(float64(time.Second) / fps)
	start := time.Now()
	measureAt, end := start.Add(warmup), start.Add(warmup+dur)
	var sent, inWindow uint64
	var cpu0 time.Duration
	measuring := false
	for tick := 0; ; tick++ {
		due := start.Add(time.Duration(tick) * period)
		if !due.Before(end) {
			break
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if !measuring && !due.Before(measureAt) {
			measuring, cpu0 = true, selfCPU()
		}
		f := frames[tick%len(frames)]
		ts := uint32(int64(tick) * rtpjpeg.ClockRate / int64(fps))
		last := len(f.Payloads) - 1
		for i := range dests {
			d := &dests[i]
			for j := range f.Payloads {
				rtp.PutHeader(d.hdrs[j], j == last, rtpjpeg.PayloadType, d.seq, ts, d.ssrc)
				d.seq++
			}
			batch[i].Hdrs, batch[i].Payloads = d.hdrs[:len(f.Payloads)], f.Payloads
		}
		if err := conn.SendBatch(batch); err != nil {
			return nil, fmt.Errorf("send: %w", err)
		}
		sent += uint64(n * len(f.Payloads))
		if measuring {
			inWindow += uint64(n * len(f.Payloads))
		}
	}
	cpu := selfCPU() - cpu0
	res := &bench.Result{
		Clients: n, DurationS: dur.Seconds(), Transport: "udp", UDPGRO: gro,
		ClientsPlaying: n, Packets: inWindow, PacketsPerS: float64(inWindow) / dur.Seconds(),
	}
	cpuS, rss := cpu.Seconds(), maxRSS()
	res.ServerCPUS, res.ServerRSSBytes = &cpuS, &rss
	if inWindow > 0 {
		us := float64(cpu.Microseconds()) / float64(inWindow)
		res.ServerCPUUsPerPacket = &us
	}
	time.Sleep(200 * time.Millisecond) // let the receivers drain
	got, err := recv.finish()
	if err != nil {
		return nil, err
	}
	res.PacketsExpected = sent
	if got < sent {
		res.PacketsLost = sent - got
		res.LossRate = float64(sent-got) / float64(sent)
	}
	return res, nil
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS is this process's peak resident set in bytes (Linux reports KiB).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) << 10
}

// receiver is the child process holding the receiving sockets.
type receiver struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
	addrs []netip.AddrPort
}

// startReceiver starts the child and reads the n ports it listens on.
func startReceiver(n int, gro bool) (*receiver, error) {
	args := []string{"--receive", strconv.Itoa(n)}
	if !gro {
		args = append(args, "--no-gro")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start receiver: %w", err)
	}
	r := &receiver{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	for len(r.addrs) < n && r.out.Scan() {
		ap, err := netip.ParseAddrPort(strings.TrimSpace(r.out.Text()))
		if err != nil {
			r.kill()
			return nil, fmt.Errorf("receiver said %q: %w", r.out.Text(), err)
		}
		r.addrs = append(r.addrs, ap)
	}
	if len(r.addrs) < n {
		r.kill()
		return nil, fmt.Errorf("receiver opened %d of %d sockets", len(r.addrs), n)
	}
	return r, nil
}

// finish tells the child to stop and returns how many datagrams it got.
func (r *receiver) finish() (uint64, error) {
	r.stdin.Close()
	if !r.out.Scan() {
		r.kill()
		return 0, errors.New("receiver exited without a count")
	}
	got, err := strconv.ParseUint(strings.TrimSpace(r.out.Text()), 10, 64)
	if err != nil {
		r.kill()
		return 0, fmt.Errorf("receiver count %q: %w", r.out.Text(), err)
	}
	return got, r.cmd.Wait()
}

func (r *receiver) kill() {
	if r.cmd.ProcessState == nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	}
}
