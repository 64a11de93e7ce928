// Package stackoutputs reads a deployed stack's outputs through the Pulumi Automation API: the
// local project in a directory and the Pulumi CLI the user already has, logged in to the stack's
// backend. It is the only package of cmd/verify that imports the Automation API, so the checks
// and their tests do not link it.
package stackoutputs

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Read selects stack in the project at dir and returns its outputs, secrets in clear (the
// Automation API runs `pulumi stack output --json --show-secrets`).
func Read(ctx context.Context, stack, dir string) (map[string]any, error) {
	s, err := auto.SelectStackLocalSource(ctx, stack, dir)
	if err != nil {
		return nil, fmt.Errorf("selecting stack %s in %s with the Pulumi CLI (is it installed and logged in to the stack's backend?): %w", stack, dir, err)
	}
	outputs, err := s.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s: %w", stack, err)
	}
	values := make(map[string]any, len(outputs))
	for key, out := range outputs {
		values[key] = out.Value
	}
	return values, nil
}
