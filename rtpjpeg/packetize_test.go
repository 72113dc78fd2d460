package rtpjpeg

import (
	"bytes"
	"errors"
	"strconv"
	"testing"

	"github.com/rtpstream/rtpstream/jpeghdr"
)

// Packetizing the source frames at MTU 1400 reproduces GStreamer's payloads
// byte for byte (RFC 2435 headers, tables, data, trailing EOI).
func TestPacketizeMatchesGStreamer(t *testing.T) {
	tests := []struct {
		dump, frames string
		typ          uint8
	}{
		{"vectors/gst_rtpjpegpay_640x480_q5.rtpdump", "frames_640x480_q5", 1},
		{"vectors/gst_rtpjpegpay_640x480_q5_dri_type65.rtpdump", "frames_640x480_q5_dri", 65},
	}
	for _, tt := range tests {
		t.Run(tt.frames, func(t *testing.T) {
			captured := splitFrames(readRTPDump(t, tt.dump))
			sources := vectorFrames(t, tt.frames)
			if len(captured) != len(sources) {
				t.Fatalf("%d captured frames, %d sources", len(captured), len(sources))
			}
			for k, src := range sources {
				p, err := Packetize(src, 1400)
				if err != nil {
					t.Fatal(err)
				}
				want := captured[k]
				if len(p.Payloads) != len(want) {
					t.Fatalf("frame %d: %d payloads, GStreamer sent %d", k, len(p.Payloads), len(want))
				}
				for i, pl := range p.Payloads {
					if !bytes.Equal(pl, want[i].Payload) {
						t.Fatalf("frame %d packet %d differs:\n got % x...\nwant % x...", k, i, pl[:min(24, len(pl))], want[i].Payload[:min(24, len(want[i].Payload))])
					}
					if want[i].Marker != (i == len(want)-1) {
						t.Fatalf("capture marker bit on packet %d", i)
					}
				}
				if p.Payloads[0][4] != tt.typ {
					t.Fatalf("type %d, want %d", p.Payloads[0][4], tt.typ)
				}
			}
		})
	}
}

// Every payload but the last is exactly mtu-12 bytes (UDP GSO needs equal
// segments), the headers are as RFC 2435 wants, and the data concatenates
// back to the scan.
func TestPacketizeLayout(t *testing.T) {
	src := readShared(t, "vectors/frames_640x480_q5_dri/00003.jpg")
	odd := encodeGo(t, 70, 50, 80)
	for _, jpg := range [][]byte{src, odd} {
		f, err := NewFrame(jpg)
		if err != nil {
			t.Fatal(err)
		}
		for _, mtu := range []int{12 + 8 + 4 + 132 + 1, 200, 576, 1400, 1500, 9000, 65000} {
			p, err := Packetize(jpg, mtu)
			if err != nil {
				t.Fatalf("mtu %d: %v", mtu, err)
			}
			var scan []byte
			for i, pl := range p.Payloads {
				if i < len(p.Payloads)-1 && len(pl) != mtu-12 {
					t.Fatalf("mtu %d: payload %d has %d bytes, want %d", mtu, i, len(pl), mtu-12)
				}
				if len(pl) > mtu-12 {
					t.Fatalf("mtu %d: payload %d has %d bytes", mtu, i, len(pl))
				}
				var h mainHeader
				h.unmarshal(pl)
				if h.offset != len(scan) || h.q != 255 || h.typ != f.Type || int(h.width8)*8 != f.Width || int(h.height8)*8 != f.Height {
					t.Fatalf("mtu %d: payload %d header %+v", mtu, i, h)
				}
				d := pl[8:]
				if f.Type >= 64 {
					if !bytes.Equal(d[:4], []byte{0, byte(f.RestartInterval), 0xFF, 0xFF}) {
						t.Fatalf("restart header % x", d[:4])
					}
					d = d[4:]
				}
				if i == 0 {
					if !bytes.Equal(d[:4], []byte{0, 0, 0, 128}) || !bytes.Equal(d[4:132], f.Tables) {
						t.Fatalf("quantization header % x", d[:4])
					}
					d = d[132:]
				}
				scan = append(scan, d...)
			}
			if !bytes.Equal(scan, f.Scan) || !bytes.HasSuffix(scan, []byte{0xFF, 0xD9}) {
				t.Fatalf("mtu %d: data does not reassemble to the scan", mtu)
			}
		}
	}
	if f, _ := NewFrame(odd); f.Width != 72 || f.Height != 56 {
		t.Fatalf("70x50 carried as %dx%d, want 72x56", f.Width, f.Height)
	}
}

