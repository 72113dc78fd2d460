package server

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// filesServer serves clip.mjpeg (n numbered frames) and other.mjpeg at
// cfg.FPS 30, with cfg's per-file settings.
func filesServer(t *testing.T, cfg Config, n int) (*Server, string) {
	t.Helper()
	media := t.TempDir()
	writeFile(t, media+"/clip.mjpeg", numberedMJPEG(t, n))
	writeFile(t, media+"/other.mjpeg", numberedMJPEG(t, 3))
	cfg.MediaDir, cfg.FPS = media, 30
	return startServer(t, cfg)
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// TestFileSettingsDescribe: a file with fps 10 is described at 10 fps
// over frames/10 seconds; another file keeps Config.FPS.
func TestFileSettingsDescribe(t *testing.T) {
	_, addr := filesServer(t, Config{Files: []FileSettings{{Name: "/clip.mjpeg", FPS: 10}}}, 45)
	c := dialCtl(t, addr)
	for _, tc := range []struct{ path, rate, rng string }{
		{"/clip.mjpeg", "a=framerate:10\r\n", "a=range:npt=0-4.500\r\n"},
		{"/other.mjpeg", "a=framerate:30\r\n", "a=range:npt=0-0.100\r\n"},
	} {
		resp := c.do("DESCRIBE", c.url(tc.path), "Accept: application/sdp")
		wantStatus(t, "DESCRIBE "+tc.path, resp, 200)
		if body := string(resp.Body); !strings.Contains(body, tc.rate) || !strings.Contains(body, tc.rng) {
			t.Errorf("DESCRIBE %s: want %q and %q in\n%s", tc.path, tc.rate, tc.rng, body)
		}
	}
}

// TestFileSettingsLoop: loop: false ends a file with BYE while
// Config.NoLoop is false; loop: true plays on past the end while
// Config.NoLoop is true; without an entry, Config.NoLoop decides.
func TestFileSettingsLoop(t *testing.T) {
	const n = 12
	for _, tc := range []struct {
		name    string
		noLoop  bool
		loop    *bool
		wantBye bool
	}{
		{"loop false over looping", false, ptr(false), true},
		{"loop true over no-loop", true, ptr(true), false},
		{"no loop setting, looping", false, nil, false},
		{"no loop setting, no-loop", true, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := filesServer(t, Config{NoLoop: tc.noLoop,
				Files: []FileSettings{{Name: "/clip.mjpeg", FPS: 200, Loop: tc.loop}}}, n)
			resp, nums, _, bye := playTCP(t, addr, "/clip.mjpeg", n+5)
			wantStatus(t, "PLAY", resp, 200)
			if bye != tc.wantBye {
				t.Fatalf("BYE %v after %d frames %v, want %v", bye, len(nums), nums, tc.wantBye)
			}
			want := n
			if !tc.wantBye {
				want = n + 5
			}
			if len(nums) != want {
				t.Fatalf("%d frames %v, want %d", len(nums), nums, want)
			}
			for i, v := range nums {
				if v != i%n {
					t.Fatalf("frame %d is number %d, want %d (%v)", i, v, i%n, nums)
				}
			}
			// PLAY's Range names the end only where playback stops there.
			if r := resp.Header.Get("Range"); (r == "npt=0.000-0.060") != tc.wantBye {
				t.Errorf("PLAY Range %q", r)
			}
		})
	}
}

// TestSetFiles: settings installed later apply to file streams made from
// then on (as the media watcher makes them); streams already made keep
// theirs; bad settings are refused; unknown names are warnings.
func TestSetFiles(t *testing.T) {
	var logs testenv.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	srv, _ := filesServer(t, Config{Logger: log, Files: []FileSettings{{Name: "/nothing.mjpeg", FPS: 5}}}, 3)
	if len(logs.Lines("no media file of this name", "stream=/nothing.mjpeg")) != 1 {
		t.Errorf("no warning for a name matching no file:\n%s", logs.String())
	}
	made, _ := srv.cat.lookup("/clip.mjpeg")
	if err := srv.SetFiles([]FileSettings{{Name: "/clip.mjpeg", FPS: 7, Loop: ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	e, ok := srv.cat.mediaEntry("/clip.mjpeg")
	if !ok {
		t.Fatal("no media entry for /clip.mjpeg")
	}
	if st := fileStream(srv.cfg, &e); st.FPS != 7 || !st.noLoop {
		t.Errorf("stream made after SetFiles: fps %v noLoop %v, want 7 true", st.FPS, st.noLoop)
	}
	if made.FPS != 30 || made.noLoop {
		t.Errorf("stream made before SetFiles changed: fps %v noLoop %v", made.FPS, made.noLoop)
	}
	if err := srv.SetFiles(nil); err != nil {
		t.Fatal(err)
	}
	if st := fileStream(srv.cfg, &e); st.FPS != 30 || st.noLoop {
		t.Errorf("stream made after SetFiles(nil): fps %v noLoop %v, want 30 false", st.FPS, st.noLoop)
	}

	many := make([]FileSettings, MaxFileSettings+1)
	for i := range many {
		many[i].Name = "/f" + strings.Repeat("x", i%7) + string(rune('a'+i%26))
	}
	for _, tc := range []struct {
		name  string
		files []FileSettings
		want  string
	}{
		{"no slash", []FileSettings{{Name: "clip.mjpeg"}}, "not a stream path"},
		{"root", []FileSettings{{Name: "/"}}, "not a stream path"},
		{"empty", []FileSettings{{}}, "not a stream path"},
		{"dot dot", []FileSettings{{Name: "/a/../clip.mjpeg"}}, "not a stream path"},
		{"trailing slash", []FileSettings{{Name: "/clips/"}}, "not a stream path"},
		{"control", []FileSettings{{Name: "/a\nb"}}, "control character"},
		{"twice", []FileSettings{{Name: "/a", FPS: 1}, {Name: "/a", FPS: 2}}, "/a given twice"},
		{"negative fps", []FileSettings{{Name: "/a", FPS: -1}}, "out of range"},
		{"high fps", []FileSettings{{Name: "/a", FPS: 1001}}, "out of range"},
		{"NaN fps", []FileSettings{{Name: "/a", FPS: math.NaN()}}, "out of range"},
		{"too many", many, "more than 10000"},
	} {
		if err := srv.SetFiles(tc.files); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := New(context.Background(), Config{Logger: testLogger(), Files: []FileSettings{{Name: "x"}}}); err == nil {
		t.Error("New accepted a bad file setting")
	}
}

// TestWithFileSettings: the settings of a stream made from a Config that
// withDefaults has not seen come from Config.Files.
func TestWithFileSettings(t *testing.T) {
	cfg := Config{FPS: 20, NoLoop: true, Files: []FileSettings{{Name: "/a", FPS: 2000, Loop: ptr(true)}, {Name: "/b", FPS: 4}}}
	for _, tc := range []struct {
		name   string
		fps    float64
		noLoop bool
	}{
		{"/a", 20, false}, // an fps out of range is ignored
		{"/b", 4, true},
		{"/c", 20, true},
	} {
		st := withFileSettings(cfg, &Stream{Name: tc.name, FPS: cfg.FPS})
		if st.FPS != tc.fps || st.noLoop != tc.noLoop {
			t.Errorf("%s: fps %v noLoop %v, want %v %v", tc.name, st.FPS, st.noLoop, tc.fps, tc.noLoop)
		}
	}
}
