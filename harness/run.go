package harness

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Run runs body with the stack's config under fresh mocks and returns what it registered, also
// when body fails (what was registered before the failure is part of the evidence). The mocks
// answer AWS invokes for the config's aws:region; extra adjusts them before the run.
func Run(cfg StackConfig, body pulumi.RunFunc, extra ...func(*Mocks)) (*Record, error) {
	mocks := NewMocks(cfg.Project, cfg.Stack, cfg.Region())
	for _, f := range extra {
		f(mocks)
	}
	program := func(ctx *pulumi.Context) error {
		mocks.ctx = ctx
		return body(ctx)
	}
	err := pulumi.RunErr(program, pulumi.WithMocks(cfg.Project, cfg.Stack, mocks), func(info *pulumi.RunInfo) {
		info.Config = cfg.Values
		info.ConfigSecretKeys = cfg.SecretKeys
		info.RootDirectory = cfg.ProjectDir
	})
	if err != nil {
		return mocks.Record(), fmt.Errorf("running stack %s under mocks: %w", cfg.Stack, unwrapSingle(err))
	}
	return mocks.Record(), nil
}

// RunComponent runs body as project mission-link, stack "test", in ap-northeast-2: what a
// component's own tests need.
func RunComponent(body pulumi.RunFunc) (*Record, error) {
	return Run(StackConfig{Project: "mission-link", Stack: "test", Values: map[string]string{"aws:region": "ap-northeast-2"}}, body)
}

// unwrapSingle returns the one error the SDK's multierror wraps (pulumi.RunWithContext wraps the
// program's error in a github.com/hashicorp/go-multierror), so a config error with seven
// problems is not printed under "1 error occurred".
func unwrapSingle(err error) error {
	if multi, ok := err.(interface{ WrappedErrors() []error }); ok && len(multi.WrappedErrors()) == 1 {
		return multi.WrappedErrors()[0]
	}
	return err
}
