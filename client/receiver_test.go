package client

import (
	"os"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// packetsOf packetizes a vector frame into whole RTP packets.
func packetsOf(tb testing.TB) [][]byte {
	tb.Helper()
	jpeg, err := os.ReadFile(testenv.SharedPath(tb, "vectors/frames_640x480_q5/00001.jpg"))
	if err != nil {
		tb.Fatal(err)
	}
	pk, err := rtpjpeg.Packetize(jpeg, rtpjpeg.DefaultMTU)
	if err != nil {
		tb.Fatal(err)
	}
	var pkts [][]byte
	for i, pl := range pk.Payloads {
		b := make([]byte, rtp.HeaderSize, rtp.HeaderSize+len(pl))
		rtp.PutHeader(b, i == len(pk.Payloads)-1, rtpjpeg.PayloadType, uint16(i), 0, 1)
		pkts = append(pkts, append(b, pl...))
	}
	return pkts
}

// TestReceiverLabJitter: lab packets are stamped in whole seconds; the
// jitter is measured against the nominal schedule (frame number × 50 ms),
// so a perfectly paced lab stream has zero jitter.
func TestReceiverLabJitter(t *testing.T) {
	cfg, _ := Config{}.withDefaults()
	frames := make(chan Frame, 16)
	r := newReceiver(TransportUDP, &cfg, labDialect, frames)
	jpeg, _ := os.ReadFile(testenv.SharedPath(t, "vectors/frames_640x480_q5/00001.jpg"))
	start := time.Now()
	for i := 1; i <= 10; i++ {
		b := make([]byte, rtp.HeaderSize, rtp.HeaderSize+len(jpeg))
		rtp.PutHeader(b, false, 26, uint16(i), uint32(start.Unix())+uint32(i/20), 0)
		r.rtp(append(b, jpeg...), start.Add(time.Duration(i)*50*time.Millisecond))
	}
	r.flush()
	st := r.snapshot()
	if st.JitterMs != 0 || st.FramesComplete != 10 || len(frames) != 10 || st.Width != 640 {
		t.Fatalf("stats %+v", st)
	}
}

// BenchmarkReceiverFrame measures the client's per-frame receive path over
// UDP (statistics, reorder buffer, depacketizer, header walk) for one
// 15 KB frame of 12 packets; the only allocation is the frame delivered.
func BenchmarkReceiverFrame(b *testing.B) {
	pkts := packetsOf(b)
	cfg, _ := Config{}.withDefaults()
	frames := make(chan Frame, 1)
	r := newReceiver(TransportUDP, &cfg, standard, frames)
	now := time.Now()
	seq, ts := uint16(0), uint32(0)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkts)) * int64(len(pkts[0])))
	for b.Loop() {
		ts += 3000
		for _, p := range pkts {
			p[2], p[3] = byte(seq>>8), byte(seq)
			p[4], p[5], p[6], p[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
			seq++
			r.rtp(p, now)
		}
		<-frames
	}
}

// TestReceiverFrameAlloc: Config.FrameAlloc provides each frame's JPEG
// buffer.
func TestReceiverFrameAlloc(t *testing.T) {
	pkts := packetsOf(t)
	var given [][]byte
	cfg, _ := Config{FrameAlloc: func(size int) []byte {
		b := make([]byte, 0, size)
		given = append(given, b)
		return b
	}}.withDefaults()
	frames := make(chan Frame, 4)
	r := newReceiver(TransportUDP, &cfg, standard, frames)
	for _, p := range pkts {
		r.rtp(p, time.Now())
	}
	r.flush()
	if len(frames) != 1 || len(given) != 1 {
		t.Fatalf("%d frames, FrameAlloc called %d times", len(frames), len(given))
	}
	if f := <-frames; &f.JPEG[0] != &given[0][:1][0] {
		t.Fatal("the frame is not in the buffer FrameAlloc gave")
	}
}
