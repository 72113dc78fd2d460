package client_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/client/clienttest"
	"github.com/rtpstream/rtpstream/rtsp"
)

// TestRedirect follows 3xx answers (absolute and relative Location) up to
// MaxRedirects, then fails with ErrTooManyRedirects.
func TestRedirect(t *testing.T) {
	final := clienttest.StartFake(t, clienttest.Describe)
	hop := func(to string) *clienttest.FakeServer {
		return clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
			return clienttest.Answer(rtsp.StatusMovedTemporarily, "Location", to)
		})
	}
	relative := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
		if strings.HasSuffix(req.URL, "/new") {
			return clienttest.Describe(req)
		}
		return clienttest.Answer(rtsp.StatusMovedPermanently, "Location", "/new")
	})
	h1 := hop(final.URL("/cam"))
	h2 := hop(h1.URL("/a"))
	h3 := hop(h2.URL("/b"))
	h4 := hop(h3.URL("/c"))

	s := dial(t, h3.URL("/start"), client.Config{})
	if got := s.Description().URL; got != final.URL("/cam") {
		t.Fatalf("described %s", got)
	}
	s = dial(t, relative.URL("/old"), client.Config{})
	if got := s.Description().URL; got != relative.URL("/new") {
		t.Fatalf("described %s", got)
	}
	_, err := client.Dial(ctxT(t), h4.URL("/start"), client.Config{Logger: testLogger(t)})
	mustIs(t, err, client.ErrTooManyRedirects)
}

// TestDialErrors: 404, a silent server (timeout), connection refused, bad
// URLs, a DESCRIBE without a JPEG stream.
func TestDialErrors(t *testing.T) {
	notFound := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
		if req.Method == "OPTIONS" {
			return clienttest.Describe(req)
		}
		return clienttest.Answer(rtsp.StatusNotFound)
	})
	silent := clienttest.Silent(t)
	noJPEG := clienttest.StartFake(t, func(req *rtsp.Request) *rtsp.Response {
		r := clienttest.Describe(req)
		if req.Method == "DESCRIBE" {
			r.Body = []byte("v=0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n")
		}
		return r
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name    string
		url     string
		cfg     client.Config
		want    error
		within  time.Duration
		message string
	}{
		{"404", notFound.URL("/missing"), client.Config{}, client.ErrNotFound, time.Second, "404 Not Found"},
		{"silent", silent.URL("/x"), client.Config{Timeout: 500 * time.Millisecond, DisableLabDetect: true}, client.ErrTimeout, 2 * time.Second, "no answer within"},
		{"silent-lab-detect", silent.URL("/x"), client.Config{Timeout: 500 * time.Millisecond, LabProbeTimeout: 200 * time.Millisecond}, client.ErrTimeout, 2 * time.Second, "neither OPTIONS (RTSP) nor SETUP in the lab dialect"},
		{"refused", "rtsp://" + refused + "/x", client.Config{}, nil, time.Second, "refused"},
		{"scheme", "http://127.0.0.1/x", client.Config{}, client.ErrBadURL, time.Second, "rtsp://"},
		{"no-jpeg", noJPEG.URL("/x"), client.Config{}, client.ErrNoJPEGStream, time.Second, "Motion-JPEG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.cfg.Logger = testLogger(t)
			start := time.Now()
			s, err := client.Dial(context.Background(), tc.url, tc.cfg)
			if err == nil && tc.name == "silent-lab-detect" {
				// The lab dialect only connects; its SETUP times out.
				defer s.Close()
				err = s.Play(context.Background())
			} else if err == nil {
				s.Close()
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("error %q does not say %q", err, tc.message)
			}
			if d := time.Since(start); d > tc.within {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// TestStateErrors: operations out of order fail with ErrState, and a
// closed session cannot be used.
func TestStateErrors(t *testing.T) {
	fake := clienttest.StartFake(t, clienttest.Describe)
	s := dial(t, fake.URL("/x"), client.Config{})
	if err := s.Pause(ctxT(t)); !errors.Is(err, client.ErrState) {
		t.Fatalf("Pause in init: %v", err)
	}
	s.Close()
	if err := s.Setup(ctxT(t)); !errors.Is(err, client.ErrState) {
		t.Fatalf("Setup after Close: %v", err)
	}
	if err := s.Play(ctxT(t)); !errors.Is(err, client.ErrState) {
		t.Fatalf("Play after Close: %v", err)
	}
	mustIs(t, s.Err(), client.ErrClosed)
	if err := s.Teardown(ctxT(t)); err != nil {
		t.Fatalf("Teardown after Close: %v", err)
	}
}
