package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"

	"github.com/rtpstream/rtpstream/internal/udpbatch"
)

// runReceiver is the child: it opens n loopback UDP sockets (UDP_GRO when
// gro), prints their addresses one per line, counts the datagrams that
// arrive until its stdin closes, then prints the count.
func runReceiver(n int, gro bool) error {
	var got atomic.Uint64
	conns := make([]*net.UDPConn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return fmt.Errorf("receiver: %w", err)
		}
		conns = append(conns, c)
		_ = c.SetReadBuffer(1 << 20)
		if gro {
			if err := udpbatch.EnableGRO(c); err != nil {
				return fmt.Errorf("receiver: %w", err)
			}
		}
		fmt.Println(c.LocalAddr().(*net.UDPAddr).AddrPort())
		go func() {
			b := make([]byte, 65535)
			oob := make([]byte, udpbatch.GROControlSize)
			for {
				m, oobn, _, _, err := c.ReadMsgUDP(b, oob)
				if err != nil {
					return
				}
				var k uint64
				for range udpbatch.Segments(b[:m], oob[:oobn]) {
					k++
				}
				got.Add(k)
			}
		}()
	}
	_, _ = io.Copy(io.Discard, os.Stdin) // until the sender closes it
	fmt.Println(got.Load())
	return nil
}
