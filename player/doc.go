// Package player is the desktop player rtpplay without its window: the Fyne
// window content (a video area scaled with its aspect kept, the buttons
// Setup, Play, Pause and Teardown enabled by the RTSP state, a URL entry, a
// statistics line and an error line) and the playback engine behind it.
//
// The engine decodes JPEG frames off the UI goroutine and shows each one at
// its RTP timestamp (RFC 3550 §5.1, 90 kHz for RFC 2435) plus a small
// jitter buffer (Config.JitterBuffer, 100 ms by default). When the display
// falls behind it drops frames instead of building latency: of the frames
// already due only the newest is shown, and a frame still waiting for the UI
// goroutine is replaced by a newer one. Every UI change goes through
// fyne.Do (Config.Do).
//
// The network session is behind the Source interface, which
// *client.Session satisfies; ClientDialer opens one. Tests use a fake Source
// or the real server, with Fyne's software-rendered test driver: the
// package uses only Fyne's core packages, never fyne.io/fyne/v2/app, so it
// builds and tests with CGO_ENABLED=0. cmd/rtpplay adds the window.
package player
