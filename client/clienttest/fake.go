package clienttest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/rtpstream/rtpstream/rtsp"
)

// FakeServer is a scriptable RTSP server: Handler answers each request
// (the CSeq is echoed for it); a nil answer leaves the request unanswered,
// which makes a silent server. Requests are recorded.
type FakeServer struct {
	// Addr is host:port.
	Addr string

	ln      net.Listener
	handler func(*rtsp.Request) *rtsp.Response

	mu    sync.Mutex
	reqs  []*rtsp.Request
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// StartFake starts a FakeServer on 127.0.0.1; it stops at Cleanup.
func StartFake(tb testing.TB, handler func(*rtsp.Request) *rtsp.Response) *FakeServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	f := &FakeServer{Addr: ln.Addr().String(), ln: ln, handler: handler, conns: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go f.accept()
	tb.Cleanup(f.Close)
	return f
}

// Silent starts a server that accepts connections and reads requests but
// never answers.
func Silent(tb testing.TB) *FakeServer {
	return StartFake(tb, func(*rtsp.Request) *rtsp.Response { return nil })
}

// URL returns rtsp://ADDR + path.
func (f *FakeServer) URL(path string) string { return "rtsp://" + f.Addr + path }

// Requests returns the requests received so far.
func (f *FakeServer) Requests() []*rtsp.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*rtsp.Request(nil), f.reqs...)
}

// Close stops the server and closes its connections.
func (f *FakeServer) Close() {
	_ = f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *FakeServer) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns[c] = struct{}{}
		f.mu.Unlock()
		f.wg.Add(1)
		go f.serve(c)
	}
}

func (f *FakeServer) serve(c net.Conn) {
	defer f.wg.Done()
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
		_ = c.Close()
	}()
	readMessages(c, func(m any) error {
		req, ok := m.(*rtsp.Request)
		if !ok {
			return nil
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		resp := f.handler(req)
		if resp == nil {
			return nil
		}
		resp.Header = append(rtsp.Header{{Name: "CSeq", Value: req.Header.Get("CSeq")}}, resp.Header...)
		_, err := c.Write(resp.Marshal())
		return err
	})
}

// SDP is a minimal description of one RFC 2435 stream, as our server and
// GStreamer shape it.
const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=control:*\r\n" +
	"a=range:npt=0-\r\nm=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\na=framerate:30\r\na=control:stream=0\r\n"

// Answer returns a response with the given status and header fields
// (name, value pairs).
func Answer(code int, kv ...string) *rtsp.Response {
	r := &rtsp.Response{StatusCode: code}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Add(kv[i], kv[i+1])
	}
	return r
}

// Describe answers OPTIONS and DESCRIBE like a plain server (with SDP and
// Content-Base URL+"/"), and 404 to anything else.
func Describe(req *rtsp.Request) *rtsp.Response {
	switch req.Method {
	case "OPTIONS":
		return Answer(rtsp.StatusOK, "Public", "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER")
	case "DESCRIBE":
		r := Answer(rtsp.StatusOK, "Content-Type", "application/sdp", "Content-Base", strings.TrimSuffix(req.URL, "/")+"/")
		r.Body = []byte(SDP)
		return r
	}
	return Answer(rtsp.StatusNotFound)
}

// Auth checks requests against credentials like a server would
// (RFC 2617/7616 via package rtsp): Check returns nil for an authorized
// request and a 401 with the challenge otherwise.
type Auth struct {
	// Scheme is "Basic" or "Digest"; Algorithm "" (MD5), "MD5" or "SHA-256".
	Scheme, Algorithm string
	Realm, Nonce      string
	Cred              rtsp.Credentials

	mu       sync.Mutex
	failures int
}

// Check returns nil when req carries valid credentials, else a 401.
func (a *Auth) Check(req *rtsp.Request) *rtsp.Response {
	if v := req.Header.Get("Authorization"); v != "" {
		if az, err := rtsp.ParseAuthorization(v); err == nil && az.Scheme == a.Scheme && az.Verify(a.Cred, req.Method, a.Realm, a.Nonce) {
			if a.Scheme == "Basic" || (az.QOP == "auth" && az.NC != "" && az.CNonce != "" && strings.EqualFold(orMD5(az.Algorithm), orMD5(a.Algorithm))) {
				return nil
			}
		}
		a.mu.Lock()
		a.failures++
		a.mu.Unlock()
	}
	c := rtsp.Challenge{Scheme: a.Scheme, Realm: a.Realm}
	if a.Scheme == "Digest" {
		c.Nonce, c.Algorithm, c.QOP = a.Nonce, a.Algorithm, []string{"auth"}
	}
	return Answer(rtsp.StatusUnauthorized, "WWW-Authenticate", c.String())
}

// Failures counts requests whose credentials were wrong.
func (a *Auth) Failures() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failures
}

func orMD5(alg string) string {
	if alg == "" {
		return "MD5"
	}
	return alg
}
