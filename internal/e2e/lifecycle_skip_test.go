//go:build !e2e

package e2e_test

import (
	"testing"

	"github.com/mission-link/infra/internal/e2e"
)

// TestLifecycle is the real-account test of lifecycle_e2e_test.go, which is built only with
// -tags e2e; without the tag it says how to run it instead of matching no test.
func TestLifecycle(t *testing.T) {
	t.Skip("built without -tags e2e; " + e2e.SkipMessage)
}
