package mpjpeg

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind: Pull and
// PollSnapshots must end everything they start.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
