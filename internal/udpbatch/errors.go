package udpbatch

import "errors"

// Sentinel errors returned (wrapped) by New and SendPackets.
var (
	// ErrLengthMismatch means SendPackets got a different number of headers
	// and payloads.
	ErrLengthMismatch = errors.New("udpbatch: headers and payloads differ in number")

	// ErrAddressFamily means the destination cannot be reached from the
	// socket's address family (an IPv6 destination on an IPv4 socket) or is
	// not a valid address.
	ErrAddressFamily = errors.New("udpbatch: destination address family not supported by socket")

	// ErrConnected means New was given a nil or connected socket; a Conn sends
	// to many destinations and needs an unconnected one (net.ListenUDP).
	ErrConnected = errors.New("udpbatch: need an unconnected *net.UDPConn")

	// ErrSendTimeout means a socket opened by Listen kept its send buffer
	// full for a whole second (a NIC queue that does not drain).
	ErrSendTimeout = errors.New("udpbatch: send timed out")
)
