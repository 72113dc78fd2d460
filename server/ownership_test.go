package server

import (
	"fmt"
	"testing"
)

// TestSessionOwnership: a session belongs to the connection that set it up.
// Connection B naming A's session in PAUSE, PLAY, TEARDOWN, GET_PARAMETER,
// OPTIONS or a new SETUP (to B's own ports) gets 454, and A's session is
// untouched: A still pauses and tears it down itself.
func TestSessionOwnership(t *testing.T) {
	_, addr := startServer(t, Config{})
	a := dialCtl(t, addr)
	b := dialCtl(t, addr)
	track := a.url(PatternName + "/" + trackControl)
	resp := a.do("SETUP", track, "Transport: RTP/AVP;unicast;client_port=41000-41001")
	wantStatus(t, "A's SETUP", resp, 200)
	sess := "Session: " + sessionOf(t, resp)
	wantStatus(t, "A's PLAY", a.do("PLAY", a.url(PatternName+"/"), sess), 200)

	for _, req := range []struct{ method, url, extra string }{
		{"PAUSE", b.url(PatternName + "/"), ""},
		{"PLAY", b.url(PatternName + "/"), "Range: npt=0-"},
		{"GET_PARAMETER", b.url(PatternName + "/"), ""},
		{"SETUP", track, "Transport: RTP/AVP;unicast;client_port=41010-41011"},
		{"TEARDOWN", b.url(PatternName + "/"), ""},
	} {
		hdrs := []string{sess}
		if req.extra != "" {
			hdrs = append(hdrs, req.extra)
		}
		wantStatus(t, fmt.Sprintf("B's %s of A's session", req.method), b.do(req.method, req.url, hdrs...), 454)
	}
	// A's session is still A's, and still playing.
	wantStatus(t, "A's PAUSE", a.do("PAUSE", a.url(PatternName+"/"), sess), 200)
	wantStatus(t, "A's TEARDOWN", a.do("TEARDOWN", a.url(PatternName+"/"), sess), 200)
}
