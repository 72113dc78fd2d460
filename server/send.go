package server

import (
	"time"

	"github.com/rtpstream/rtpstream/internal/udpbatch"
	"github.com/rtpstream/rtpstream/rtcp"
	"github.com/rtpstream/rtpstream/rtp"
	"github.com/rtpstream/rtpstream/rtpjpeg"
)

const (
	// srInterval is how often a playing session gets an RTCP SR (RFC 3550
	// 6.2 suggests 5 s as the minimum interval). Sessions send theirs in
	// the first frame tick after each multiple of it on the wall clock
	// (see srDue), so that one system call carries them all.
	srInterval = 5 * time.Second
	// skipAfter is how far a session may fall behind the wall clock (a
	// loaded machine, a stalled scheduler) before frames are skipped rather
	// than sent late in a burst.
	skipAfter = 500 * time.Millisecond
)

// sendDue sends the session's due frame and returns when the next one is
// due. It runs on the scheduler goroutine.
func (s *Server) sendDue(e dueEntry, now time.Time) (time.Time, bool) {
	ss := e.s
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.state != statePlaying || ss.gen != e.gen {
		return time.Time{}, false
	}
	st := ss.stream
	slot := ss.slot
	if behind := now.Sub(ss.dueOf(ss.sent)); behind > slot {
		ss.framesLate++
		if behind > skipAfter {
			skip := int64(behind / slot)
			ss.sent += skip
			ss.pos += skip * ss.step
		}
	}
	store := ss.store
	n := int64(store.len())
	pastEnd := ss.hasEnd && (ss.step > 0 && ss.pos > ss.endPos || ss.step < 0 && ss.pos < ss.endPos)
	if pastEnd || !st.Live && st.noLoop && (ss.pos >= n || ss.pos < 0) {
		ss.state = stateReady
		ss.gen++
		ss.hasEnd = false
		if ss.d.rtcp {
			s.sendBye(ss, "end of stream")
		}
		return time.Time{}, false
	}
	idx := ss.pos % n
	if idx < 0 {
		idx += n
	}
	ts := ss.tsPlay + uint32(ss.sent)*ss.slotTicks
	if ss.d.wholeJPEG {
		// The lab's dialect sends the frame as stored: no conversion
		// or packets to wait for.
		if lab, err := store.source(int(idx)); err != nil {
			ss.framesSkipped++
		} else {
			ss.ensureScratchFor(1)
			s.sendFrame(ss, nil, lab, ts, now)
		}
	} else if f, err := store.frame(int(idx)); err != nil {
		// Not read or converted in time, or unreadable: skipped, never
		// waited for (the stream's clock goes on).
		ss.framesSkipped++
	} else {
		ss.ensureScratchFor(len(f.pk.Payloads))
		s.sendFrame(ss, f.pk, f.lab, ts, now)
	}
	ss.pos += ss.step
	ss.sent++
	return ss.dueOf(ss.sent), true
}

// deliverLive sends a live frame to every playing reader of its stream, on
// the scheduler goroutine, in the wake-up after the frame completed.
func (s *Server) deliverLive(ls *liveStream, f *liveFrame, now time.Time) {
	rs := ls.readers.Load()
	if rs == nil {
		return
	}
	for _, r := range *rs {
		r.deliver(f, now)
	}
}

// liveSent follows a live frame the scheduler has just sent (at now): it
// records how long the frame stayed in the server, when it had readers,
// and prepares the memory of the stream's next frame.
func (s *Server) liveSent(ls *liveStream, f *liveFrame, now time.Time) {
	if rs := ls.readers.Load(); rs != nil && len(*rs) > 0 && !f.arrival.IsZero() {
		s.liveDelay.observe(now.Sub(f.arrival))
	}
	ls.warm()
}

// end closes an RTSP reader's session (with BYE) when its path ends.
func (ss *Session) end(reason string) { ss.srv.closeSession(ss, reason) }

// deliver sends a live frame to an RTSP reader (frameReader): its own
// sequence numbers, SSRC and timestamp offset over the frame's shared
// payloads.
func (ss *Session) deliver(f *liveFrame, now time.Time) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.state == statePlaying {
		ss.ensureScratchFor(len(f.pk.Payloads))
		ss.srv.sendFrame(ss, f.pk, f.jpeg, ss.tsBase+f.ts, now)
	}
}

// sendFrame sends one frame to a session over its transport, in its
// dialect, and its sender report when one is due. Called on the scheduler
// goroutine with ss.mu held.
func (s *Server) sendFrame(ss *Session, pk *rtpjpeg.Packetized, whole []byte, ts uint32, now time.Time) {
	ss.framesOffered++
	switch {
	case ss.d.wholeJPEG:
		s.sendLabFrame(ss, whole, ts)
	case ss.tr.tcp:
		s.sendTCPFrame(ss, pk, ts)
	default:
		s.sendUDPFrame(ss, pk, ts)
	}
	if ss.d.rtcp && srDue(ss.lastSR, now) {
		ss.lastSR = now
		s.queueSR(ss, now)
	}
}

