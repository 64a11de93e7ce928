package harness_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/harness"
)

// TestMadeUpValuesAreUniqueToTheirResource: a subnet and a route table of the same name get
// different IDs, and a resource without a name gets an autoname, not the name others share.
func TestMadeUpValuesAreUniqueToTheirResource(t *testing.T) {
	r, err := harness.RunComponent(func(ctx *pulumi.Context) error {
		for _, token := range []string{"aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ecr/lifecyclePolicy:LifecyclePolicy"} {
			var res pulumi.CustomResourceState
			if err := ctx.RegisterResource(token, "shared", pulumi.Map{}, &res); err != nil {
				return err
			}
		}
		var role pulumi.CustomResourceState
		return ctx.RegisterResource("aws:iam/role:Role", "named", pulumi.Map{"name": pulumi.String("exact")}, &role)
	})
	if err != nil {
		t.Fatal(err)
	}
	ids, names := map[string]string{}, map[string]string{}
	for _, res := range r.Resources {
		if other, ok := ids[res.ID]; ok {
			t.Errorf("%s and %s share the ID %s", res.URN, other, res.ID)
		}
		ids[res.ID] = res.URN
		name := res.Outputs["name"].StringValue()
		if res.Name == "shared" {
			if name == "shared" || !strings.HasPrefix(name, "shared-") || len(name) != len("shared-")+7 {
				t.Errorf("%s: made-up name %q, want an autoname shared-<7 hex>", res.Type, name)
			}
			if other, ok := names[name]; ok {
				t.Errorf("%s and %s share the made-up name %s", res.URN, other, name)
			}
			names[name] = res.URN
		}
	}
	role, _ := r.Get("aws:iam/role:Role", "named")
	if role.Outputs["name"].StringValue() != "exact" || role.Outputs["arn"].StringValue() != "arn:aws:iam::123456789012:role/exact" {
		t.Errorf("a named role is %s, %s", role.Outputs["name"].StringValue(), role.Outputs["arn"].StringValue())
	}
}
