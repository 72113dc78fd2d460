package player

import (
	"context"
	"errors"
	"image/color"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/rtpstream/rtpstream/client"
)

// Player is the content of rtpplay's window and the logic behind its
// buttons. Button actions run off the UI goroutine (all buttons are
// disabled meanwhile); their results, the statistics line and errors come
// back through Config.Do.
type Player struct {
	cfg Config

	// Widgets: touched on the UI goroutine only.
	url                                      *widget.Entry
	setupBtn, playBtn, pauseBtn, teardownBtn *widget.Button
	statsLabel, status                       *widget.Label
	video                                    *canvas.Image
	content                                  fyne.CanvasObject
	scr                                      *screen

	ctx    context.Context // canceled by Close: ends operations in flight
	cancel context.CancelFunc
	ops    sync.WaitGroup // button operations in flight
	bg     sync.WaitGroup // the statistics goroutine and session watchers

	mu     sync.Mutex // guards the fields below
	src    Source
	eng    *engine
	busy   bool
	closed bool
	rates  rates
	errMsg string
}

// New builds the window content. Call Close when the window closes (it
// sends TEARDOWN).
func New(cfg Config) *Player {
	cfg = cfg.withDefaults()
	p := &Player{cfg: cfg}
	p.ctx, p.cancel = context.WithCancel(context.Background())

	p.video = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleFastest}
	p.video.SetMinSize(fyne.NewSize(320, 240))
	p.scr = &screen{do: cfg.Do, video: p.video, now: time.Now}

	p.url = widget.NewEntry()
	p.url.SetPlaceHolder("rtsp://host:port/path")
	p.url.SetText(cfg.URL)
	p.url.OnSubmitted = func(string) { p.Play() }

	p.setupBtn = widget.NewButton("Setup", p.Setup)
	p.playBtn = widget.NewButton("Play", p.Play)
	p.pauseBtn = widget.NewButton("Pause", p.Pause)
	p.teardownBtn = widget.NewButton("Teardown", p.Teardown)
	p.statsLabel = widget.NewLabel("")
	p.statsLabel.TextStyle.Monospace = true
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord

	bg := canvas.NewRectangle(color.Black)
	buttons := container.NewGridWithColumns(4, p.setupBtn, p.playBtn, p.pauseBtn, p.teardownBtn)
	bottom := container.NewVBox(buttons, p.statsLabel, p.status)
	p.content = container.NewBorder(p.url, bottom, nil, nil, container.NewStack(bg, p.video))
	p.refreshUI()

	p.bg.Add(1)
	go p.statsLoop()
	return p
}

// Content is the window content.
func (p *Player) Content() fyne.CanvasObject { return p.content }

// Video is the video area (for screenshots and tests).
func (p *Player) Video() *canvas.Image { return p.video }

// State is the session's state (StateInit with no session).
func (p *Player) State() client.State {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.src == nil {
		return client.StateInit
	}
	return p.src.State()
}

// Setup dials when no session is open, then sends SETUP (the Setup button).
func (p *Player) Setup() {
	p.run("Setup", func(ctx context.Context, src Source) error { return src.Setup(ctx) })
}

// Play dials and sets up when needed, then sends PLAY (the Play button).
func (p *Player) Play() {
	p.run("Play", func(ctx context.Context, src Source) error { return src.Play(ctx) })
}

// Pause sends PAUSE; the last picture stays (the Pause button).
func (p *Player) Pause() {
	p.run("Pause", func(ctx context.Context, src Source) error { return src.Pause(ctx) })
}

// Teardown sends TEARDOWN and resets the window (the Teardown button).
func (p *Player) Teardown() {
	p.run("Teardown", nil)
}

// Close sends TEARDOWN (bounded by Config.CloseTimeout), stops every
// goroutine and waits for them. The Player is unusable afterwards. It must
// not be called on the UI goroutine while an operation's result is waiting
// for it (rtpplay calls it from its own goroutine).
func (p *Player) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.ops.Wait()
	p.bg.Wait()
	p.mu.Lock()
	src, eng := p.src, p.eng
	p.src, p.eng = nil, nil
	p.mu.Unlock()
	if src != nil {
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.CloseTimeout)
		if err := src.Teardown(ctx); err != nil {
			p.cfg.Logger.Warn("teardown on close", "err", err)
		}
		cancel()
		_ = src.Close()
	}
	if eng != nil {
		eng.close()
	}
}

// run performs one button's work off the UI goroutine. op nil means
// Teardown. Called on the UI goroutine.
func (p *Player) run(name string, op func(context.Context, Source) error) {
	p.mu.Lock()
	if p.busy || p.closed {
		p.mu.Unlock()
		return
	}
	if op == nil && p.src == nil {
		p.mu.Unlock()
		return
	}
	p.busy = true
	p.errMsg = ""
	src := p.src
	p.mu.Unlock()
	url := strings.TrimSpace(p.url.Text)
	p.status.SetText(name + "…")
	p.status.Importance = widget.MediumImportance
	p.refreshUI()

	p.ops.Add(1)
	go func() {
		defer p.ops.Done()
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.OpTimeout)
		defer cancel()
		var err error
		if op == nil {
			err = p.teardown(ctx, src)
		} else {
			if src == nil {
				src, err = p.open(ctx, url)
			}
			if err == nil {
				err = op(ctx, src)
				if err != nil && src.State() == client.StateInit {
					// Nothing set up: forget the session so the next try
					// dials again (the URL may have been corrected).
					p.drop(src)
				}
			}
		}
		if err != nil {
			p.cfg.Logger.Warn(name+" failed", "err", err)
		}
		p.cfg.Do(func() {
			p.mu.Lock()
			p.busy = false
			if err != nil {
				p.errMsg = name + ": " + err.Error()
			}
			p.mu.Unlock()
			p.refreshUI()
		})
	}()
}

