package gitops_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/gitops"
	"github.com/mission-link/infra/gitops/gitopsargs"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
)

const (
	typeComponent   = gitops.TypeToken
	typeNamespace   = "kubernetes:core/v1:Namespace"
	typeRelease     = "kubernetes:helm.sh/v3:Release"
	typeApplication = "kubernetes:argoproj.io/v1alpha1:Application"
	typeK8sProvider = "pulumi:providers:kubernetes"
	typeNodeGroup   = "aws:eks/nodeGroup:NodeGroup"

	repoURL = "https://github.com/mission-link/mission-link-infra.git"

	// What the stack's registry and app identity would answer (a role name with Pulumi's suffix).
	imageRepository = "210987654321.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev"
	appRoleARN      = "arn:aws:iam::210987654321:role/mission-link-dev-app-7d3a1f0"
)

// validArgs are what the program passes for the dev stack, without the resources.
func validArgs() gitopsargs.Args {
	return gitopsargs.Args{Enabled: true, RepoURL: repoURL, AppNamespace: "mission-link"}
}

// run builds the component on a Kubernetes provider named "cluster", waiting for a node group
// named "nodes-ready", as the program waits for the cluster's nodes.
func run(t *testing.T, args gitopsargs.Args) (*harness.Record, error) {
	t.Helper()
	return harness.RunComponent(func(ctx *pulumi.Context) error {
		provider, err := kubernetes.NewProvider(ctx, "cluster", &kubernetes.ProviderArgs{})
		if err != nil {
			return err
		}
		ready, err := awseks.NewNodeGroup(ctx, "nodes-ready", &awseks.NodeGroupArgs{
			ClusterName: pulumi.String("mission-link-dev"), NodeRoleArn: pulumi.String("arn:aws:iam::210987654321:role/mission-link-dev-node"),
			SubnetIds: pulumi.ToStringArray([]string{"subnet-1"}),
			ScalingConfig: awseks.NodeGroupScalingConfigArgs{
				DesiredSize: pulumi.Int(1), MinSize: pulumi.Int(1), MaxSize: pulumi.Int(2),
			},
		})
		if err != nil {
			return err
		}
		if args.AppServiceAccount == "" {
			args.AppServiceAccount = "mission-link"
		}
		_, err = gitops.NewArgoCD(ctx, "mission-link-dev", &gitops.Args{
			Args:               args,
			ImageRepository:    pulumi.String(imageRepository),
			AppRoleARN:         pulumi.String(appRoleARN),
			KubernetesProvider: provider,
			After:              []pulumi.Resource{ready},
		})
		return err
	})
}

