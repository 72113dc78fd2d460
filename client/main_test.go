package client_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain proves that every goroutine the client (and the test peers)
// start has ended when the tests are done.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
