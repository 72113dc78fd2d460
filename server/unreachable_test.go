package server

import (
	"net/netip"
	"testing"
	"time"
)

// stateOf reads a session's state under its lock.
func stateOf(ss *Session) sessionState {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.state
}

// TestUnreachableClientPaused: a UDP client that closes its sockets (the
// loopback then answers its RTP with ICMP port unreachable) has its
// session paused within a few seconds, while another client keeps
// playing; a PLAY from the paused client resumes it (issue 13: it kept
// receiving about 380 packets/s until the session timeout).
func TestUnreachableClientPaused(t *testing.T) {
	srv, addr := startServer(t, Config{})
	type player struct {
		c          *ctl
		id         string
		rtp, rtcp  interface{ Close() error }
		readPacket func() error
	}
	play := func(name string) *player {
		rtpc, rtcpc := udpPorts(t)
		c := dialCtl(t, addr)
		resp := c.do("SETUP", c.url(PatternName), "Transport: RTP/AVP;unicast;client_port="+itoa(port(rtpc))+"-"+itoa(port(rtcpc)))
		wantStatus(t, name+" SETUP", resp, 200)
		id := sessionOf(t, resp)
		wantStatus(t, name+" PLAY", c.do("PLAY", c.url(PatternName), "Session: "+id), 200)
		buf := make([]byte, 2048)
		return &player{c: c, id: id, rtp: rtpc, rtcp: rtcpc, readPacket: func() error {
			_ = rtpc.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := rtpc.Read(buf)
			return err
		}}
	}
	gone, stays := play("gone"), play("stays")
	for _, p := range []*player{gone, stays} {
		if err := p.readPacket(); err != nil {
			t.Fatalf("no RTP before the test: %v", err)
		}
	}
	ss := srv.session(gone.id)
	if ss == nil {
		t.Fatal("no session")
	}
	gone.rtp.Close()
	gone.rtcp.Close()
	closed := time.Now()
	for stateOf(ss) == statePlaying {
		if time.Since(closed) > unreachablePause+8*time.Second {
			t.Fatalf("session still playing %v after its client closed its ports", time.Since(closed).Round(time.Millisecond))
		}
		// The other client keeps playing meanwhile.
		if err := stays.readPacket(); err != nil {
			t.Fatalf("the other client stopped receiving: %v", err)
		}
	}
	t.Logf("paused %v after the client closed its ports", time.Since(closed).Round(time.Millisecond))
	if st := stateOf(ss); st != stateReady {
		t.Fatalf("state %v, want Ready (paused)", st)
	}
	for range 30 {
		if err := stays.readPacket(); err != nil {
			t.Fatalf("the other client stopped receiving after the pause: %v", err)
		}
	}
	if st := stateOf(srv.session(stays.id)); st != statePlaying {
		t.Fatalf("the other session: state %v, want Playing", st)
	}
	// The paused client can resume.
	wantStatus(t, "PLAY after the pause", gone.c.do("PLAY", gone.c.url(PatternName), "Session: "+gone.id), 200)
	if st := stateOf(ss); st != statePlaying {
		t.Fatalf("after PLAY: state %v, want Playing", st)
	}
}

// TestNoteUnreachable: a destination is paused once its errors lasted
// unreachablePause without a gap over unreachableGap; a gap starts over.
func TestNoteUnreachable(t *testing.T) {
	srv := &Server{log: testLogger(), sessions: map[string]*Session{}}
	d := netip.MustParseAddrPort("127.0.0.1:5000")
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name    string
		polls   []time.Duration // when d was reported, from t0
		at      time.Duration   // the last poll (d not reported)
		tracked bool            // d is still followed after it
	}{
		{"short run followed", []time.Duration{0, 250 * time.Millisecond}, 500 * time.Millisecond, true},
		{"long run paused and forgotten", []time.Duration{0, time.Second, 2 * time.Second}, 2*time.Second + 100*time.Millisecond, false},
		{"gap starts over", []time.Duration{0}, 1500 * time.Millisecond, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs := map[netip.AddrPort]unreachableRun{}
			for _, p := range tc.polls {
				srv.noteUnreachable(runs, []netip.AddrPort{d}, t0.Add(p))
			}
			srv.noteUnreachable(runs, nil, t0.Add(tc.at))
			if _, ok := runs[d]; ok != tc.tracked {
				t.Errorf("followed %v, want %v (runs %v)", ok, tc.tracked, runs)
			}
		})
	}
}
