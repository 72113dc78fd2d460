package client

import (
	"context"
	"errors"
)

// Teardown ends the RTSP session (RFC 2326 §10.7) and closes the Session
// (see Close). It returns the TEARDOWN request's error, if any; the Session
// is closed either way.
func (s *Session) Teardown(ctx context.Context) error {
	defer s.Close()
	if err := s.acquire(ctx, "Teardown"); err != nil {
		if errors.Is(err, ErrClosed) {
			return nil
		}
		return err
	}
	defer s.release()
	s.mu.Lock()
	st, sid := s.state, s.sessionID
	s.mu.Unlock()
	if st == StateClosed || sid == "" {
		return nil
	}
	return s.ctl.request(ctx, "TEARDOWN")
}

// Close releases everything (connection, sockets, goroutines) without
// sending TEARDOWN; the server's session then times out. Done is closed
// (with ErrClosed if the media had not ended before). Close is idempotent:
// every call returns once everything is released.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		<-s.released
		return nil
	}
	s.state = StateClosed
	m := s.media
	s.media = nil
	s.mu.Unlock()
	s.cancel()
	if s.ctl != nil {
		s.ctl.close()
	}
	if m != nil {
		m.close()
	}
	<-s.maintained
	s.end(ErrClosed)
	close(s.released)
	return nil
}
