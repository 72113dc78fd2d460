package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// flagHelp is returned when the user asked for -h; it exits 0.
var flagHelp = flag.ErrHelp

// parseFlags parses args with fs, returning errUsage-wrapped errors for bad
// flags and flagHelp for -h. Positional arguments may come before or after
// the flags ("record URL -o FILE" is the documented form), so flags are
// parsed repeatedly around them.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flagHelp
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