// srDue tells whether a session that last sent an SR at last should send
// one now: at once for the first, then once a multiple of srInterval on the
// wall clock has passed since the last. Every session of a server thus
// reports in the same tick (an average interval of srInterval, the first
// one possibly sooner), and flushUDP sends the reports with one sendmmsg
// instead of a system call each, spread over every tick.
func srDue(last, now time.Time) bool {
	return last.IsZero() || now.Truncate(srInterval).After(last)
}

// queueSR queues the session's SR: over UDP for flushUDP to send with the
// tick's other reports, over TCP interleaved on its connection.
func (s *Server) queueSR(ss *Session, now time.Time) {
	if ss.tr.tcp || !ss.tr.rtcpDst.IsValid() {
		s.sendRTCP(ss, s.senderReport(ss, now)...)
		return
	}
	b, err := rtcp.AppendMarshal(ss.sr[:0], s.senderReport(ss, now)...)
	if err != nil {
		s.log.Error("rtcp marshal", "session", ss.id, "err", err)
		return
	}
	ss.sr, ss.srHdr[0] = b, b
	s.pendingSR = append(s.pendingSR, udpbatch.Datagrams{Dst: ss.tr.rtcpDst, Hdrs: ss.srHdr[:], Payloads: ss.srNone[:]})
}

// countSent advances the sequence number and sender counters past a frame.
func (ss *Session) countSent(p *rtpjpeg.Packetized) {
	ss.seq += uint16(len(p.Payloads))
	ss.packetsSent += uint32(len(p.Payloads))
	for _, pl := range p.Payloads {
		ss.octetsSent += uint32(len(pl))
	}
}

// sendUDPFrame queues one frame's packets for the session's client:
// per-client headers over the shared payloads. flushUDP sends everything
// queued in one scheduler wake-up together. It allocates nothing.
func (s *Server) sendUDPFrame(ss *Session, p *rtpjpeg.Packetized, ts uint32) {
	n := len(p.Payloads)
	hdrs := ss.hdrs[:n]
	for i := range hdrs {
		rtp.PutHeader(hdrs[i], i == n-1, rtpjpeg.PayloadType, ss.seq+uint16(i), ts, ss.ssrc)
	}
	s.pending = append(s.pending, udpbatch.Datagrams{Dst: ss.tr.rtpDst, Hdrs: hdrs, Payloads: p.Payloads})
	ss.countSent(p)
}

// sendLabFrame queues a whole JPEG as one datagram, the lab's RTP dialect
// (lab-dialect.md): no RFC 2435 header, sequence numbers from 1.
func (s *Server) sendLabFrame(ss *Session, frame []byte, ts uint32) {
	if len(frame)+rtp.HeaderSize > maxUDPPayload {
		ss.framesDropped++
		ss.seq++ // the lab client sees the gap
		return
	}
	hdr := ss.hdrs[:1]
	rtp.PutHeader(hdr[0], false, rtpjpeg.PayloadType, ss.seq, ts, ss.ssrc)
	ss.labPayload[0] = frame
	s.pending = append(s.pending, udpbatch.Datagrams{Dst: ss.tr.rtpDst, Hdrs: hdr, Payloads: ss.labPayload[:]})
	ss.seq++
	ss.packetsSent++
	ss.octetsSent += uint32(len(frame))
}

// flush sends what one scheduler wake-up queued: UDP frames and reports,
// then the batched TCP frames.
func (s *Server) flush() {
	s.flushUDP()
	s.flushTCP()
}

// flushUDP sends the frames and sender reports queued during one scheduler
// wake-up: with GSO, one sendmmsg carries a GSO message per client, so a
// tick serving many clients costs a few system calls. A failed send (a vanished client's
// port, a full buffer) is counted; the session timeout ends vanished
// clients. It runs on the scheduler goroutine, which owns the queue and the
// sessions' header scratch until it returns.
func (s *Server) flushUDP() {
	s.pending = s.sendBatch(s.udp.batch, s.pending)
	s.pendingSR = s.sendBatch(s.udp.rtcp, s.pendingSR)
}

// sendBatch sends q on c and returns it emptied.
func (s *Server) sendBatch(c *udpbatch.Conn, q []udpbatch.Datagrams) []udpbatch.Datagrams {
	if len(q) == 0 {
		return q
	}
	if err := c.SendBatch(q); err != nil {
		s.udpErrors.Add(1)
	}
	clear(q) // drop references to session scratch
	return q[:0]
}
