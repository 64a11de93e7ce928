// Package stackoutputs reads a deployed stack's outputs through the Pulumi Automation API: the
// local project in a directory and the Pulumi CLI the user already has, logged in to the stack's
// backend. It is the only package of cmd/verify that imports the Automation API, so the checks
// and their tests do not link it.
package stackoutputs

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Read selects stack in the project at dir and returns its outputs, secret ones as "[secret]".
//
// It runs `pulumi stack output --json` through the workspace's Pulumi CLI, not the Automation
// API's Stack.Outputs: that one always adds --show-secrets, which decrypts the stack's secrets, so
// it needs PULUMI_CONFIG_PASSPHRASE on a passphrase stack (and fails without a terminal when it
// is not set) and kms:Decrypt on an awskms one. Without the flag the CLI blinds secrets instead of
// decrypting them (pkg/cmd/pulumi/stack/stack_output.go: secrets.BlindingProvider), and verify
// reads no secret output (expected.ParseOutputs refuses "[secret]" where it needs a value).
func Read(ctx context.Context, stack, dir string) (map[string]any, error) {
	s, err := auto.SelectStackLocalSource(ctx, stack, dir)
	if err != nil {
		return nil, fmt.Errorf("selecting stack %s in %s with the Pulumi CLI (is it installed and logged in to the stack's backend?): %w", stack, dir, err)
	}
	return readWith(ctx, s.Workspace(), stack)
}

// workspace is what readWith uses of auto.Workspace.
type workspace interface {
	PulumiCommand() auto.PulumiCommand
	WorkDir() string
	GetEnvVars() map[string]string
	PulumiHome() string
}

func readWith(ctx context.Context, ws workspace, stack string) (map[string]any, error) {
	var env []string
	for _, k := range slices.Sorted(maps.Keys(ws.GetEnvVars())) {
		env = append(env, k+"="+ws.GetEnvVars()[k])
	}
	if home := ws.PulumiHome(); home != "" {
		env = append(env, "PULUMI_HOME="+home)
	}
	stdout, stderr, code, err := ws.PulumiCommand().Run(ctx, ws.WorkDir(), nil, nil, nil, env,
		"stack", "output", "--json", "--stack", stack)
	if err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s (`pulumi stack output --json` exited %d): %w: %s", stack, code, err, strings.TrimSpace(stderr))
	}
	var outputs map[string]any
	if err := json.Unmarshal([]byte(stdout), &outputs); err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s: %w", stack, err)
	}
	return outputs, nil
}
