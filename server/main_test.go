package server

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind: every
// server goroutine must end when Serve returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
