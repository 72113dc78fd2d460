package rtsp

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseTransports(t *testing.T) {
	tests := []struct {
		in   string
		want []Transport
		str  string // String of the first alternative
	}{
		{ // lab client
			in:   "RTP/UDP; client_port= 25000",
			want: []Transport{{Profile: "RTP", Lower: "UDP", ClientPort: PortRange{25000, 0, true}}},
			str:  "RTP/UDP;client_port=25000",
		},
		{ // ffmpeg UDP
			in:   "RTP/AVP/UDP;unicast;client_port=27488-27489",
			want: []Transport{{Profile: "RTP/AVP", Lower: "UDP", Unicast: true, ClientPort: PortRange{27488, 27489, true}}},
			str:  "RTP/AVP/UDP;unicast;client_port=27488-27489",
		},
		{ // ffmpeg TCP
			in:   "RTP/AVP/TCP;unicast;interleaved=0-1",
			want: []Transport{{Profile: "RTP/AVP", Lower: "TCP", Unicast: true, Interleaved: PortRange{0, 1, true}}},
			str:  "RTP/AVP/TCP;unicast;interleaved=0-1",
		},
		{ // GStreamer UDP
			in:   "RTP/AVP;unicast;client_port=5000-5001",
			want: []Transport{{Profile: "RTP/AVP", Unicast: true, ClientPort: PortRange{5000, 5001, true}}},
			str:  "RTP/AVP;unicast;client_port=5000-5001",
		},
		{ // our SETUP reply (interop.md)
			in: `RTP/AVP;unicast;client_port=27488-27489;server_port=6970-6971;ssrc=0A1b2C3d;mode="PLAY"`,
			want: []Transport{{Profile: "RTP/AVP", Unicast: true, ClientPort: PortRange{27488, 27489, true},
				ServerPort: PortRange{6970, 6971, true}, SSRC: 0x0A1B2C3D, HasSSRC: true, Mode: "PLAY"}},
			str: `RTP/AVP;unicast;client_port=27488-27489;server_port=6970-6971;ssrc=0A1B2C3D;mode="PLAY"`,
		},
		{ // alternatives, spaces, unquoted mode, ignored parameters, destination
			in: " rtp/avp ; multicast ; destination=224.2.0.1; ttl=127; port=3456-3457 ; mode=play ,RTP/AVP/TCP;interleaved=2-3;mode=\"PLAY,RECORD\"",
			want: []Transport{
				{Profile: "RTP/AVP", Multicast: true, Destination: "224.2.0.1", Mode: "play"},
				{Profile: "RTP/AVP", Lower: "TCP", Interleaved: PortRange{2, 3, true}, Mode: "PLAY,RECORD"},
			},
			str: `RTP/AVP;multicast;destination=224.2.0.1;mode="play"`,
		},
		{ // ssrc short, single interleaved channel
			in:   "RTP/AVP/TCP;interleaved=4;ssrc=1f",
			want: []Transport{{Profile: "RTP/AVP", Lower: "TCP", Interleaved: PortRange{4, 0, true}, SSRC: 0x1f, HasSSRC: true}},
			str:  "RTP/AVP/TCP;interleaved=4;ssrc=0000001F",
		},
	}
	for _, tt := range tests {
		got, err := ParseTransports(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		for i := range got {
			got[i].Raw = ""
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Fatalf("%q:\ngot  %+v\nwant %+v", tt.in, got, tt.want)
		}
		if s := got[0].String(); s != tt.str {
			t.Errorf("%q: String = %q, want %q", tt.in, s, tt.str)
		}
		again, err := ParseTransports(FormatTransports(got))
		for i := range again {
			again[i].Raw = ""
		}
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("%q: round trip %+v %v", tt.in, again, err)
		}
	}
}

func TestParseTransportsRaw(t *testing.T) {
	ts, err := ParseTransports(" RTP/UDP; client_port= 25000 ")
	if err != nil || ts[0].Raw != "RTP/UDP; client_port= 25000" || !ts[0].LabDialect() || ts[0].TCP() {
		t.Fatalf("%+v %v", ts, err)
	}
	if rtp, rtcp := ts[0].ClientPort.Ports(); rtp != 25000 || rtcp != 25001 {
		t.Fatalf("Ports = %d %d", rtp, rtcp)
	}
}

func TestParseTransportsErrors(t *testing.T) {
	for _, in := range []string{
		"", " , ", "RTP", "RTP/AVP/TCP/X", "RTP/AVP;client_port=70000", "RTP/AVP;client_port=5001-5000",
		"RTP/AVP;client_port=", "RTP/AVP;client_port=a-b", "RTP/AVP;interleaved=256-257", "RTP/AVP;ssrc=123456789",
		"RTP/AVP;ssrc=xyz", `RTP/AVP;mode="PL"AY"`, "RTP/A VP", "RTP/AVP;=x", "RTP/AVP;client_port=-5",
	} {
		if _, err := ParseTransports(in); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: err = %v, want ErrBadHeader", in, err)
		}
	}
}

func TestTransportString(t *testing.T) {
	reply := Transport{Profile: "RTP/AVP", Unicast: true, ClientPort: PortRange{27488, 27489, true},
		ServerPort: PortRange{6970, 6971, true}, SSRC: 0xDEADBEEF, HasSSRC: true, Mode: "PLAY"}
	if got, want := reply.String(), `RTP/AVP;unicast;client_port=27488-27489;server_port=6970-6971;ssrc=DEADBEEF;mode="PLAY"`; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	tcp := Transport{Profile: "RTP/AVP", Lower: "TCP", Unicast: true, Interleaved: PortRange{0, 1, true}}
	if got, want := tcp.String(), "RTP/AVP/TCP;unicast;interleaved=0-1"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if got := LabTransport(25000); got != "RTP/UDP; client_port= 25000" {
		t.Fatalf("LabTransport = %q", got)
	}
}
