package helmrelease

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/bindingtest"
)

const kubernetesSDK = "github.com/pulumi/pulumi-kubernetes/sdk/v4"

// The SDK's helm/v3 source, read from the module cache (go.mod's pulumi-kubernetes version), is
// what this package stands in for: every property it sends must be one the SDK's releaseArgs
// declares, with the same Go type, and the SDK must register the same token with compat "true".
// An upgrade of pulumi-kubernetes that renames or retypes one fails here.
func TestPropertiesAreTheSDKs(t *testing.T) {
	sdk := bindingtest.Required(t, kubernetesSDK).Parse(t, "go/kubernetes/helm/v3", "release.go", "pulumiTypes.go")
	bindingtest.SameFields(t, reflect.TypeFor[releaseInputs](), reflect.TypeFor[releaseProperties]())
	// repositoryOpts is sent as an object of strings: it must be the SDK's RepositoryOpts, and repo
	// one of its string fields.
	bindingtest.CheckFields(t, reflect.TypeFor[releaseProperties](), sdk.Tags(t, "releaseArgs"), map[string]string{"repositoryOpts": "*RepositoryOpts"})
	if got := sdk.Tags(t, "RepositoryOpts")["repo"]; got != "*string" {
		t.Errorf("SDK's RepositoryOpts.repo is %q, want *string", got)
	}
	release := sdk.Func(t, "NewRelease")
	for _, line := range []string{
		`err := ctx.RegisterResource("` + Type + `", name, args, &resource, opts...)`,
		`args.Compat = pulumi.StringPtr("true")`,
		`opts = utilities.PkgResourceDefaultOpts(opts)`,
	} {
		if !strings.Contains(release, line) {
			t.Errorf("the SDK's NewRelease no longer has %q: revisit this package", line)
		}
	}
}

func TestNewSendsTheSetInputs(t *testing.T) {
	m := &bindingtest.Mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "ca", Args{
			Name: "cluster-autoscaler", Chart: "cluster-autoscaler", Version: "9.59.0",
			Repository: "https://kubernetes.github.io/autoscaler", Namespace: pulumi.String("kube-system"),
			Values:         pulumi.Map{"image": pulumi.Map{"tag": pulumi.String("v1.35.0")}},
			TimeoutSeconds: 600,
		})
		return err
	}, pulumi.WithMocks("p", "s", m))
	if err != nil {
		t.Fatal(err)
	}
	regs := m.Registrations()
	if len(regs) != 1 {
		t.Fatalf("registered %d resources, want 1", len(regs))
	}
	r := regs[0]
	if r.Token != Type {
		t.Errorf("token %q, want %q", r.Token, Type)
	}
	want := resource.NewPropertyMapFromMap(map[string]any{
		"chart": "cluster-autoscaler", "compat": "true", "name": "cluster-autoscaler", "namespace": "kube-system",
		"repositoryOpts": map[string]any{"repo": "https://kubernetes.github.io/autoscaler"},
		"timeout":        600, "version": "9.59.0",
		"values": map[string]any{"image": map[string]any{"tag": "v1.35.0"}},
	})
	if !r.Inputs.DeepEquals(want) {
		t.Errorf("inputs\n got %v\nwant %v", r.Inputs, want)
	}
	if v := bindingtest.Required(t, kubernetesSDK).Version; r.Version != v {
		t.Errorf("package version %q, want go.mod's pulumi-kubernetes %q", r.Version, v)
	}
}

func TestNewRefusesMissingInputs(t *testing.T) {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "x", Args{Name: "x", Chart: "x", Version: "1"})
		return err
	}, pulumi.WithMocks("p", "s", &bindingtest.Mocks{}))
	if err == nil || !strings.Contains(err.Error(), "repository and namespace are required") {
		t.Errorf("got %v, want the required inputs named", err)
	}
}
