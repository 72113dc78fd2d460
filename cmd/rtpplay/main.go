//go:build cgo

// Command rtpplay is the desktop player: a window with the video, the
// buttons Setup, Play, Pause and Teardown, a URL entry and a statistics
// line (package player), on Fyne's OpenGL driver. It needs cgo and the
// X11/GL headers; see README.
//
//	rtpplay [flags] [URL]
//	rtpplay --autoplay URL
//	rtpplay --lab HOST PORT RTP_PORT FILE   (the lab's ClientLauncher arguments)
//
// Closing the window sends TEARDOWN.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/rtpstream/rtpstream/player"
)

func main() {
	opt, err := parseArgs(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtpplay:", err)
		os.Exit(2)
	}
	os.Exit(run(opt))
}

func run(opt *options) int {
	a := app.NewWithID("io.github.rtpstream.rtpplay")
	w := a.NewWindow("rtpplay")
	cfg := opt.playerConfig(os.Stderr)
	var pp atomic.Pointer[player.Player]
	if cfg.OnStats != nil {
		// Also say where the video area is, so scripts can crop screenshots.
		stats := cfg.OnStats
		cfg.OnStats = func(line string) {
			stats(line)
			fyne.Do(func() {
				p := pp.Load()
				if p == nil {
					return
				}
				v := p.Video()
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(v)
				s := w.Canvas().Scale()
				fmt.Fprintf(os.Stderr, "rtpplay: video %d,%d %dx%d\n", int(pos.X*s), int(pos.Y*s), int(v.Size().Width*s), int(v.Size().Height*s))
			})
		}
	}
	p := player.New(cfg)
	pp.Store(p)
	w.SetContent(p.Content())
	w.Resize(fyne.NewSize(opt.width, opt.height))

	quit := make(chan struct{}, 1)
	closing := func() {
		select {
		case quit <- struct{}{}:
		default:
		}
	}
	w.SetCloseIntercept(closing)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		select {
		case <-quit:
		case <-ctx.Done():
		}
		p.Close() // TEARDOWN, off the UI goroutine
		fyne.Do(a.Quit)
	}()
	if opt.autoplay {
		fyne.Do(p.Play)
	}
	w.ShowAndRun()
	p.Close()
	return 0
}
