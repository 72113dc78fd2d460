package server

import (
	"net/netip"
)

// Connection admission: the caps on connections (Config.MaxConns, in total
// and per address with MaxConnsPerAddr) and which connection makes room at
// the cap. A flood of connections that never send a request (or only
// interleaved frames) must not lock clients out: at the cap, the
// connection open longest without completing a request is closed to admit
// the new one. A connection that has completed a request is never closed
// for another; each idle one still ends at its read timeout.
//
// The tables live in Server, guarded by Server.mu: conns (admitted and
// still counted), perAddr (counts by addrKey) and fresh (the connections
// that have completed no request, oldest first).

// refusal says why a connection is not admitted ("" admits it).
type refusal string

const (
	refusedTooMany     refusal = "too many connections"
	refusedTooManyAddr refusal = "too many connections from this address"
	refusedClosing     refusal = "server shutting down"
)

// addrKey is what the per-address limit counts by: the IPv4 address, or
// the /64 of an IPv6 address (one host usually has a whole /64).
func addrKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}

// admit counts c in, unless a limit refuses it. At MaxConns it makes room
// by taking out the oldest connection that has completed no request:
// victim, which the caller must close.
func (s *Server) admit(c *conn) (victim *conn, why refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, refusedClosing
	}
	if lim := s.cfg.MaxConnsPerAddr; lim > 0 && !(s.cfg.perAddrSkipLoopback && c.peer.IsLoopback()) &&
		s.perAddr[c.key] >= lim {
		return nil, refusedTooManyAddr
	}
	if len(s.conns) >= s.cfg.MaxConns {
		e := s.fresh.Front()
		if e == nil {
			return nil, refusedTooMany
		}
		victim = e.Value.(*conn)
		s.uncountLocked(victim)
	}
	if s.perAddr == nil {
		s.perAddr = make(map[netip.Addr]int)
	}
	s.conns[c] = struct{}{}
	s.perAddr[c.key]++
	c.fresh = s.fresh.PushBack(c)
	return victim, ""
}

// requestDone notes that c completed a request: it no longer makes room
// for new connections at the cap.
func (s *Server) requestDone(c *conn) {
	s.mu.Lock()
	if c.fresh != nil {
		s.fresh.Remove(c.fresh)
		c.fresh = nil
	}
	s.mu.Unlock()
}

// release counts c out when its goroutine ends (it may have been taken
// out already to make room).
func (s *Server) release(c *conn) {
	s.mu.Lock()
	s.uncountLocked(c)
	s.mu.Unlock()
}

func (s *Server) uncountLocked(c *conn) {
	if c.fresh != nil {
		s.fresh.Remove(c.fresh)
		c.fresh = nil
	}
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	if s.perAddr[c.key]--; s.perAddr[c.key] <= 0 {
		delete(s.perAddr, c.key)
	}
}
