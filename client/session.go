package client

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"
)

// Session is one RTSP client session playing a Motion-JPEG stream: from
// Dial (OPTIONS, DESCRIBE; dial.go) through Setup (setup.go), Play and
// Pause (play.go) to Teardown and Close (teardown.go), with the keepalive,
// receiver reports and idle checks of keepalive.go in between. Methods may
// be called from any goroutine. Complete frames arrive on Frames; Done
// closes when the media ends (end of stream, error, Teardown, Close).
//
// Who owns what:
//   - Dial sets cfg, log, tgt, d, ctl, ssrc and cname, and the channels and
//     context; they are read-only once Dial returns (tgt and d change only
//     while Dial follows redirects or falls back to the lab dialect).
//   - mu guards the session's mutable state: cc, desc, state, sessionID,
//     sessionTimeout, media, recv, played, lastRequest and endErr. It is
//     never held while calling into the control connection, the media or
//     the network.
//   - the op token (op, one slot) is held by whoever sends requests on the
//     control connection: Setup, Play, Pause and Teardown (which wait for
//     it, so they are serialised) and the keepalive (which skips its turn
//     when an operation holds it: that operation's requests refresh the
//     server's session timer anyway). The holder owns auth (the 401
//     answers and nonce count) and the connection's CSeq. Dial holds it
//     implicitly: nobody else has the Session yet.
//   - the media (media.go) and its receiver (receiver.go) guard themselves;
//     the control connection's reader (conn.go) is its own.
//
// Goroutines: maintain (keepalive.go) runs from Dial until Close, which
// waits for it (maintained closes when it ends); Close also stops the
// media's and the control connection's goroutines and waits for them.
type Session struct {
	cfg Config
	log *slog.Logger
	tgt target

	// d is the server's dialect and ctl its procedure (dialect.go).
	d   *dialect
	ctl control

	// op is the one-slot op token (see the type's doc): send to take it,
	// receive to give it back.
	op   chan struct{}
	auth authState // owned by the op token's holder

	mu             sync.Mutex // guards the fields below (see the type's doc)
	cc             *ctrlConn  // RFC 2326 control connection (nil in the lab dialect)
	desc           *Description
	state          State
	sessionID      string
	sessionTimeout time.Duration
	media          *media
	recv           *receiver // last receiver, kept for Stats after Close
	played         bool      // a PLAY was sent in this RTSP session
	lastRequest    time.Time // when the last request was answered (keepalive)
	endErr         error     // why the media ended; set once, with done

	frames     chan Frame
	done       chan struct{}   // closed when the media ends (end)
	ctx        context.Context // canceled by Close: ends waits and keepalives
	cancel     context.CancelFunc
	maintained chan struct{} // closed when maintain returns
	released   chan struct{} // closed when Close has released everything

	ssrc  uint32 // ours, in receiver reports
	cname string
}

// acquire takes the op token for the operation op, waiting until ctx ends
// or the Session is closed. A free token is taken even on a closed Session,
// so that the caller's state check reports what was asked out of state.
func (s *Session) acquire(ctx context.Context, op string) error {
	select {
	case s.op <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.op <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", op, ctx.Err())
	case <-s.ctx.Done():
		return fmt.Errorf("%s: %w", op, ErrClosed)
	}
}

// tryAcquire takes the op token if it is free.
func (s *Session) tryAcquire() bool {
	select {
	case s.op <- struct{}{}:
		return true
	default:
		return false
	}
}

// release gives the op token back.
func (s *Session) release() { <-s.op }

// stateError is the error of an operation asked in state st: ErrState, and
// ErrClosed too once the Session is closed (Close before or during an
// operation ends it the same way).
func stateError(op string, st State) error {
	if st == StateClosed {
		return fmt.Errorf("%w: %w: %s after Close", ErrState, ErrClosed, op)
	}
	return fmt.Errorf("%w: %s in state %s", ErrState, op, st)
}

// end records why the media ended and closes Done, the first time.
func (s *Session) end(err error) {
	s.mu.Lock()
	if s.endErr != nil {
		s.mu.Unlock()
		return
	}
	s.endErr = err
	close(s.done)
	s.mu.Unlock()
	if !errors.Is(err, ErrClosed) {
		s.log.Info("stream ended", "reason", err)
	}
}

// Frames returns the channel of complete frames. It is never closed: wait
// on Done as well, and drain Frames after Done closes.
func (s *Session) Frames() <-chan Frame { return s.frames }

// Done is closed when the media ends: end of stream (ErrEndOfStream), no
// media for MediaTimeout (ErrTimeout), Teardown or Close (ErrClosed). Err
// says which.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why Done closed, or nil while it is open.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endErr
}

// State returns the session's state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Lab reports whether the session speaks the lab dialect.
func (s *Session) Lab() bool { return s.d == labDialect }

// Description returns what DESCRIBE said (nil in the lab dialect).
func (s *Session) Description() *Description {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.desc
}

// Stats returns the reception statistics so far (zero before Setup).
func (s *Session) Stats() Stats {
	s.mu.Lock()
	r := s.recv
	s.mu.Unlock()
	if r == nil {
		return Stats{Lab: s.Lab()}
	}
	return r.snapshot()
}

func randUint32() uint32 {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uint32(mrand.IntN(math.MaxUint32))
	}
	return binary.BigEndian.Uint32(b[:])
}
