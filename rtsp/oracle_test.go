package rtsp

import (
	"testing"

	gortsplibauth "github.com/bluenviron/gortsplib/v4/pkg/auth"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/headers"
)

// TestAuthAgainstGortsplib checks both directions against gortsplib (a
// test-only oracle): its challenges parse here and our answers pass its
// Validate; its client answers pass our Verify.
func TestAuthAgainstGortsplib(t *testing.T) {
	const realm, nonce, user, pass = "rtpstream", "0123456789abcdef", "user", "pa ss"
	u, err := base.ParseURL("rtsp://h:8554/test/stream=0")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []gortsplibauth.ValidateMethod{gortsplibauth.ValidateMethodBasic, gortsplibauth.ValidateMethodDigestMD5, gortsplibauth.ValidateMethodSHA256} {
		www := gortsplibauth.GenerateWWWAuthenticate([]gortsplibauth.ValidateMethod{m}, realm, nonce)
		cs, err := ParseChallenges(www)
		if err != nil || len(cs) != 1 {
			t.Fatalf("%q: %v %v", www, cs, err)
		}
		v, err := cs[0].Authorize(Credentials{user, pass}, "SETUP", u.String(), 1, "")
		if err != nil {
			t.Fatal(err)
		}
		req := &base.Request{Method: base.Setup, URL: u, Header: base.Header{"Authorization": base.HeaderValue{v}}}
		if err := gortsplibauth.Validate(req, user, pass, nil, realm, nonce); err != nil {
			t.Errorf("gortsplib rejects our %q: %v", v, err)
		}

		// gortsplib as the client, us as the server.
		se, err := gortsplibauth.NewSender(base.HeaderValue{cs[0].String()}, user, pass)
		if err != nil {
			t.Fatalf("gortsplib cannot parse our %q: %v", cs[0].String(), err)
		}
		req = &base.Request{Method: base.Setup, URL: u}
		se.AddAuthorization(req)
		a, err := ParseAuthorization(req.Header["Authorization"][0])
		if err != nil || !a.Verify(Credentials{user, pass}, "SETUP", realm, nonce) {
			t.Errorf("we reject gortsplib's %q: %+v %v", req.Header["Authorization"][0], a, err)
		}
	}
}

// TestTransportAgainstGortsplib parses real Transport values with both.
func TestTransportAgainstGortsplib(t *testing.T) {
	for _, in := range []string{
		"RTP/AVP/UDP;unicast;client_port=27488-27489",
		"RTP/AVP/TCP;unicast;interleaved=0-1",
		"RTP/AVP;unicast;client_port=5000-5001",
		`RTP/AVP;unicast;client_port=27488-27489;server_port=6970-6971;ssrc=0A1B2C3D;mode="PLAY"`,
	} {
		var g headers.Transport
		if err := g.Unmarshal(base.HeaderValue{in}); err != nil {
			t.Fatal(err)
		}
		ts, err := ParseTransports(in)
		if err != nil {
			t.Fatal(err)
		}
		ours := ts[0]
		if (g.Protocol == headers.TransportProtocolTCP) != ours.TCP() {
			t.Errorf("%q: TCP differs", in)
		}
		if g.ClientPorts != nil && (g.ClientPorts[0] != ours.ClientPort.Lo || g.ClientPorts[1] != ours.ClientPort.Hi) {
			t.Errorf("%q: client ports %v vs %+v", in, *g.ClientPorts, ours.ClientPort)
		}
		if g.InterleavedIDs != nil && (g.InterleavedIDs[0] != ours.Interleaved.Lo || g.InterleavedIDs[1] != ours.Interleaved.Hi) {
			t.Errorf("%q: interleaved %v vs %+v", in, *g.InterleavedIDs, ours.Interleaved)
		}
		if g.SSRC != nil && *g.SSRC != ours.SSRC {
			t.Errorf("%q: ssrc %x vs %x", in, *g.SSRC, ours.SSRC)
		}
		// And gortsplib reads what we write.
		var back headers.Transport
		if err := back.Unmarshal(base.HeaderValue{ours.String()}); err != nil {
			t.Errorf("gortsplib cannot parse our %q: %v", ours.String(), err)
		}
	}
}
