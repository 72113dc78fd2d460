// Package servertest runs our RTSP server inside other packages' tests
// (like net/http/httptest): on 127.0.0.1 with a kernel-chosen port, until
// the test ends.
package servertest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/server"
)

// Start runs a server with cfg (logs discarded unless cfg.Logger is set)
// and stops it when the test ends, failing the test if Serve fails or does
// not return.
func Start(tb testing.TB, cfg server.Config) *server.Server {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg)
	if err == nil {
		err = srv.Listen("127.0.0.1:0")
	}
	if err != nil {
		cancel()
		tb.Fatalf("start server: %v", err)
	}
	// Tests count frames: start with every pattern frame rendered.
	<-srv.Ready()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.Errorf("Serve did not return after cancel")
		}
	})
	return srv
}

// URL returns the server's URL for the stream at path ("/test").
func URL(tb testing.TB, srv *server.Server, path string) string {
	tb.Helper()
	for _, u := range srv.URLs() {
		if strings.HasSuffix(u, path) {
			return u
		}
	}
	tb.Fatalf("no stream %s in %v", path, srv.URLs())
	return ""
}
