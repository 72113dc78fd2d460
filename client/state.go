package client

import "fmt"

// State is where a Session stands in the RTSP client state machine
// (RFC 2326 Appendix A.1), for the UI to show and to enable its buttons.
type State int32

const (
	// StateInit: described (or, in the lab dialect, connected); no RTSP
	// session yet. Setup (or Play) may follow.
	StateInit State = iota
	// StateReady: SETUP done, not playing (also after Pause).
	StateReady
	// StatePlaying: PLAY done; frames arrive on Frames.
	StatePlaying
	// StateClosed: torn down or closed; the Session cannot be used again
	// (Dial a new one).
	StateClosed
)

// String returns "init", "ready", "playing" or "closed".
func (s State) String() string {
	switch s {
	case StateInit:
		return "init"
	case StateReady:
		return "ready"
	case StatePlaying:
		return "playing"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", int32(s))
}