// open dials url and starts an engine on the new session.
func (p *Player) open(ctx context.Context, url string) (Source, error) {
	if url == "" {
		return nil, errors.New("no URL: type rtsp://host:port/path")
	}
	src, err := p.cfg.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	eng := newEngine(src.Frames(), p.cfg.JitterBuffer, src.Stats().Lab, p.scr.offer, p.scr.buffer)
	eng.decoder = p.cfg.Decode
	eng.start()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		eng.close()
		_ = src.Close()
		return nil, client.ErrClosed
	}
	p.src, p.eng = src, eng
	p.rates = rates{}
	p.mu.Unlock()
	p.bg.Add(1)
	go p.watch(src)
	return src, nil
}

// watch resets the player when src's media ends by itself (end of stream,
// timeout).
func (p *Player) watch(src Source) {
	defer p.bg.Done()
	select {
	case <-p.ctx.Done():
		return
	case <-src.Done():
	}
	err := src.Err()
	if !p.drop(src) || errors.Is(err, client.ErrClosed) {
		return
	}
	p.cfg.Do(func() {
		p.mu.Lock()
		p.errMsg = "stream ended: " + err.Error()
		p.mu.Unlock()
		p.refreshUI()
	})
}

// teardown sends TEARDOWN and forgets the session even when it fails (the
// client closes it either way).
func (p *Player) teardown(ctx context.Context, src Source) error {
	err := src.Teardown(ctx)
	p.drop(src)
	return err
}

// drop forgets src if it is the current session: closes it, stops its
// engine and blanks the video. It reports whether src was current.
func (p *Player) drop(src Source) bool {
	p.mu.Lock()
	if p.src != src {
		p.mu.Unlock()
		return false
	}
	eng := p.eng
	p.src, p.eng = nil, nil
	p.mu.Unlock()
	_ = src.Close()
	if eng != nil {
		eng.close()
	}
	p.cfg.Do(func() {
		p.scr.clear()
		p.statsLabel.SetText("")
	})
	return true
}

// refreshUI sets the buttons, the URL entry and the status line from the
// state (UI goroutine): Setup with no session; Play unless playing; Pause
// while playing; Teardown with a session; nothing while busy.
func (p *Player) refreshUI() {
	p.mu.Lock()
	busy, closed, errMsg, src := p.busy, p.closed, p.errMsg, p.src
	p.mu.Unlock()
	st := client.StateInit
	if src != nil {
		st = src.State()
	}
	enable := func(b *widget.Button, on bool) {
		if on && !busy && !closed {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	enable(p.setupBtn, st == client.StateInit)
	enable(p.playBtn, st == client.StateInit || st == client.StateReady)
	enable(p.pauseBtn, st == client.StatePlaying)
	enable(p.teardownBtn, src != nil && st != client.StateClosed)
	if src == nil && !busy && !closed {
		p.url.Enable()
	} else {
		p.url.Disable()
	}
	switch {
	case errMsg != "":
		p.status.Importance = widget.DangerImportance
		p.status.SetText("Error: " + errMsg)
	case busy:
	default:
		p.status.Importance = widget.MediumImportance
		p.status.SetText(stateText(st, src != nil))
	}
}

func stateText(st client.State, open bool) string {
	switch {
	case !open:
		return "Stopped: press Setup or Play"
	case st == client.StateInit:
		return "Connected"
	case st == client.StateReady:
		return "Ready"
	case st == client.StatePlaying:
		return "Playing"
	}
	return st.String()
}

// statsLoop refreshes the statistics line every StatsInterval.
func (p *Player) statsLoop() {
	defer p.bg.Done()
	t := time.NewTicker(p.cfg.StatsInterval)
	defer t.Stop()
	last := time.Now()
	for {
		var now time.Time
		select {
		case <-p.ctx.Done():
			return
		case now = <-t.C:
		}
		p.mu.Lock()
		src, eng := p.src, p.eng
		var line, full string
		if src != nil {
			line = p.rates.line(src.Stats(), now)
			var dropped uint64
			if eng != nil {
				es := eng.stats()
				dropped = es.Late + es.Overflow
			}
			dropped += p.scr.dropped.Load()
			full = p.rates.displayLine(line, p.scr.shown.Load(), dropped, p.scr.takeLatency(), now.Sub(last))
		}
		p.mu.Unlock()
		last = now
		if src == nil {
			continue
		}
		if p.cfg.OnStats != nil {
			p.cfg.OnStats(full)
		}
		p.cfg.Do(func() {
			p.statsLabel.SetText(line)
			p.refreshUI()
		})
	}
}
