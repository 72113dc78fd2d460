package rtsp

import "testing"

// BenchmarkReadSetup reads ffmpeg's SETUP request from a connection-like
// stream, as the server does for every request.
func BenchmarkReadSetup(b *testing.B) {
	r := NewReader(&repeatReader{data: []byte(ffmpegSetup)}, Limits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(ffmpegSetup)))
	for b.Loop() {
		m, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		if m.(*Request).Method != "SETUP" {
			b.Fatal(m)
		}
	}
}

// BenchmarkParseRequestSetup parses the same request from a byte slice.
func BenchmarkParseRequestSetup(b *testing.B) {
	msg := []byte(ffmpegSetup)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := ParseRequest(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetupWithTransport reads the SETUP and parses its Transport.
func BenchmarkSetupWithTransport(b *testing.B) {
	r := NewReader(&repeatReader{data: []byte(ffmpegSetup)}, Limits{})
	b.ReportAllocs()
	for b.Loop() {
		m, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseTransports(m.(*Request).Header.Get("Transport")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFrame reads interleaved RTP packets (RTP over TCP).
func BenchmarkReadFrame(b *testing.B) {
	pkt := AppendFrame(nil, 0, make([]byte, 1400))
	r := NewReader(&repeatReader{data: pkt}, Limits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if _, err := r.Read(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResponseMarshal builds a typical SETUP reply.
func BenchmarkResponseMarshal(b *testing.B) {
	resp := &Response{StatusCode: StatusOK, Header: Header{
		{"CSeq", "3"},
		{"Transport", `RTP/AVP;unicast;client_port=27488-27489;server_port=6970-6971;ssrc=0A1B2C3D;mode="PLAY"`},
		{"Session", "1234ABCD;timeout=60"},
	}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = resp.AppendTo(buf[:0])
	}
}
