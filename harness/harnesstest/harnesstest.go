// Package harnesstest has the assertions every component test makes on a harness record, so
// that each test states what it checks, not how to find it.
package harnesstest

import (
	"testing"

	"github.com/mission-link/infra/harness"
)

// Only returns the one resource of a type, failing the test when there is not exactly one.
func Only(t testing.TB, r *harness.Record, token string) harness.Resource {
	t.Helper()
	rs := r.ByType(token)
	if len(rs) != 1 {
		t.Fatalf("%d resources of %s, want 1", len(rs), token)
	}
	return rs[0]
}

// Source returns the one resource an input's value came from, failing the test otherwise.
func Source(t testing.TB, r *harness.Record, res harness.Resource, input string) harness.Resource {
	t.Helper()
	src, err := r.InputSource(res, input)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
