//go:build race

package server

// raceEnabled: the race detector slows CPU-bound work (the converter)
// several times; tests of real-time speed skip under it.
const raceEnabled = true
