package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/rtpstream/rtpstream/internal/testenv"
)

// child is this test binary running one Test...Child function (`rtpstream`
// with its real signal handling) in a child process, its stdout and
// stderr collected for the test to read as they grow.
type child struct {
	cmd            *exec.Cmd
	stdout, stderr testenv.Buffer
	done           chan struct{} // closed once the child exited and its output is read
	err            error         // the exit error; read after done
}

// startChild runs the test function run (e.g. "TestServeChild") in a child
// process with env added (NAME=value). ctx bounds its life; the test's
// cleanup kills it if it still runs and waits for it.
func startChild(t *testing.T, ctx context.Context, run string, env ...string) *child {
	t.Helper()
	c := &child{cmd: exec.CommandContext(ctx, os.Args[0], "-test.run=^"+run+"$"), done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.WaitDelay = 2 * time.Second
	c.cmd.Stderr = &c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.done)
		// Read stdout to the end before Wait, which closes the pipe.
		_, _ = io.Copy(&c.stdout, bufio.NewReader(out))
		c.err = c.cmd.Wait()
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// signal sends sig to the child.
func (c *child) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits up to d for the child to exit and returns its exit error
// (nil: exit status 0). It fails the test, showing stderr, if the child
// still runs after d.
func (c *child) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(d):
		t.Fatalf("the child still runs %v later:\n%s", d, c.stderr.String())
		return nil
	}
}
