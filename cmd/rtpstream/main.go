// Command rtpstream is the pure-Go RTSP/RTP Motion-JPEG toolbox: a streaming
// server (serve), a recording client (record), an inspector (probe), a test
// video generator (gen), a file converter (convert) and a load generator
// (bench). Its command-line contract is ../shared/design/cli.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// errUsage marks errors caused by how the command was invoked; they exit 2.
var errUsage = errors.New("usage")

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve MJPEG files and a test pattern over RTSP/RTP", runServe},
		{"record", "play an RTSP stream and write its frames to a file", runRecord},
		{"probe", "describe an RTSP URL or a frame file", runProbe},
		{"gen", "write a test-pattern video", runGen},
		{"convert", "convert between lab format, raw MJPEG and JPEG folders", runConvert},
		{"bench", "load-test an RTSP server with N loopback clients", runBench},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rtpstream COMMAND [flags]")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "run 'rtpstream COMMAND -h' for a command's flags")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and maps its error to an exit status:
// 0 success, 1 failure, 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flagHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "rtpstream %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "rtpstream %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "rtpstream: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}
