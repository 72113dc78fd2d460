package server

import "time"

// shutdownDrain bounds how long the server's shutdown waits, for all
// connections together, for what their queues hold (the sessions' last
// frames and RTCP BYE, RFC 3550 6.6) to be written before it closes them.
// A client that reads nothing holds the shutdown this long at most.
const shutdownDrain = time.Second

// drainConns drains every connection's interleaved queue within
// shutdownDrain (one deadline for all: the writers run in parallel), then
// closes them all.
func (s *Server) drainConns(conns []*conn) {
	deadline := time.Now().Add(shutdownDrain)
	cut := 0
	for _, c := range conns {
		if !c.out.Drain(deadline) && c.out.Backlog() > 0 {
			cut++
		}
	}
	for _, c := range conns {
		c.close()
	}
	if cut > 0 {
		s.log.Warn("shutdown: connections closed before their queue was written", "connections", cut, "drain", shutdownDrain)
	}
}
