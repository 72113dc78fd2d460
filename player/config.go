package player

import (
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
)

// Defaults of the Config fields.
const (
	DefaultStatsInterval = time.Second
	DefaultOpTimeout     = 15 * time.Second
	DefaultCloseTimeout  = 2 * time.Second
)

// Config configures a Player. Dial is required; the other fields have the
// documented defaults.
type Config struct {
	// Dial opens the session for the URL in the entry (ClientDialer).
	Dial Dialer
	// URL is the entry's initial text.
	URL string
	// JitterBuffer is how long a frame waits after it arrives before it is
	// shown; 0 means DefaultJitterBuffer (100 ms), negative means none.
	JitterBuffer time.Duration
	// StatsInterval is how often the statistics line is refreshed.
	// Default 1 s.
	StatsInterval time.Duration
	// OpTimeout bounds one button's work (dial, SETUP, PLAY...). Default 15 s.
	OpTimeout time.Duration
	// CloseTimeout bounds the TEARDOWN sent by Close. Default 2 s.
	CloseTimeout time.Duration
	// OnStats, when set, receives the statistics line (with the display's
	// own figures appended) every StatsInterval while a session is open,
	// from a non-UI goroutine; rtpplay --stats-stderr prints it.
	OnStats func(line string)
	// Decode decodes frames off the UI goroutine. Default DecodeJPEG
	// (pure Go).
	Decode Decoder
	// Do runs a function on the UI goroutine. Default fyne.Do.
	Do func(func())
	// Logger receives one line per event. Default: discard.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	switch {
	case c.JitterBuffer == 0:
		c.JitterBuffer = DefaultJitterBuffer
	case c.JitterBuffer < 0:
		c.JitterBuffer = 0
	}
	if c.StatsInterval <= 0 {
		c.StatsInterval = DefaultStatsInterval
	}
	if c.OpTimeout <= 0 {
		c.OpTimeout = DefaultOpTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.Do == nil {
		c.Do = fyne.Do
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
