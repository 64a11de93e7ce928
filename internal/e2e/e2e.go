// Package e2e proves the stack's whole lifecycle on a real AWS account: `pulumi up` of a throwaway
// stack, cmd/verify's checks, a preview and a refresh that must find nothing to change, `pulumi
// destroy`, a second `up` under the same name, verify again, and a destroy and removal that run
// whatever happened before (a failed step, a signal). docs/e2e.md says how to run it and what it
// costs.
//
// This package is the orchestration and its guards. It reaches Pulumi only through the Stack and
// Backend interfaces, so that its tests drive every path with a recording fake, offline, in
// `go test ./...`. internal/e2e/autostack implements them over the Automation API, and the test
// that spends money (lifecycle_e2e_test.go) is built only with `-tags e2e` and runs only with
// MISSION_LINK_E2E=1.
package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Stack is what the lifecycle asks of its one Pulumi stack.
type Stack interface {
	// Name is the stack's name in its backend.
	Name() string
	// SetSecret stores a config value encrypted with the stack's secrets provider.
	SetSecret(ctx context.Context, key, value string) error
	// Up runs `pulumi up`.
	Up(ctx context.Context) error
	// Preview runs `pulumi preview`; with expectNoChanges a proposed change is an
	// *UnexpectedChanges error.
	Preview(ctx context.Context, expectNoChanges bool) error
	// Refresh runs `pulumi refresh`; with expectNoChanges a difference between the state and AWS
	// is an *UnexpectedChanges error.
	Refresh(ctx context.Context, expectNoChanges bool) error
	// Destroy runs `pulumi destroy`.
	Destroy(ctx context.Context) error
	// Remove deletes the stack, its config and its history from the backend. It refuses while the
	// state still holds resources.
	Remove(ctx context.Context) error
	// Outputs are the stack's outputs, which cmd/verify's checks read (secrets come in clear: the
	// test holds its throwaway stack's passphrase).
	Outputs(ctx context.Context) (map[string]any, error)
	// Remaining lists what the state still holds in the cloud: resources, and operations the
	// engine started but never recorded the end of.
	Remaining(ctx context.Context) ([]Resource, error)
}

// Backend is where the throwaway stack's state lives.
type Backend interface {
	// StackExists says whether the backend already holds a stack of this name.
	StackExists(ctx context.Context, name string) (bool, error)
	// CreateStack creates the stack with the config of stackFile (a Pulumi.<stack>.yaml). It
	// fails when the stack exists.
	CreateStack(ctx context.Context, name string, stackFile []byte) (Stack, error)
	// Location says where the state is (a backend URL), for the message that names what a
	// cleanup left.
	Location() string
}

// Resource is one entry of a stack's state that may still exist in the cloud.
type Resource struct {
	URN  string
	Type string
	// ID is the provider's ID of the resource, what the AWS console and CLI show.
	ID string
	// Pending names an operation the engine started but did not record the end of (a "creating"
	// that was interrupted): the resource may exist in AWS without being in the state.
	Pending string
}

// UnexpectedChanges is a preview or refresh run with --expect-no-changes that found changes.
type UnexpectedChanges struct {
	// Operation is "preview" or "refresh".
	Operation string
	// Summary counts the resources per operation ("update": 1, "same": 80), when Pulumi reported it.
	Summary map[string]int
	// Diff is the operation's output with --diff: which resources change and how.
	Diff string
}

func (e *UnexpectedChanges) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s found changes where none were expected", e.Operation)
	if len(e.Summary) > 0 {
		var counts []string
		for _, op := range slices.Sorted(maps.Keys(e.Summary)) {
			counts = append(counts, fmt.Sprintf("%s %d", op, e.Summary[op]))
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(counts, ", "))
	}
	if diff := strings.TrimSpace(e.Diff); diff != "" {
		fmt.Fprintf(&b, ":\n%s", diff)
	}
	return b.String()
}
