package mpjpeg

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// streamHandler serves n frames through a Writer (n < 0: until the client
// goes away or the test ends), then returns.
func streamHandler(frames [][]byte, n int, done <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		mw := NewWriter(w, "frame")
		w.Header().Set("Content-Type", mw.ContentType())
		for i := 0; n < 0 || i < n; i++ {
			if i > 100000 {
				return
			}
			if err := mw.WriteFrame(frames[i%len(frames)], time.Now()); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-done:
				return
			default:
			}
		}
	}
}

// newServer starts a loopback HTTP server whose handlers can wait on the
// returned channel, closed before the server is.
func newServer(t *testing.T, h func(done <-chan struct{}) http.Handler) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(h(done))
	t.Cleanup(func() {
		close(done)
		srv.Close()
	})
	return srv
}

func TestPullFrames(t *testing.T) {
	frames := [][]byte{testJPEG(t, 16, 16, 1), testJPEG(t, 16, 16, 2)}
	srv := newServer(t, func(done <-chan struct{}) http.Handler { return streamHandler(frames, 5, done) })
	var got [][]byte
	err := Pull(context.Background(), srv.URL+"/cam", PullConfig{}, func(f []byte) { got = append(got, f) })
	if !errors.Is(err, ErrStreamEnded) {
		t.Fatalf("err = %v, want ErrStreamEnded", err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d frames, want 5", len(got))
	}
	for i, f := range got {
		if !bytes.Equal(f, frames[i%2]) {
			t.Errorf("frame %d differs", i)
		}
	}
}

func TestPullCancel(t *testing.T) {
	frames := [][]byte{testJPEG(t, 16, 16, 1)}
	srv := newServer(t, func(done <-chan struct{}) http.Handler { return streamHandler(frames, -1, done) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := Pull(ctx, srv.URL, PullConfig{}, func([]byte) {
		if n++; n == 3 {
			cancel()
		}
	})
	if err != context.Canceled || n != 3 {
		t.Fatalf("err = %v after %d frames, want context.Canceled after 3", err, n)
	}
}

func TestPullHTTPErrors(t *testing.T) {
	jpeg := testJPEG(t, 8, 8, 0)
	srv := newServer(t, func(done <-chan struct{}) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>login</html>")
		})
		mux.HandleFunc("/snap", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(jpeg)
		})
		mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "s3cret" {
				w.Header().Set("WWW-Authenticate", `Basic realm="cam"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			streamHandler([][]byte{jpeg}, 2, done)(w, r)
		})
		return mux
	})
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name   string
		url    string
		cfg    PullConfig
		status int
		err    error
	}{
		{"404", srv.URL + "/nope", PullConfig{}, 404, nil},
		{"401 without credentials", srv.URL + "/auth", PullConfig{}, 401, nil},
		{"401 wrong password", srv.URL + "/auth", PullConfig{User: "admin", Pass: "x"}, 401, nil},
		{"basic auth from config", srv.URL + "/auth", PullConfig{User: "admin", Pass: "s3cret"}, 0, ErrStreamEnded},
		{"basic auth from URL", "http://admin:s3cret@" + host + "/auth", PullConfig{}, 0, ErrStreamEnded},
		{"text/html", srv.URL + "/html", PullConfig{}, 0, ErrContentType},
		{"snapshot URL", srv.URL + "/snap", PullConfig{}, 0, ErrContentType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Pull(context.Background(), tc.url, tc.cfg, func([]byte) {})
			var se *StatusError
			if tc.status != 0 {
				if !errors.As(err, &se) || se.StatusCode != tc.status {
					t.Fatalf("err = %v, want status %d", err, tc.status)
				}
			} else if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestPullBadURL(t *testing.T) {
	for _, u := range []string{"rtsp://127.0.0.1/x", "://", "ftp://127.0.0.1/"} {
		if err := Pull(context.Background(), u, PullConfig{}, func([]byte) {}); err == nil {
			t.Errorf("%q: nil error", u)
		}
	}
}

// silentListener accepts connections and never answers; it closes them when
// the test ends.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/cam"
}

func TestPullTimeouts(t *testing.T) {
	jpeg := testJPEG(t, 8, 8, 0)
	stalls := func(prefix []byte) func(done <-chan struct{}) http.Handler {
		return func(done <-chan struct{}) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "multipart/x-mixed-replace;boundary=ffmpeg")
				_, _ = w.Write(prefix)
				w.(http.Flusher).Flush()
				select { // then say nothing more
				case <-r.Context().Done():
				case <-done:
				}
			})
		}
	}
	headersOnly := newServer(t, stalls(nil))
	halfPart := newServer(t, stalls(cat(ffmpegPart(jpeg), ffmpegPart(jpeg)[:50])))
	cfg := PullConfig{ConnectTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}
	tests := []struct {
		name   string
		url    string
		frames int
		err    error
	}{
		{"accepts, never answers", silentListener(t), 0, ErrConnectTimeout},
		{"headers, then nothing", headersOnly.URL, 0, ErrIdleTimeout},
		{"a frame, then half a part", halfPart.URL, 1, ErrIdleTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			start := time.Now()
			err := Pull(context.Background(), tc.url, cfg, func([]byte) { n++ })
			if !errors.Is(err, tc.err) || n != tc.frames {
				t.Fatalf("err = %v after %d frames, want %v after %d", err, n, tc.err, tc.frames)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v for a 300 ms timeout", d)
			}
		})
	}
}

func TestPollSnapshots(t *testing.T) {
	jpeg := testJPEG(t, 16, 16, 5)
	big := cat([]byte{0xFF, 0xD8}, make([]byte, 5000), []byte{0xFF, 0xD9})
	srv := newServer(t, func(done <-chan struct{}) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("/snap.jpg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(jpeg)
		})
		mux.HandleFunc("/untyped", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = w.Write(cat([]byte("\r\n"), jpeg, []byte("\r\n")))
		})
		mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html></html>")
		})
		mux.HandleFunc("/half.jpg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(jpeg[:len(jpeg)/2])
		})
		mux.HandleFunc("/big.jpg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(big)
		})
		mux.HandleFunc("/chunked-big.jpg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			for range 5 {
				_, _ = w.Write(big[:1000])
				w.(http.Flusher).Flush()
			}
		})
		mux.HandleFunc("/stall.jpg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(jpeg[:10])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-done:
			}
		})
		return mux
	})
	cfg := PullConfig{IdleTimeout: 300 * time.Millisecond, Options: Options{MaxPartBytes: 4096}}
	for _, path := range []string{"/snap.jpg", "/untyped"} {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := PollSnapshots(ctx, srv.URL+path, time.Millisecond, cfg, func(f []byte) {
			if !bytes.Equal(f, jpeg) {
				t.Errorf("%s: snapshot differs", path)
			}
			if n++; n == 3 {
				cancel()
			}
		})
		cancel()
		if err != context.Canceled || n != 3 {
			t.Errorf("%s: err = %v after %d, want context.Canceled after 3", path, err, n)
		}
	}
	for _, tc := range []struct {
		path string
		err  error
	}{
		{"/missing.jpg", nil}, // StatusError
		{"/html", ErrContentType},
		{"/half.jpg", ErrNotJPEG},
		{"/big.jpg", ErrPartTooLarge},
		{"/chunked-big.jpg", ErrPartTooLarge},
		{"/stall.jpg", ErrIdleTimeout},
	} {
		err := PollSnapshots(context.Background(), srv.URL+tc.path, time.Millisecond, cfg, func([]byte) {
			t.Errorf("%s: unexpected frame", tc.path)
		})
		var se *StatusError
		if tc.err == nil && !errors.As(err, &se) || tc.err != nil && !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", tc.path, err, tc.err)
		}
	}
}
