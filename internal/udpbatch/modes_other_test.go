//go:build !linux

package udpbatch

// testModes lists the only mode off Linux.
var testModes = []testMode{
	{ModeSingle, Options{}, false},
	{ModeSingle, Options{}, true},
}
