package main

import (
	"fmt"
	"strings"

	"github.com/rtpstream/rtpstream/internal/config"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/server"
)

// relayFlags collects repeatable --relay NAME=URL flags.
type relayFlags []server.PathConfig

func (r *relayFlags) String() string { return fmt.Sprint(len(*r), " relays") }

// Set parses NAME=URL: /NAME relayed on demand from an rtsp:// or http://
// (MJPEG) source.
func (r *relayFlags) Set(v string) error {
	name, u, ok := strings.Cut(v, "=")
	name = strings.Trim(strings.TrimSpace(name), "/")
	if !ok || name == "" || u == "" {
		return fmt.Errorf("want NAME=URL, got %q", v)
	}
	*r = append(*r, server.PathConfig{Name: "/" + name, Source: strings.TrimSpace(u)})
	return nil
}

// pathsOf turns a configuration file's paths (after flags overrode its top
// level) and the --relay flags into the server's live paths. A --relay
// naming a configured path replaces it.
func pathsOf(f *config.File, relays relayFlags) []server.PathConfig {
	var out []server.PathConfig
	seen := map[string]bool{}
	for _, r := range relays {
		seen[r.Name] = true
	}
	if f != nil {
		for _, p := range f.Paths {
			p = f.Effective(p)
			pc := server.PathConfig{
				Name:               "/" + p.Name,
				SourceTransport:    p.SourceTransport,
				SourceCredentials:  creds(p.SourceCreds),
				SnapshotInterval:   p.SnapshotInterval,
				AlwaysOn:           !p.OnDemand,
				CloseAfter:         p.CloseAfter,
				Publish:            p.Publish,
				PublishCredentials: creds(p.PublishCreds),
				ReadCredentials:    creds(p.ReadCreds),
				Replace:            p.Replace,
				WaitForPublisher:   p.WaitForPublisher,
				Record:             p.Record.On,
				RecordDir:          p.Record.Path,
				RecordSegment:      p.Record.Segment,
				RecordMaxAge:       p.Record.MaxAge,
				RecordMaxBytes:     p.Record.MaxBytes,
			}
			switch p.SourceKind {
			case config.KindPublisher:
				pc.Kind = server.SourcePublisher
			case config.KindRTSP:
				pc.Kind, pc.Source = server.SourceRTSP, p.Source
			case config.KindHTTPStream:
				pc.Kind, pc.Source = server.SourceHTTP, p.Source
			case config.KindHTTPSnapshot:
				pc.Kind, pc.Source = server.SourceSnapshot, p.Source
			}
			if seen[pc.Name] {
				continue
			}
			out = append(out, pc)
		}
	}
	return append(out, relays...)
}

// filesOf turns a configuration file's files: into the server's per-file
// settings (nil without a file): names gain their leading '/', an unset
// loop stays nil so that --no-loop decides.
func filesOf(f *config.File) []server.FileSettings {
	if f == nil {
		return nil
	}
	out := make([]server.FileSettings, 0, len(f.Files))
	for _, fs := range f.Files {
		s := server.FileSettings{Name: "/" + fs.Name, FPS: fs.FPS}
		if fs.HasLoop {
			s.Loop = &fs.Loop
		}
		out = append(out, s)
	}
	return out
}

// creds converts config credentials to the server's (nil stays nil).
func creds(c *config.Credentials) *rtsp.Credentials {
	if c == nil {
		return nil
	}
	return &rtsp.Credentials{Username: c.User, Password: c.Pass}
}
