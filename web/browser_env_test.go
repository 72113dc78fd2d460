package web_test

// Helpers of the browser tests: the server under test in-process, headless
// Chromium driven over the DevTools protocol (chromedp), waiting for
// conditions, screenshots and image comparison.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
	"github.com/rtpstream/rtpstream/web"
)

// browserEnv is one server, its HTTP side and a headless Chromium tab.
type browserEnv struct {
	srv  *server.Server
	http *httptest.Server
	// tab is the Chromium tab's context: every chromedp call runs on it.
	tab context.Context
}

// extraPages are test-only pages served beside the status page.
type extraPages map[string]string

// newBrowserEnv starts the server with cfg, its HTTP handler on 127.0.0.1
// (plus the extra pages), and Chromium; all end with the test. The tab's
// context ends after limit.
func newBrowserEnv(t *testing.T, cfg server.Config, pages extraPages, limit time.Duration) *browserEnv {
	t.Helper()
	exe := testenv.LookPeer(t, "chromium")
	if cfg.Logger == nil && testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv := servertest.Start(t, cfg)
	mux := http.NewServeMux()
	for p, body := range pages {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, body)
		})
	}
	mux.Handle("/", browserHandler(t, srv))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1400),
	)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	tab, tcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		tcancel()
		acancel()
		cancel()
	})
	// Start the browser now, so that a failure to start names itself.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	return &browserEnv{srv: srv, http: hs, tab: tab}
}

// browserHandler is what serves the status page under test: web.New, as
// `serve --http` runs it.
func browserHandler(t *testing.T, srv *server.Server) http.Handler {
	t.Helper()
	return web.New(srv, web.Config{RTSPURL: "rtsp://" + srv.Addr().String()})
}

// do runs chromedp actions on the tab, failing the test on error.
func (e *browserEnv) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(e.tab, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// browserEval evaluates a JavaScript expression in the env's tab.
func browserEval[T any](t *testing.T, e *browserEnv, js string) T {
	t.Helper()
	v, err := chromedp.Run(e.tab, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", browserFirstLine(js), err)
	}
	return v
}

func browserFirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "…"
	}
	return s
}

// browserWait polls cond (testenv.Poll) until it holds, failing the test
// with what (and cond's last explanation) at the deadline.
func browserWait(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	var why string
	if !testenv.Poll(timeout, func() bool {
		var ok bool
		ok, why = cond()
		return ok
	}) {
		t.Fatalf("%s: not within %v: %s", what, timeout, why)
	}
}

// browserRect is a page element's box in CSS pixels.
type browserRect struct {
	X, Y, W, H float64
}

// screenshot captures the viewport (clip nil) or a clip of it as an image.
func (e *browserEnv) screenshot(t *testing.T, clip *browserRect) image.Image {
	t.Helper()
	buf, err := chromedp.Run(e.tab, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		p := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng, FromSurface: new(true)}
		if clip != nil {
			p.Clip = &page.Viewport{X: clip.X, Y: clip.Y, Width: clip.W, Height: clip.H, Scale: 1}
		}
		r, err := cdp.Call(ctx, tg, page.CaptureScreenshot, p)
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	return img
}

// browserSavePNG writes img to path.
func browserSavePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatalf("encode %s: %v", path, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
}

// browserKeepScreenshot saves img as name in RTPSTREAM_SCREENSHOTS (a folder) when
// that is set, so a run can keep what the browser showed (README's picture
// of the status page comes from here).
func browserKeepScreenshot(t *testing.T, name string, img image.Image) {
	t.Helper()
	dir := os.Getenv("RTPSTREAM_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	browserSavePNG(t, filepath.Join(dir, name), img)
	t.Logf("screenshot %s", filepath.Join(dir, name))
}

// crop returns the part of img inside r (CSS pixels = image pixels: the
// tab's device scale factor is 1).
func browserCrop(img image.Image, r browserRect) image.Image {
	b := image.Rect(int(r.X+0.5), int(r.Y+0.5), int(r.X+r.W+0.5), int(r.Y+r.H+0.5)).Intersect(img.Bounds())
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x-b.Min.X, y-b.Min.Y, img.At(x, y))
		}
	}
	return out
}

// browserChanged is the fraction of pixels of two same-sized images whose
// luma differs by more than 24 (of 255): JPEG noise stays below it, moving
// content does not.
func browserChanged(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() || ab.Empty() {
		return 1
	}
	changed := 0
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			d := browserLuma(a.At(ab.Min.X+x, ab.Min.Y+y)) - browserLuma(b.At(bb.Min.X+x, bb.Min.Y+y))
			if d > 24 || d < -24 {
				changed++
			}
		}
	}
	return float64(changed) / float64(ab.Dx()*ab.Dy())
}

// luma is a colour's brightness, 0..255 (BT.601 weights).
func browserLuma(c interface{ RGBA() (r, g, b, a uint32) }) int {
	r, g, b, _ := c.RGBA()
	return int((299*r + 587*g + 114*b) / 1000 >> 8)
}

// browserPeer is a real client (ffmpeg, gst-launch) running until the test ends.
type browserPeer struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

// Write keeps the first 64 KiB of the peer's output for failure messages.
func (p *browserPeer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if room := 64<<10 - p.out.Len(); room > 0 {
		p.out.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

// output returns what the browserPeer printed so far.
func (p *browserPeer) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// exited reports whether the browserPeer ended, and how.
func (p *browserPeer) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// startBrowserPeer runs a browserPeer binary (skipping when it is not installed) and
// kills it when the test ends.
func startBrowserPeer(t *testing.T, name string, args ...string) *browserPeer {
	t.Helper()
	exe := testenv.LookPeer(t, name)
	p := &browserPeer{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(exe, args...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s (pid %d) did not end after kill", name, p.cmd.Process.Pid)
		}
	})
	return p
}

// String names the browserPeer and its command line.
func (p *browserPeer) String() string { return fmt.Sprintf("%s %q", p.name, p.cmd.Args[1:]) }
