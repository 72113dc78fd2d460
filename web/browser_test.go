package web_test

// Acceptance tests of issue 11 in a real browser: headless Chromium
// (Debian's chromium, driven with chromedp) against the server and web.New
// running in-process on 127.0.0.1. They skip when chromium, ffmpeg or
// gst-launch-1.0 is missing (fail under RTPSTREAM_REQUIRE_PEERS=1).
// RTPSTREAM_SCREENSHOTS=DIR keeps the screenshots they take.

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rtpstream/rtpstream/internal/testenv"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/mpjpeg"
	"github.com/rtpstream/rtpstream/server"
)

// hostileName is a media file whose path is HTML: the page must show it
// as text.
const hostileName = `<img src=x onerror="document.title='pwned'">&amp;.mjpeg`

// browserMediaDir makes a media folder with the shared movie (if present)
// and a short raw-MJPEG file with a hostile name.
func browserMediaDir(t *testing.T) (dir string, files []string) {
	t.Helper()
	dir = t.TempDir()
	movie, err := os.ReadFile(testenv.SharedPath(t, "media/movie.Mjpeg"))
	if err != nil {
		t.Fatalf("media: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "movie.Mjpeg"), movie, 0o644); err != nil {
		t.Fatalf("media folder: %v", err)
	}
	p, err := mjpeg.NewPattern(160, 120, 10, 70, 20)
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for n := range 20 {
		raw = append(raw, p.Frame(n)...)
	}
	if err := os.WriteFile(filepath.Join(dir, hostileName), raw, 0o644); err != nil {
		t.Fatalf("media folder: %v", err)
	}
	return dir, []string{"/movie.Mjpeg", "/" + hostileName}
}

// pageStream is what the status page shows of one stream.
type pageStream struct {
	Path    string       `json:"path"`
	Heading string       `json:"heading"`
	HTMLish bool         `json:"htmlish"`
	Preview browserRect  `json:"preview"`
	Natural int          `json:"natural"`
	RTSP    string       `json:"rtsp"`
	HTTP    string       `json:"http"`
	Readers []pageReader `json:"readers"`
}

// pageReader is one row of a stream's reader table.
type pageReader struct {
	Remote    string `json:"remote"`
	Transport string `json:"transport"`
	FPS       string `json:"fps"`
	Kbps      string `json:"kbps"`
	Loss      string `json:"loss"`
	Jitter    string `json:"jitter"`
}

// readPageJS collects pageStream values from the status page.
const readPageJS = `Array.from(document.querySelectorAll("article.stream")).map(a => {
  const img = a.querySelector("img.pv"), r = img.getBoundingClientRect();
  const h2 = a.querySelector("h2.path");
  const cell = (tr, c) => tr.querySelector("." + c).textContent;
  return {
    path: a.dataset.path, heading: h2.textContent, htmlish: h2.children.length > 0,
    preview: {X: r.x, Y: r.y, W: r.width, H: r.height}, natural: img.naturalWidth,
    rtsp: a.querySelectorAll(".url input")[0].value, http: a.querySelectorAll(".url input")[1].value,
    readers: Array.from(a.querySelectorAll("tbody tr")).map(tr => ({
      remote: cell(tr, "remote"), transport: cell(tr, "transport"), fps: cell(tr, "fps"),
      kbps: cell(tr, "kbps"), loss: cell(tr, "loss"), jitter: cell(tr, "jitter")})),
  };
})`

// TestBrowserStatusPage opens "/" in Chromium while ffmpeg (RTSP over TCP)
// and GStreamer (RTSP over UDP) play /test: the page lists /test and the
// media files with moving previews (two screenshots a second apart differ
// inside every preview), shows a hostile path as text, and its reader
// table shows the two RTSP readers with their transports and a bit rate
// computed from two polls.
func TestBrowserStatusPage(t *testing.T) {
	dir, files := browserMediaDir(t)
	began := time.Now()
	env := newBrowserEnv(t, server.Config{MediaDir: dir, PatternFrames: 30}, nil, 55*time.Second)
	t.Logf("server and browser up in %v", time.Since(began).Round(time.Millisecond))
	want := append([]string{server.PatternName}, files...)
	for _, p := range want {
		if !slices.Contains(env.srv.Streams(), p) {
			t.Fatalf("server does not serve %q: %q", p, env.srv.Streams())
		}
	}
	url := "rtsp://" + env.srv.Addr().String() + server.PatternName
	ff := startBrowserPeer(t, "ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url, "-f", "null", "-")
	gst := startBrowserPeer(t, "gst-launch-1.0", "-q", "rtspsrc", "location="+url, "protocols=udp", "latency=100", "!", "fakesink")
	// Both play: the server sends them packets.
	var remotes map[string]string // transport -> remote
	browserWait(t, "ffmpeg (tcp) and GStreamer (udp) play /test", 20*time.Second, func() (bool, string) {
		for _, p := range []*browserPeer{ff, gst} {
			if done, err := p.exited(); done {
				t.Fatalf("%v ended early (%v): %s", p, err, p.output())
			}
		}
		remotes = map[string]string{}
		var seen []string
		for _, s := range env.srv.Status().Streams {
			for _, r := range s.Readers {
				seen = append(seen, fmt.Sprintf("%s %s %s %s packets=%d", s.Path, r.Transport, r.State, r.Remote, r.Packets))
				if s.Path == server.PatternName && r.State == "playing" && r.Packets > 0 {
					remotes[r.Transport] = r.Remote
				}
			}
		}
		return remotes["tcp"] != "" && remotes["udp"] != "", fmt.Sprint(seen)
	})

	t.Logf("RTSP readers play after %v", time.Since(began).Round(time.Millisecond))
	env.do(t, "open the status page", chromedp.Navigate(env.http.URL+"/"))
	var streams []pageStream
	browserWait(t, "the page lists the streams, the RTSP readers with their bit rates, and live previews", 20*time.Second, func() (bool, string) {
		streams = browserEval[[]pageStream](t, env, readPageJS)
		byPath := map[string]pageStream{}
		for _, s := range streams {
			byPath[s.Path] = s
		}
		for _, p := range want {
			s, ok := byPath[p]
			if !ok {
				return false, fmt.Sprintf("no %q in %+v (page says %q)", p, streams,
					browserEval[string](t, env, `document.getElementById("conn").textContent`))
			}
			if s.Natural == 0 {
				return false, fmt.Sprintf("preview of %q has no frame yet", p)
			}
		}
		for tr, remote := range remotes {
			i := slices.IndexFunc(byPath[server.PatternName].Readers, func(r pageReader) bool {
				return r.Transport == tr && r.Remote == remote
			})
			if i < 0 {
				return false, fmt.Sprintf("no %s reader %s in %+v", tr, remote, byPath[server.PatternName].Readers)
			}
			if r := byPath[server.PatternName].Readers[i]; r.Kbps == "–" || r.Kbps == "0" {
				return false, fmt.Sprintf("%s reader has no bit rate yet: %+v", tr, r)
			}
		}
		// The page's own preview is an HTTP viewer: frames are counted for
		// those, so it has a frame rate.
		i := slices.IndexFunc(byPath[server.PatternName].Readers, func(r pageReader) bool {
			return r.Transport == "http" && r.FPS != "–" && r.FPS != "0.0" && r.Kbps != "–"
		})
		if i < 0 {
			return false, fmt.Sprintf("no HTTP reader of /test with fps and kbit/s: %+v", byPath[server.PatternName].Readers)
		}
		return true, ""
	})
	for _, s := range streams {
		t.Logf("page: %s preview %.0fx%.0f at (%.0f,%.0f), rtsp %q, http %q", s.Path, s.Preview.W, s.Preview.H, s.Preview.X, s.Preview.Y, s.RTSP, s.HTTP)
		for _, r := range s.Readers {
			t.Logf("page:   %s %s fps=%s kbit/s=%s loss=%s jitter=%s", r.Transport, r.Remote, r.FPS, r.Kbps, r.Loss, r.Jitter)
		}
		if s.Heading != s.Path || s.HTMLish {
			t.Errorf("heading of %q shows %q (elements inside: %v): not escaped", s.Path, s.Heading, s.HTMLish)
		}
		if !strings.HasPrefix(s.RTSP, "rtsp://") || !strings.HasSuffix(s.HTTP, "/stream.mjpeg") {
			t.Errorf("%s: URLs to copy %q, %q", s.Path, s.RTSP, s.HTTP)
		}
	}
	if title := browserEval[string](t, env, "document.title"); title != "rtpstream status" {
		t.Errorf("a path ran as HTML: document.title = %q", title)
	}

	// Two screenshots a second apart: every preview moved.
	browserEval[bool](t, env, `(window.previews = Array.from(document.querySelectorAll("img.pv"))).length > 0`)
	first := env.screenshot(t, nil)
	time.Sleep(time.Second) // the interval under test, not synchronisation
	second := env.screenshot(t, nil)
	browserKeepScreenshot(t, "status-page.png", second)
	// The polls in between kept the same <img> elements and so the same
	// MJPEG connections: one HTTP viewer per stream, there from the start.
	if !browserEval[bool](t, env, `window.previews.every((img, i) => img === document.querySelectorAll("img.pv")[i] && img.isConnected)`) {
		t.Errorf("the page re-created its preview <img> elements")
	}
	for _, s := range env.srv.Status().Streams {
		n := 0
		for _, r := range s.Readers {
			if r.Transport == "http" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s has %d HTTP viewers, want the page's one preview", s.Path, n)
		}
	}
	for _, s := range streams {
		a, b := browserCrop(first, s.Preview), browserCrop(second, s.Preview)
		changed := browserChanged(a, b)
		t.Logf("preview %s: %.1f %% of its pixels changed in 1 s", s.Path, 100*changed)
		if changed < 0.002 {
			t.Errorf("preview of %s did not move: %.2f %% of its pixels changed in 1 s", s.Path, 100*changed)
		}
	}

	// Previews off: the page lets its MJPEG connections go.
	browserEval[bool](t, env, `(() => { const s = document.getElementById("preview-mode");
		s.value = "off"; s.dispatchEvent(new Event("change")); return true; })()`)
	browserWait(t, "previews off end the page's HTTP viewers", 10*time.Second, func() (bool, string) {
		var left []string
		for _, s := range env.srv.Status().Streams {
			for _, r := range s.Readers {
				if r.Transport == "http" {
					left = append(left, s.Path)
				}
			}
		}
		return len(left) == 0, fmt.Sprintf("HTTP viewers left on %q", left)
	})
}

// newestFramePage shows the pattern's MJPEG stream at its natural size in
// the top left corner, nothing else.
const newestFramePage = `<!doctype html><html><head><title>newest</title></head>
<body style="margin:0;background:#000"><img id="v" src="/test/stream.mjpeg" alt="" style="display:block"></body></html>`

// seenFrame is a frame the Go viewer got: its counter (-1 while it is
// being read), when it arrived, its order.
type seenFrame struct {
	n, seq int
	at     time.Time
}

// TestBrowserShowsNewestFrame proves that Chromium shows the frame sent
// last, not the one before it (mpjpeg's advance boundary): a Go viewer of
// the same feed gets every frame as the server sends it, and screenshots
// of the <img>'s frame counter, taken while no new frame was sent, must
// show the viewer's newest frame, and never lag by two or more. The
// pattern plays at 5 fps so that a frame period (200 ms) is long against
// a screenshot's time on a loaded machine.
func TestBrowserShowsNewestFrame(t *testing.T) {
	const (
		fps    = 5
		frames = 50
	)
	env := newBrowserEnv(t, server.Config{PatternFPS: fps, PatternFrames: frames},
		extraPages{"/browser-test/newest.html": newestFramePage}, 55*time.Second)
	cr := newCounterReader(t, 640, 480)

	// The Go viewer: the server's newest sent frame, as it arrives.
	var (
		mu     sync.Mutex
		latest seenFrame
		bad    error
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		seq := 0
		done <- mpjpeg.Pull(ctx, env.http.URL+"/test/stream.mjpeg", mpjpeg.PullConfig{}, func(jpeg []byte) {
			// The frame counts as the newest from its arrival, before the
			// (slow, under -race) decoding of its counter.
			seq++
			mu.Lock()
			latest = seenFrame{n: -1, seq: seq, at: time.Now()}
			mu.Unlock()
			n, err := cr.readFrame(jpeg)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				bad = err
				return
			}
			if latest.seq == seq {
				latest.n = n
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	newest := func() seenFrame {
		mu.Lock()
		defer mu.Unlock()
		if bad != nil {
			t.Fatalf("Go viewer: %v", bad)
		}
		return latest
	}

	env.do(t, "open the test page", chromedp.Navigate(env.http.URL+"/browser-test/newest.html"))
	browserWait(t, "the <img> and the Go viewer show frames", 15*time.Second, func() (bool, string) {
		w := browserEval[int](t, env, `document.getElementById("v").naturalWidth`)
		f := newest()
		return w == 640 && f.seq >= 3, fmt.Sprintf("img width %d, viewer frames %d", w, f.seq)
	})

	period := time.Second / fps
	clip := &browserRect{X: float64(cr.box.Min.X), Y: float64(cr.box.Min.Y), W: float64(cr.box.Dx()), H: float64(cr.box.Dy())}
	var (
		lags       = map[int]int{} // frames behind the viewer's newest -> samples
		straddled  int             // a frame arrived during the screenshot
		stale      int             // the viewer's newest is older than a period: it may be behind
		stable     int
		slowest    time.Duration
		lastScreen image.Image
	)
	// Samples 0.7 periods apart land at every phase of the frame period.
	tick := time.NewTicker(period * 7 / 10)
	defer tick.Stop()
	for i := 0; i < 60 && (stable < 12 || lags[0] < 3); i++ {
		<-tick.C
		before := newest()
		start := time.Now()
		shot := env.screenshot(t, clip)
		took := time.Since(start)
		after := newest()
		if before.seq != after.seq || before.n < 0 {
			straddled++ // a frame was sent during the screenshot: either may show
			continue
		}
		if start.Sub(before.at) > period*11/10 {
			// The viewer missed a frame (or reads late): it is no reference.
			stale++
			continue
		}
		slowest = max(slowest, took)
		shown, err := cr.read(shot)
		if err != nil {
			browserKeepScreenshot(t, "newest-unreadable.png", shot)
			t.Fatalf("screenshot %d: no counter: %v", i, err)
		}
		lag := (before.n - shown + frames) % frames
		if lag > frames/2 {
			lag -= frames // the browser is ahead of the Go viewer
		}
		lags[lag]++
		stable++
		lastScreen = shot
		if lag >= 2 {
			t.Errorf("sample %d: Chromium shows frame %d, %d frames behind the newest sent (%d, %v before the screenshot)",
				i, shown, lag, before.n, start.Sub(before.at).Round(time.Millisecond))
		}
	}
	t.Logf("%d samples while no frame was sent (%d more straddled a frame, %d found the Go viewer late), lag in frames -> samples: %v; slowest screenshot %v",
		stable, straddled, stale, lags, slowest.Round(time.Millisecond))
	if lastScreen != nil {
		browserKeepScreenshot(t, "newest-counter.png", lastScreen)
	}
	if stable < 8 {
		t.Fatalf("only %d of the samples fell between frames: the machine is too slow to judge", stable)
	}
	if lags[0] < 3 || lags[0]*2 < stable {
		why := ""
		if lags[1] == stable {
			why = "; always exactly one behind: Chromium ends a part only when the next part's headers arrive " +
				"(a closing boundary alone is not enough), so the writer must send the next part's headers right after each frame"
		}
		t.Errorf("Chromium showed the newest frame in %d of %d samples (lags %v): it shows a frame late%s", lags[0], stable, lags, why)
	}
}
