package program_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/harness"
	"github.com/mission-link/infra/program"
)

func runStack(t *testing.T, stack string) *harness.Record {
	t.Helper()
	cfg, err := harness.LoadStack("..", stack)
	if err != nil {
		t.Fatal(err)
	}
	record, err := harness.Run(cfg, func(ctx *pulumi.Context) error { return program.Run(ctx, cfg.Values) })
	if err != nil {
		t.Fatal(err)
	}
	return record
}

func TestDevSmoke(t *testing.T) {
	r := runStack(t, "dev")
	for _, res := range r.Resources {
		t.Logf("%s %s parent=%s provider=%s", res.Type, res.Name, res.Parent, res.ProviderURN())
	}
	for _, inv := range r.Invokes {
		t.Logf("invoke %s %v", inv.Token, strings.Repeat("", 0))
	}
}
