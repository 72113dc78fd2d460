package server

import (
	"fmt"
	"testing"
)

// TestClientPortClash: a second session claiming ports another session
// receives on, or the server's own RTP/RTCP ports, is refused with 461;
// the same session may SETUP its own ports again.
func TestClientPortClash(t *testing.T) {
	srv, addr := startServer(t, Config{})
	c := dialCtl(t, addr)
	tr := func(lo int) string { return fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", lo, lo+1) }
	track := c.url(PatternName + "/" + trackControl)
	resp := c.do("SETUP", track, tr(40000))
	wantStatus(t, "first SETUP", resp, 200)
	sess := "Session: " + sessionOf(t, resp)
	wantStatus(t, "same session, same ports", c.do("SETUP", track, tr(40000), sess), 200)

	other := dialCtl(t, addr)
	wantStatus(t, "another session, same ports", other.do("SETUP", other.url(PatternName+"/"+trackControl), tr(40000)), 461)
	wantStatus(t, "another session, RTP on the first's RTCP port", other.do("SETUP", other.url(PatternName+"/"+trackControl), tr(40001)), 461)
	wantStatus(t, "the server's own RTP port", other.do("SETUP", other.url(PatternName+"/"+trackControl), tr(srv.udp.rtpPort)), 461)
	wantStatus(t, "the server's own RTCP port", other.do("SETUP", other.url(PatternName+"/"+trackControl), tr(srv.udp.rtpPort-1)), 461)
	wantStatus(t, "free ports", other.do("SETUP", other.url(PatternName+"/"+trackControl), tr(40010)), 200)
}
