package client

import (
	"context"
	"fmt"
	"time"

	"github.com/rtpstream/rtpstream/rtsp"
)

// do sends one request in the standard dialect and returns the answer,
// after answering 401 challenges (a wrong password gives ErrUnauthorized).
// The caller holds the op token (or is Dial), which makes it the only user
// of auth and of the connection's CSeq.
func (s *Session) do(ctx context.Context, method, uri string, hdr rtsp.Header, timeout time.Duration) (*rtsp.Response, error) {
	s.mu.Lock()
	cc := s.cc
	s.mu.Unlock()
	if cc == nil {
		return nil, fmt.Errorf("%s %s: %w", method, uri, ErrClosed)
	}
	for attempt := 0; ; attempt++ {
		req := &rtsp.Request{Method: method, URL: uri}
		req.Header = append(req.Header, hdr...)
		req.Header = append(req.Header, rtsp.Field{Name: "User-Agent", Value: s.cfg.UserAgent})
		authz, err := s.auth.header(method, uri)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, uri, err)
		}
		if authz != "" {
			req.Header = append(req.Header, rtsp.Field{Name: "Authorization", Value: authz})
		}
		resp, err := cc.roundTrip(ctx, req, timeout)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.lastRequest = time.Now()
		s.mu.Unlock()
		if resp.StatusCode != rtsp.StatusUnauthorized {
			return resp, nil
		}
		if attempt >= 2 {
			return nil, fmt.Errorf("%s %s: %w: still refused after %d attempts", method, uri, ErrUnauthorized, attempt+1)
		}
		if err := s.auth.challenge(resp); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, uri, err)
		}
	}
}

// simpleRequest sends PAUSE, TEARDOWN or another request that carries only
// the Session header to the aggregate control URL, and checks the answer.
func (s *Session) simpleRequest(ctx context.Context, method string) error {
	s.mu.Lock()
	d := s.desc
	s.mu.Unlock()
	resp, err := s.do(ctx, method, d.AggregateControl, s.sessionHeader(), s.cfg.Timeout)
	if err != nil {
		return err
	}
	if !isSuccess(resp.StatusCode) {
		return statusError(method, d.AggregateControl, resp)
	}
	return nil
}

// sessionHeader is the Session header of requests inside the RTSP session
// (RFC 2326 §12.37), nil before SETUP.
func (s *Session) sessionHeader() rtsp.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessionID == "" {
		return nil
	}
	return rtsp.Header{{Name: "Session", Value: s.sessionID}}
}

func isSuccess(code int) bool { return code >= 200 && code <= 299 }

func statusError(method, u string, resp *rtsp.Response) error {
	return &StatusError{Method: method, URL: u, StatusCode: resp.StatusCode, Reason: resp.Reason}
}
