// Package harnesstest has the assertions every component test makes on a harness record, so
// that each test states what it checks, not how to find it.
package harnesstest

import (
	"testing"

	"github.com/mission-link/infra/internal/harness"
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

// OnlyOwn returns the one resource of a type that the program registered itself, leaving out
// the stand-ins for what a remote component creates in its plugin (pulumi-eks registers Kubernetes
// providers of its own), failing the test otherwise.
func OnlyOwn(t testing.TB, r *harness.Record, token string) harness.Resource {
	t.Helper()
	var own []harness.Resource
	for _, res := range r.ByType(token) {
		if !res.StandIn {
			own = append(own, res)
		}
	}
	if len(own) != 1 {
		t.Fatalf("%d resources of %s registered by the program, want 1", len(own), token)
	}
	return own[0]
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
