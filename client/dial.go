package client

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/rtpstream/rtpstream/rtsp"
)

// Dial connects to an rtsp:// URL and describes the stream: OPTIONS then
// DESCRIBE, following up to Config.MaxRedirects 3xx answers and answering
// 401 challenges with the credentials. In the lab dialect (Config.Lab, or a
// server that leaves OPTIONS unanswered) it only connects: the lab server
// ignores OPTIONS and DESCRIBE.
//
// ctx bounds the dial only; the Session lives until Teardown or Close.
func Dial(ctx context.Context, rawURL string, cfg Config) (*Session, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tgt, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s := &Session{
		cfg:        cfg,
		log:        cfg.Logger.With("url", tgt.String()),
		tgt:        tgt,
		op:         make(chan struct{}, 1),
		frames:     make(chan Frame, cfg.FrameQueue),
		done:       make(chan struct{}),
		maintained: make(chan struct{}),
		released:   make(chan struct{}),
		ssrc:       randUint32(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	s.cname = fmt.Sprintf("rtpstream-%08x@%s", s.ssrc, host)
	s.auth.cred = cfg.Credentials
	if s.auth.cred == nil {
		s.auth.cred = tgt.cred
	}
	s.use(dialectFor(&cfg))
	if err := s.ctl.dial(ctx); err != nil {
		s.cancel()
		return nil, err
	}
	go s.maintain()
	return s, nil
}

// errNoOptionsAnswer: OPTIONS went unanswered (lab server suspected).
var errNoOptionsAnswer = errors.New("no answer to OPTIONS")

// redirectError carries a 3xx answer's Location.
type redirectError struct {
	to   target
	code int
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("redirected (%d) to %s", e.code, e.to.String())
}

// rtspControl is the standard dialect's procedure (RFC 2326).
type rtspControl struct{ s *Session }

func newRTSPControl(s *Session) control { return rtspControl{s} }

func (c rtspControl) dial(ctx context.Context) error              { return c.s.dialStandard(ctx) }
func (c rtspControl) setup(ctx context.Context) error             { return c.s.setupStandard(ctx) }
func (c rtspControl) play(ctx context.Context) error              { return c.s.playStandard(ctx) }
func (c rtspControl) request(ctx context.Context, m string) error { return c.s.simpleRequest(ctx, m) }

func (c rtspControl) close() {
	c.s.mu.Lock()
	cc := c.s.cc
	c.s.mu.Unlock()
	if cc != nil {
		cc.close()
	}
}

// dialStandard connects and describes, following redirects; an OPTIONS
// left unanswered switches to the lab dialect (dialProbed).
func (s *Session) dialStandard(ctx context.Context) error {
	for redirects := 0; ; {
		cc, err := dialCtrl(ctx, s.tgt.addr, s.cfg.Timeout, s.log)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.cc = cc
		s.mu.Unlock()
		err = s.describe(ctx)
		if err == nil {
			return nil
		}
		s.mu.Lock()
		s.cc = nil
		s.mu.Unlock()
		cc.close()
		if re, ok := errors.AsType[*redirectError](err); ok {
			if redirects >= s.cfg.MaxRedirects {
				return fmt.Errorf("%w: more than %d (last: %v)", ErrTooManyRedirects, s.cfg.MaxRedirects, re)
			}
			redirects++
			s.log.Info("redirected", "status", re.code, "to", re.to.String())
			s.tgt = re.to
			if s.cfg.Credentials == nil && re.to.cred != nil {
				s.auth.cred = re.to.cred
			}
			s.auth.ch = nil
			continue
		}
		if errors.Is(err, errNoOptionsAnswer) {
			s.log.Info("no answer to OPTIONS: trying the lab dialect", "after", s.cfg.LabProbeTimeout)
			return s.dialProbed(ctx)
		}
		return err
	}
}

// describe sends OPTIONS and DESCRIBE.
func (s *Session) describe(ctx context.Context) error {
	u := s.tgt.String()
	timeout := s.cfg.Timeout
	if !s.cfg.DisableLabDetect {
		timeout = s.cfg.LabProbeTimeout
	}
	resp, err := s.do(ctx, "OPTIONS", u, nil, timeout)
	if err != nil {
		if errors.Is(err, ErrTimeout) && !s.cfg.DisableLabDetect {
			return fmt.Errorf("%w: %w", errNoOptionsAnswer, err)
		}
		return err
	}
	if err := s.redirect(resp); err != nil {
		return err
	}
	var public []string
	if isSuccess(resp.StatusCode) {
		public = rtsp.ParsePublic(resp.Header.Get("Public"))
	} else {
		s.log.Info("OPTIONS refused; going on", "status", resp.StatusCode)
	}
	resp, err = s.do(ctx, "DESCRIBE", u, rtsp.Header{{Name: "Accept", Value: "application/sdp"}}, s.cfg.Timeout)
	if err != nil {
		return err
	}
	if err := s.redirect(resp); err != nil {
		return err
	}
	if !isSuccess(resp.StatusCode) {
		return statusError("DESCRIBE", u, resp)
	}
	d, err := parseDescription(u, resp)
	if err != nil {
		return err
	}
	d.Public = public
	s.mu.Lock()
	s.desc = d
	s.mu.Unlock()
	return nil
}

// redirect returns a *redirectError for a 3xx answer with a Location.
func (s *Session) redirect(resp *rtsp.Response) error {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return fmt.Errorf("%w: %d answer without Location", ErrProtocol, resp.StatusCode)
	}
	to, err := s.tgt.resolve(loc)
	if err != nil {
		return err
	}
	return &redirectError{to: to, code: resp.StatusCode}
}

// reconnect replaces a closed control connection by a new one (the op
// token's holder calls it, when falling back to TCP).
func (s *Session) reconnect(ctx context.Context) error {
	cc, err := dialCtrl(ctx, s.tgt.addr, s.cfg.Timeout, s.log)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		cc.close()
		return ErrClosed
	}
	old := s.cc
	s.cc = cc
	s.mu.Unlock()
	if old != nil {
		old.close()
	}
	return nil
}
