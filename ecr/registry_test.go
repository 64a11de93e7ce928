package ecr_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/ecr"
	"github.com/mission-link/infra/ecr/ecrargs"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/validationtest"
)

func run(t *testing.T, args ecrargs.RegistryArgs) *harness.Record {
	t.Helper()
	r, err := harness.RunComponent(func(ctx *pulumi.Context) error {
		_, err := ecr.NewRegistry(ctx, "registry", &args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRepository(t *testing.T) {
	r := run(t, ecrargs.RegistryArgs{Name: "mission-link-dev", ForceDelete: true})
	repos := r.ByType("aws:ecr/repository:Repository")
	if len(repos) != 1 {
		t.Fatalf("%d repositories", len(repos))
	}
	repo := repos[0]
	if repo.String("name") != "mission-link-dev" || repo.String("imageTagMutability") != "IMMUTABLE" {
		t.Errorf("repository %s with tag mutability %s", repo.String("name"), repo.String("imageTagMutability"))
	}
	if scan, _ := repo.Bool("imageScanningConfiguration.scanOnPush"); !scan {
		t.Error("images are not scanned on push")
	}
	enc := repo.Objects("encryptionConfigurations")
	if len(enc) != 1 || enc[0].String("encryptionType") != "KMS" {
		t.Errorf("encryption %v", enc)
	}
	if force, _ := repo.Bool("forceDelete"); !force || repo.Options.Protect {
		t.Errorf("forceDelete %v, protect %v: dev must be destroyable", force, repo.Options.Protect)
	}

	prod := run(t, ecrargs.RegistryArgs{Name: "mission-link-prod", Protect: true}).ByType("aws:ecr/repository:Repository")[0]
	if force, _ := prod.Bool("forceDelete"); force || !prod.Options.Protect {
		t.Errorf("prod forceDelete %v, protect %v", force, prod.Options.Protect)
	}
}

func TestLifecyclePolicy(t *testing.T) {
	r := run(t, ecrargs.RegistryArgs{Name: "mission-link-dev", UntaggedExpiryDays: 3, KeepTaggedImages: 50})
	policies := r.ByType("aws:ecr/lifecyclePolicy:LifecyclePolicy")
	if len(policies) != 1 {
		t.Fatalf("%d lifecycle policies", len(policies))
	}
	if repo, err := r.InputSource(policies[0], "repository"); err != nil || repo.Type != "aws:ecr/repository:Repository" {
		t.Fatalf("lifecycle policy applies to %v (%v)", repo.Name, err)
	}
	var policy struct {
		Rules []struct {
			RulePriority int `json:"rulePriority"`
			Selection    struct {
				TagStatus      string   `json:"tagStatus"`
				TagPatternList []string `json:"tagPatternList"`
				CountType      string   `json:"countType"`
				CountUnit      string   `json:"countUnit"`
				CountNumber    int      `json:"countNumber"`
			} `json:"selection"`
			Action struct {
				Type string `json:"type"`
			} `json:"action"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(policies[0].String("policy")), &policy); err != nil {
		t.Fatal(err)
	}
	if len(policy.Rules) != 2 {
		t.Fatalf("%d rules", len(policy.Rules))
	}
	untagged, tagged := policy.Rules[0], policy.Rules[1]
	if untagged.Selection.TagStatus != "untagged" || untagged.Selection.CountType != "sinceImagePushed" ||
		untagged.Selection.CountUnit != "days" || untagged.Selection.CountNumber != 3 || untagged.Action.Type != "expire" {
		t.Errorf("untagged rule %+v", untagged)
	}
	if tagged.Selection.TagStatus != "tagged" || tagged.Selection.CountType != "imageCountMoreThan" ||
		tagged.Selection.CountNumber != 50 || len(tagged.Selection.TagPatternList) != 1 || tagged.Action.Type != "expire" {
		t.Errorf("tagged rule %+v", tagged)
	}
	if untagged.RulePriority == tagged.RulePriority {
		t.Error("rules share a priority")
	}
}

func TestValidate(t *testing.T) {
	valid := func() ecrargs.RegistryArgs { return ecrargs.RegistryArgs{Name: "mission-link-dev"}.WithDefaults() }
	if err := valid().Validate(); err != nil {
		t.Fatal(err)
	}
	validationtest.Rejects(t, valid, ecrargs.RegistryArgs.Validate, []validationtest.Case[ecrargs.RegistryArgs]{
		validationtest.Reject("uppercase", func(a *ecrargs.RegistryArgs) { a.Name = "Mission-Link" }, `registry.name ("Mission-Link")`),
		validationtest.Reject("double separator", func(a *ecrargs.RegistryArgs) { a.Name = "mission--link" }, `registry.name ("mission--link")`),
		validationtest.Reject("leading slash", func(a *ecrargs.RegistryArgs) { a.Name = "/mission-link" }, `registry.name ("/mission-link")`),
		validationtest.Reject("too short", func(a *ecrargs.RegistryArgs) { a.Name = "m" }, `registry.name ("m")`),
		validationtest.Reject("negative expiry", func(a *ecrargs.RegistryArgs) { a.UntaggedExpiryDays = -1 }, "registry.untaggedExpiryDays (-1)"),
		validationtest.Reject("keep none", func(a *ecrargs.RegistryArgs) { a.KeepTaggedImages = -5 }, "registry.keepTaggedImages (-5)"),
	})
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	r, err := harness.RunComponent(func(ctx *pulumi.Context) error {
		_, err := ecr.NewRegistry(ctx, "registry", &ecrargs.RegistryArgs{Name: "Bad Name"})
		return err
	})
	if err == nil || len(r.Resources) != 0 {
		t.Fatalf("error %v with %d resources", err, len(r.Resources))
	}
}
