package client

// CoalescedReads is how many RTP reads of s's current media carried several
// datagrams (UDP_GRO), for the external tests (package client_test).
func CoalescedReads(s *Session) uint64 {
	s.mu.Lock()
	m := s.media
	s.mu.Unlock()
	if m == nil {
		return 0
	}
	return m.coalesced.Load()
}
