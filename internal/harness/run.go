package harness

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Run runs body with the stack's config under fresh mocks as a preview (ctx.DryRun() is true, as
// in `pulumi preview` and the preview step of `pulumi up`), and returns what it registered, also
// when body fails (what was registered before the failure is part of the evidence). The offline
// plan and the tests run this way: checks that only a real `pulumi up` enforces pass here. The
// mocks answer AWS invokes for the config's aws:region; extra adjusts them before the run.
func Run(cfg StackConfig, body pulumi.RunFunc, extra ...func(*Mocks)) (*Record, error) {
	return run(cfg, body, true, extra)
}

// RunUp runs body like Run, but as the update step of a real `pulumi up` (ctx.DryRun() is false):
// what tests of the checks that only a real deployment enforces need.
func RunUp(cfg StackConfig, body pulumi.RunFunc, extra ...func(*Mocks)) (*Record, error) {
	return run(cfg, body, false, extra)
}

func run(cfg StackConfig, body pulumi.RunFunc, dryRun bool, extra []func(*Mocks)) (*Record, error) {
	mocks := NewMocks(cfg.Project, cfg.Stack, cfg.Region())
	mocks.awsProfile = cfg.Values["aws:profile"]
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
		info.DryRun = dryRun
		info.RootDirectory = cfg.ProjectDir
	})
	record := mocks.Record()
	record.MissingKeys = slices.Clone(cfg.MissingKeys)
	if err != nil {
		return record, fmt.Errorf("running stack %s under mocks: %w", cfg.Stack, unwrapSingle(err))
	}
	return record, nil
}

// RunComponent runs body as project mission-link, stack "test", in ap-northeast-2, as a preview:
// what a component's own tests need.
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
