package server

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

// fuzzMaxFrame is the publisher's MaxFrameBytes in FuzzPublisherIngest.
const fuzzMaxFrame = 64 << 10

// fuzzHeaderSlack bounds what a rebuilt JPEG adds to its scan data
// (RFC 2435 Appendix B headers: up to four 16-bit tables, the Annex K.3
// Huffman tables, SOF, DRI, SOS).
const fuzzHeaderSlack = 4096

// splitRecords cuts the fuzz input into packets: records of a 2-byte
// big-endian length and that many bytes (the shared vectors' .rtpdump
// layout); a short last record takes what is left.
func splitRecords(b []byte, max int) [][]byte {
	var out [][]byte
	for len(b) >= 2 && len(out) < max {
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// joinRecords is splitRecords' inverse, for seeds.
func joinRecords(pkts [][]byte) []byte {
	var out []byte
	for _, p := range pkts {
		out = binary.BigEndian.AppendUint16(out, uint16(len(p)))
		out = append(out, p...)
	}
	return out
}

// fuzzSeedPackets makes RTP packets of frames as publishers send them:
// edit changes each frame's RFC 2435 description first.
func fuzzSeedPackets(tb testing.TB, frames [][]byte, mtu int, edit func(*rtpjpeg.Frame)) [][]byte {
	var out [][]byte
	var pk rtpjpeg.Packetized
	seq, ts := uint16(65533), uint32(0xfffff000)
	for _, j := range frames {
		f := mustFrame(tb, j)
		if edit != nil {
			edit(f)
		}
		if err := f.PacketizeTo(&pk, mtu); err != nil {
			tb.Fatalf("packetize: %v", err)
		}
		for i, pl := range pk.Payloads {
			b := make([]byte, rtp.HeaderSize+len(pl))
			rtp.PutHeader(b, i == len(pk.Payloads)-1, rtpjpeg.PayloadType, seq, ts, 0x01020304)
			copy(b[rtp.HeaderSize:], pl)
			out = append(out, b)
			seq++
		}
		ts += 3000
	}
	return out
}

// FuzzPublisherIngest feeds packet sequences to a publisher's ingest path
// (publisher.ingest into a real liveStream): it never panics, every frame
// it pushes to the path is a JPEG jpeghdr.Parse accepts and RFC 2435 can
// carry, and no frame exceeds the publisher's size limit.
func FuzzPublisherIngest(f *testing.F) {
	small := pubFrames(f, 3)
	f.Add(joinRecords(fuzzSeedPackets(f, small, 200, nil)))
	f.Add(joinRecords(fuzzSeedPackets(f, small, 200, func(fr *rtpjpeg.Frame) { fr.Tables = fr.Tables[:64] })))
	f.Add(joinRecords(fuzzSeedPackets(f, small, 200, func(fr *rtpjpeg.Frame) { fr.Q, fr.Tables = 60, nil })))
	f.Add(joinRecords(fuzzSeedPackets(f, small, 200, func(fr *rtpjpeg.Frame) { fr.Type, fr.RestartInterval = fr.Type+64, 4 })))
	cut := fuzzSeedPackets(f, small, 200, nil)
	garbage := append(cut[:2:2], []byte("garbage"), []byte{0x80, 26}, nil)
	f.Add(joinRecords(append(garbage, cut[len(cut)/2:]...)))
	// testdata/fuzz/FuzzPublisherIngest also holds the shared vectors'
	// .rtpdump captures of GStreamer (types 1 and 65) and ffmpeg.

	cfg := Config{MaxFrameBytes: fuzzMaxFrame, Logger: testLogger()}.withDefaults()
	srv := &Server{cfg: cfg, log: cfg.Logger}
	srv.sched = newScheduler(nil, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		ls := newLiveStream(srv, PathConfig{Name: "/fuzz", Kind: SourcePublisher, Publish: true}, false)
		ls.epoch = 1
		p := &publisher{ls: ls, pt: rtpjpeg.PayloadType}
		p.depack.MaxFrameBytes = fuzzMaxFrame
		p.depack.Alloc = ls.warmJPEG.get // as a served publisher's
		p.epoch.Store(1)
		p.recording.Store(true)
		now := time.Unix(1700000000, 0)
		var seen uint64
		var prev *liveFrame
		for _, pkt := range splitRecords(data, 4096) {
			now = now.Add(time.Millisecond)
			p.ingest(pkt, now)
			ls.mu.Lock()
			frames, last := ls.frames, ls.last
			ls.mu.Unlock()
			if frames == seen {
				continue
			}
			if frames != seen+1 {
				t.Fatalf("one packet pushed %d frames", frames-seen)
			}
			seen = frames
			if n := len(last.jpeg); n > fuzzMaxFrame+fuzzHeaderSlack {
				t.Fatalf("pushed a %d-byte frame over the %d-byte limit", n, fuzzMaxFrame)
			}
			info, err := jpeghdr.Parse(last.jpeg)
			if err != nil {
				t.Fatalf("pushed a frame jpeghdr rejects: %v", err)
			}
			if _, err := info.RFC2435(); err != nil {
				t.Fatalf("pushed a frame RFC 2435 cannot carry: %v", err)
			}
			if len(last.pk.Payloads) == 0 {
				t.Fatal("pushed a frame without payloads")
			}
			// A prepared buffer goes to one frame only: the frame
			// before still holds what it held.
			if prev != nil && (sameMemory(prev.jpeg, last.jpeg) || sameMemory(prev.pk.Buf, last.pk.Buf)) {
				t.Fatal("two frames share a buffer")
			}
			prev = last
			ls.warm() // as the scheduler does after sending it
		}
		// The scheduler does not run here: forget what was posted.
		srv.sched.mu.Lock()
		clear(srv.sched.posts)
		srv.sched.posts = srv.sched.posts[:0]
		srv.sched.mu.Unlock()
	})
}
