package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/client"
	"github.com/rtpstream/rtpstream/internal/testenv"
)

// cliChildEnv makes TestCLIChild run the command line it holds (words
// separated by spaces) through run, as main does: the child process of
// TestServeSIGTERMBye.
const cliChildEnv = "RTPSTREAM_TEST_CLI_ARGS"

// TestCLIChild is not a test: it is `rtpstream ARGS...` in a child
// process (run is main's body, signal handling included).
func TestCLIChild(t *testing.T) {
	args := os.Getenv(cliChildEnv)
	if args == "" {
		t.Skip("the child process of TestServeSIGTERMBye")
	}
	os.Exit(run(strings.Fields(args), os.Stdout, os.Stderr))
}

// byeClient is a client session whose log tells whether the server's
// RTCP BYE arrived.
type byeClient struct {
	name string
	sess *client.Session
	log  *testenv.Buffer
}

// TestServeSIGTERMBye is issue 13's acceptance 4 through the command
// line: `rtpstream serve` in a child process, 25 TCP and 25 UDP clients
// playing /test, a real SIGTERM: every client receives RTCP BYE and the
// process exits 0 within 2 s.
func TestServeSIGTERMBye(t *testing.T) {
	const perTransport = 25
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startChild(t, ctx, "TestCLIChild", cliChildEnv+"=serve --listen 127.0.0.1:0")
	line, ok := srv.stdout.WaitLine(30*time.Second, "stream ", "/test")
	if !ok {
		t.Fatalf("no stream line for /test:\n%s", srv.stderr.String())
	}
	url := streamURL(line)

	var clients []*byeClient
	for i := range 2 * perTransport {
		tr := client.TransportTCP
		if i%2 == 1 {
			tr = client.TransportUDP
		}
		c := &byeClient{name: fmt.Sprintf("%s client %d", tr, i/2), log: &testenv.Buffer{}}
		lg := slog.New(slog.NewTextHandler(c.log, nil))
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
		sess, err := client.Dial(dctx, url, client.Config{Transport: tr, DisableLabDetect: true, Logger: lg})
		if err == nil {
			c.sess = sess
			t.Cleanup(func() { _ = sess.Close() })
			if err = sess.Setup(dctx); err == nil {
				err = sess.Play(dctx)
			}
		}
		dcancel()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		clients = append(clients, c)
	}
	// Every client plays before the signal.
	for _, c := range clients {
		select {
		case <-c.sess.Frames():
		case <-c.sess.Done():
			t.Fatalf("%s ended before SIGTERM: %v", c.name, c.sess.Err())
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no frame within 10 s", c.name)
		}
	}

	start := time.Now()
	srv.signal(t, syscall.SIGTERM)
	err := srv.wait(t, 10*time.Second)
	took := time.Since(start)
	if err != nil {
		t.Errorf("serve after SIGTERM: %v (want exit 0)\n%s", err, srv.stderr.String())
	}
	if took > 2*time.Second {
		t.Errorf("serve exited %v after SIGTERM, want <= 2 s", took)
	}
	missing := 0
	for _, c := range clients {
		select {
		case <-c.sess.Done():
		case <-time.After(5 * time.Second):
			t.Errorf("%s: still playing 5 s after the server exited", c.name)
			continue
		}
		if !strings.Contains(c.log.String(), "server sent RTCP BYE") {
			missing++
			t.Errorf("%s: no RTCP BYE (ended: %v)", c.name, c.sess.Err())
		}
	}
	t.Logf("%d of %d clients got RTCP BYE; exit status 0 after %v", len(clients)-missing, len(clients), took.Round(time.Millisecond))
}
