//go:build !cgo

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "rtpplay needs cgo and the X11/GL headers (see README)")
	os.Exit(1)
}
