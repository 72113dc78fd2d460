package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rtpstream/rtpstream/internal/bench"
	"github.com/rtpstream/rtpstream/mjpeg"
	"github.com/rtpstream/rtpstream/server"
	"github.com/rtpstream/rtpstream/server/servertest"
)

// TestBrowserLiveStreams: a published stream and a relayed one play in
// Chromium too (<img src=".../stream.mjpeg">): both images load at their
// size and two screenshots a second apart differ in each.
func TestBrowserLiveStreams(t *testing.T) {
	// The relay's upstream: another server's test pattern.
	up := servertest.Start(t, server.Config{PatternFrames: 30})
	page := `<!doctype html><html><body style="margin:0">
<img id="pub" src="/live/stream.mjpeg" style="display:block;width:320px;height:240px">
<img id="rel" src="/relay/stream.mjpeg" style="display:block;width:320px;height:240px">
</body></html>`
	env := newBrowserEnv(t, server.Config{
		Publish:       true,
		PatternFrames: 30,
		Paths:         []server.PathConfig{{Name: "/relay", Source: "rtsp://" + up.Addr().String() + server.PatternName}},
	}, extraPages{"/live.html": page}, 50*time.Second)

	// A publisher: our bench's RTSP publisher sending a moving pattern.
	v, err := mjpeg.PatternVideo(320, 240, 30, 30, 80)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pub, err := bench.DialPublisher(ctx, bench.PublishConfig{
		URL: "rtsp://" + env.srv.Addr().String() + "/live", Frames: v.Frames, FPS: 30, Transport: "tcp",
	})
	if err != nil {
		cancel()
		t.Fatalf("publish: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- pub.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	env.do(t, "open the page", chromedp.Navigate(env.http.URL+"/live.html"))
	browserWait(t, "both images show frames", 20*time.Second, func() (bool, string) {
		w := browserEval[[]int](t, env, `[document.getElementById("pub").naturalWidth, document.getElementById("rel").naturalWidth]`)
		return len(w) == 2 && w[0] == 320 && w[1] == 640, fmt.Sprint("natural widths ", w)
	})
	boxes := map[string]browserRect{"published": {0, 0, 320, 240}, "relayed": {0, 240, 320, 240}}
	first := env.screenshot(t, nil)
	time.Sleep(time.Second) // the interval between the two pictures, not synchronisation
	second := env.screenshot(t, nil)
	for name, r := range boxes {
		if d := browserChanged(browserCrop(first, r), browserCrop(second, r)); d < 0.005 {
			t.Errorf("the %s stream did not move in the browser: %.4f of its pixels changed in 1 s", name, d)
		} else {
			t.Logf("%s: %.3f of the pixels changed in 1 s", name, d)
		}
	}
	browserKeepScreenshot(t, "live-streams.png", second)
}
