// Package reporttest holds the assertion the checks' tests share: a result's status, and that
// its text names what its reader must see.
package reporttest

import (
	"strings"
	"testing"

	"github.com/mission-link/infra/internal/verify/report"
)

// Expect asserts one result's status and that its message, cause, fix or details hold every word.
func Expect(t testing.TB, got report.Result, status report.Status, words ...string) {
	t.Helper()
	text := strings.Join(append([]string{got.Message, got.Cause, got.Fix}, got.Details...), "\n")
	if got.Status != status {
		t.Errorf("%s: status %s, want %s:\n%s", got.Check, got.Status, status, text)
	}
	for _, w := range words {
		if !strings.Contains(text, w) {
			t.Errorf("%s: %q missing from:\n%s", got.Check, w, text)
		}
	}
}