func mustRun(t *testing.T, args gitopsargs.Args) *harness.Record {
	t.Helper()
	r, err := run(t, args)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRelease(t *testing.T) {
	r := mustRun(t, validArgs())
	rel := harnesstest.Only(t, r, typeRelease)
	for path, want := range map[string]string{
		"name":                "argocd",
		"chart":               "argo-cd",
		"version":             "10.9.2",
		"repositoryOpts.repo": "https://argoproj.github.io/argo-helm",
		"namespace":           "argocd",
	} {
		if got := rel.String(path); got != want {
			t.Errorf("release %s = %q, want %q", path, got, want)
		}
	}
	if ns, err := r.InputSource(rel, "namespace"); err != nil || ns.Type != typeNamespace {
		t.Errorf("release namespace does not come from the Namespace resource: %v %v", ns.Type, err)
	}
	if timeout, _ := rel.Number("timeout"); timeout < 300 {
		t.Errorf("release timeout %v s", timeout)
	}
	for path, want := range map[string]bool{
		"values.dex.enabled":           false,
		"values.notifications.enabled": false,
		"values.redis-ha.enabled":      false,
		"values.crds.install":          true,
		"values.crds.keep":             true,
	} {
		if got, set := rel.Bool(path); !set || got != want {
			t.Errorf("release %s = %v (set %v), want %v", path, got, set, want)
		}
	}
	if got := rel.String("values.server.service.type"); got != "ClusterIP" {
		t.Errorf("server service type %q, want ClusterIP", got)
	}
	values, _ := rel.Value("values")
	for _, s := range stringsIn(values) {
		if s == "LoadBalancer" || s == "NodePort" {
			t.Errorf("the chart values expose ArgoCD with a %s", s)
		}
	}
}

// stringsIn lists every string inside a property value.
func stringsIn(v resource.PropertyValue) []string {
	switch {
	case v.IsString():
		return []string{v.StringValue()}
	case v.IsArray():
		var out []string
		for _, item := range v.ArrayValue() {
			out = append(out, stringsIn(item)...)
		}
		return out
	case v.IsObject():
		var out []string
		for _, item := range v.ObjectValue() {
			out = append(out, stringsIn(item)...)
		}
		return out
	}
	return nil
}

func TestNamespace(t *testing.T) {
	ns := harnesstest.Only(t, mustRun(t, validArgs()), typeNamespace)
	if got := ns.String("metadata.name"); got != "argocd" {
		t.Errorf("namespace %q, want argocd", got)
	}
}

func TestApplication(t *testing.T) {
	r := mustRun(t, gitopsargs.Args{Enabled: true, RepoURL: "git@github.com:mission-link/deploy.git", Path: "apps/web", TargetRevision: "v1.2.0", AppNamespace: "web"})
	app := harnesstest.Only(t, r, typeApplication)
	for path, want := range map[string]string{
		"apiVersion":                 "argoproj.io/v1alpha1",
		"kind":                       "Application",
		"metadata.name":              "mission-link",
		"metadata.namespace":         "argocd",
		"spec.project":               "default",
		"spec.source.repoURL":        "git@github.com:mission-link/deploy.git",
		"spec.source.path":           "apps/web",
		"spec.source.targetRevision": "v1.2.0",
		"spec.destination.server":    "https://kubernetes.default.svc",
		"spec.destination.namespace": "web",
	} {
		if got := app.String(path); got != want {
			t.Errorf("application %s = %q, want %q", path, got, want)
		}
	}
	for _, path := range []string{"spec.syncPolicy.automated.prune", "spec.syncPolicy.automated.selfHeal"} {
		if on, set := app.Bool(path); !on || !set {
			t.Errorf("application %s = %v (set %v), want true", path, on, set)
		}
	}
	if got := app.Strings("spec.syncPolicy.syncOptions"); !slices.Equal(got, []string{"CreateNamespace=true"}) {
		t.Errorf("sync options %v", got)
	}
	if got := app.Strings("metadata.finalizers"); !slices.Equal(got, []string{"resources-finalizer.argocd.argoproj.io"}) {
		t.Errorf("finalizers %v: deleting the Application would orphan the app", got)
	}
	if ns, err := r.InputSource(app, "metadata"); err != nil || ns.Type != typeNamespace {
		t.Errorf("application namespace does not come from the Namespace resource: %v %v", ns.Type, err)
	}
}

// The first sync runs the stack's image repository and role, not the overlay's placeholders:
// the Application's kustomize options carry them (ArgoCD runs `kustomize edit set image` with
// the images and appends the patches to the overlay's; deploy/argocd_overrides_test.go renders
// the overlay that way).
func TestApplicationCarriesTheStackOutputs(t *testing.T) {
	app := harnesstest.Only(t, mustRun(t, gitopsargs.Args{Enabled: true, RepoURL: repoURL, AppNamespace: "web", AppServiceAccount: "server"}), typeApplication)
	if got := app.Strings("spec.source.kustomize.images"); !slices.Equal(got, []string{"mission-link=" + imageRepository + ":*"}) {
		t.Errorf("kustomize images %v, want the stack's repository keeping the overlay's tag (name=newName:*)", got)
	}
	patches := app.Objects("spec.source.kustomize.patches")
	if len(patches) != 1 {
		t.Fatalf("kustomize patches %v, want one for the ServiceAccount", patches)
	}
	p := patches[0]
	if p.String("target.kind") != "ServiceAccount" || p.String("target.name") != "server" || p.String("target.version") != "v1" {
		t.Errorf("patch target %v, want ServiceAccount server", p.Inputs["target"])
	}
	var patch struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name        string            `json:"name"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal([]byte(p.String("patch")), &patch); err != nil {
		t.Fatal(err)
	}
	if patch.Kind != "ServiceAccount" || patch.Metadata.Name != "server" || len(patch.Metadata.Annotations) != 1 ||
		patch.Metadata.Annotations["eks.amazonaws.com/role-arn"] != appRoleARN {
		t.Errorf("patch %+v, want only the IRSA annotation %s", patch, appRoleARN)
	}
}

func TestApplicationDefaults(t *testing.T) {
	app := harnesstest.Only(t, mustRun(t, validArgs()), typeApplication)
	if app.String("spec.source.path") != "deploy/overlays/dev" || app.String("spec.source.targetRevision") != "main" ||
		app.String("spec.source.repoURL") != repoURL || app.String("spec.destination.namespace") != "mission-link" {
		t.Errorf("source %s %s@%s -> %s", app.String("spec.source.repoURL"), app.String("spec.source.path"),
			app.String("spec.source.targetRevision"), app.String("spec.destination.namespace"))
	}
}

// TestOnTheClusterAndInOrder: every child is the component's, on the cluster's provider; the
// namespace and the release wait for the cluster; the release goes into the namespace; the
// Application waits for the release that installs its CRD.
func TestOnTheClusterAndInOrder(t *testing.T) {
	r := mustRun(t, validArgs())
	provider := harnesstest.Only(t, r, typeK8sProvider)
	ready := harnesstest.Only(t, r, typeNodeGroup)
	component := harnesstest.Only(t, r, typeComponent)
	ns, rel, app := harnesstest.Only(t, r, typeNamespace), harnesstest.Only(t, r, typeRelease), harnesstest.Only(t, r, typeApplication)
	for _, res := range []harness.Resource{ns, rel, app} {
		if res.ProviderURN() != provider.URN {
			t.Errorf("%s %s uses provider %q, want the cluster's %s", res.Type, res.Name, res.Provider, provider.URN)
		}
		if res.Parent != component.URN {
			t.Errorf("%s %s has parent %s", res.Type, res.Name, res.Parent)
		}
	}
	if !ns.DependsOn(ready.URN) || !rel.DependsOn(ready.URN) {
		t.Errorf("namespace and release do not wait for the cluster: %v / %v", ns.Dependencies, rel.Dependencies)
	}
	if !rel.DependsOn(ns.URN) {
		t.Error("release does not wait for its namespace")
	}
	if !app.DependsOn(rel.URN) {
		t.Errorf("application does not wait for the release (its CRD): %v", app.Dependencies)
	}
	if want := []string{"mission-link-dev-argocd", "mission-link-dev-argocd", "mission-link-dev-app"}; ns.Name != want[0] || rel.Name != want[1] || app.Name != want[2] {
		t.Errorf("names %s %s %s, want %v", ns.Name, rel.Name, app.Name, want)
	}
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	cases := map[string]struct {
		args gitopsargs.Args
		want []string
	}{
		"bad values":    {gitopsargs.Args{Enabled: true, RepoURL: "http://github.com/mission-link/x.git", Path: "../other", AppNamespace: "mission-link"}, []string{`gitops.repoURL ("http://github.com/mission-link/x.git")`, `gitops.path ("../other")`}},
		"no repository": {gitopsargs.Args{Enabled: true, AppNamespace: "mission-link"}, []string{"gitops.repoURL is not set"}},
		"disabled":      {gitopsargs.Args{RepoURL: repoURL, AppNamespace: "mission-link"}, []string{"gitops.enabled is false"}},
		"no namespace":  {gitopsargs.Args{Enabled: true, RepoURL: repoURL}, []string{"AppNamespace"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := run(t, tc.args)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, typ := range []string{typeComponent, typeNamespace, typeRelease, typeApplication} {
				if n := len(r.ByType(typ)); n != 0 {
					t.Errorf("%d %s registered", n, typ)
				}
			}
		})
	}
}
