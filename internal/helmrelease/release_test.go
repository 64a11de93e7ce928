package helmrelease

import (
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/gomod"
)

// recorder answers the mock monitor and keeps every registration.
type recorder struct {
	mu   sync.Mutex
	regs []pulumi.MockResourceArgs
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.regs = append(r.regs, args)
	return args.Name + "-id", args.Inputs, nil
}

func (*recorder) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// The provider receives what the SDK's helmv3.NewRelease sends for the same ReleaseArgs: its token,
// compat "true" (NewRelease always sets it), the set properties under the SDK's names, and the
// package version of go.mod's pulumi-kubernetes (utilities.PkgResourceDefaultOpts).
func TestNewSendsWhatTheSDKsNewReleaseSends(t *testing.T) {
	m := &recorder{}
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
	if len(m.regs) != 1 {
		t.Fatalf("registered %d resources, want 1", len(m.regs))
	}
	r := m.regs[0]
	if r.TypeToken != "kubernetes:helm.sh/v3:Release" {
		t.Errorf("token %q, want kubernetes:helm.sh/v3:Release", r.TypeToken)
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
	pinned, err := gomod.Required(".", "github.com/pulumi/pulumi-kubernetes/sdk/v4")
	if err != nil {
		t.Fatal(err)
	}
	if got := "v" + r.RegisterRPC.GetVersion(); got != pinned {
		t.Errorf("package version %q, want go.mod's pulumi-kubernetes %q", got, pinned)
	}
}

func TestNewRefusesMissingInputs(t *testing.T) {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "x", Args{Name: "x", Chart: "x", Version: "1"})
		return err
	}, pulumi.WithMocks("p", "s", &recorder{}))
	if err == nil || !strings.Contains(err.Error(), "repository and namespace are required") {
		t.Errorf("got %v, want the required inputs named", err)
	}
}