func TestPacketizeErrors(t *testing.T) {
	src := readShared(t, "vectors/frames_640x480_q5/00002.jpg")
	movie := readShared(t, "media/movie.Mjpeg")
	n, _ := strconv.Atoi(string(movie[:5]))
	frame444 := movie[5 : 5+n]
	tests := []struct {
		name   string
		jpeg   []byte
		mtu    int
		want   error
		reason string
	}{
		{"4:4:4 lab movie", frame444, 1400, jpeghdr.ErrNotCarriable, "4:4:4 chroma"},
		{"not a JPEG", []byte("hello"), 1400, jpeghdr.ErrNotJPEG, ""},
		{"truncated", src[:1000], 1400, nil, ""},
		{"MTU too small", src, 12 + 8 + 132, ErrMTUTooSmall, ""},
		{"MTU negative", src, -5, ErrMTUTooSmall, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Packetize(tt.jpeg, tt.mtu)
			if err == nil || p != nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Packetize error %v, want %v", err, tt.want)
			}
			var nc *jpeghdr.NotCarriableError
			if tt.reason != "" && (!errors.As(err, &nc) || nc.Reason != tt.reason) {
				t.Fatalf("error %v, want reason %q", err, tt.reason)
			}
		})
	}
	// Smallest MTU that works.
	if _, err := Packetize(src, 12+8+132+1); err != nil {
		t.Fatal(err)
	}
	if p, err := Packetize(src, 0); err != nil || len(p.Payloads[0]) != DefaultMTU-12 {
		t.Fatalf("mtu 0: %v", err)
	}
}

func TestFramePacketizeErrors(t *testing.T) {
	scan := []byte{1, 2, 0xFF, 0xD9}
	tests := []struct {
		name string
		f    Frame
		want error
	}{
		{"type 2", Frame{Type: 2, Q: 50, Width: 8, Height: 8, Scan: scan}, ErrUnsupportedType},
		{"type 128", Frame{Type: 129, Q: 50, Width: 8, Height: 8, Scan: scan}, ErrUnsupportedType},
		{"Q 0", Frame{Q: 0, Width: 8, Height: 8, Scan: scan}, ErrUnsupportedQ},
		{"Q 100", Frame{Q: 100, Width: 8, Height: 8, Scan: scan}, ErrUnsupportedQ},
		{"width 0", Frame{Q: 50, Width: 0, Height: 8, Scan: scan}, ErrBadFrame},
		{"height 2048", Frame{Q: 50, Width: 8, Height: 2048, Scan: scan}, ErrBadFrame},
		{"empty scan", Frame{Q: 50, Width: 8, Height: 8}, ErrBadFrame},
		{"huge tables", Frame{Q: 255, Width: 8, Height: 8, Tables: make([]byte, 70000), Scan: scan}, ErrBadFrame},
	}
	for _, tt := range tests {
		var p Packetized
		if err := tt.f.PacketizeTo(&p, 1400); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestPacketizeToNoAlloc(t *testing.T) {
	src := readShared(t, "vectors/frames_640x480_q5_dri/00002.jpg")
	var p Packetized
	if err := PacketizeTo(&p, src, 1400); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(50, func() { _ = PacketizeTo(&p, src, 1400) }); n != 0 {
		t.Fatalf("PacketizeTo allocates %v times per frame in steady state", n)
	}
}

func BenchmarkPacketize(b *testing.B) {
	src := readShared(b, "vectors/frames_640x480_q5/00002.jpg")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Packetize(src, DefaultMTU); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPacketizeTo(b *testing.B) {
	src := readShared(b, "vectors/frames_640x480_q5/00002.jpg")
	var p Packetized
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if err := PacketizeTo(&p, src, DefaultMTU); err != nil {
			b.Fatal(err)
		}
	}
}
