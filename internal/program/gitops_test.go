package program_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	k8sresource "k8s.io/apimachinery/pkg/api/resource"

	"github.com/mission-link/infra/eks"
	"github.com/mission-link/infra/gitops"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/program"
	"github.com/mission-link/infra/internal/stackconfig"
)

// runDevWithGitOps runs the whole program for Pulumi.dev.yaml with the gitops block replaced
// (when gitopsJSON is not ""), and returns the graph and the names of the stack outputs.
func runDevWithGitOps(t *testing.T, gitopsJSON string) (*harness.Record, []string, error) {
	t.Helper()
	cfg, err := harness.LoadStack("../..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if gitopsJSON != "" {
		cfg.Values = maps.Clone(cfg.Values)
		cfg.Values["mission-link:gitops"] = gitopsJSON
	}
	in := stackconfig.Input{Values: cfg.Values, SecretKeys: cfg.SecretKeys, Date: "2026-11-24"}
	var outputs []string
	r, err := harness.Run(cfg, func(ctx *pulumi.Context) error {
		out, err := program.Build(ctx, in)
		for key := range out {
			outputs = append(outputs, key)
		}
		return err
	})
	return r, outputs, err
}

// The types gitops registers.
const (
	typeNamespace   = "kubernetes:core/v1:Namespace"
	typeRelease     = "kubernetes:helm.sh/v3:Release"
	typeApplication = "kubernetes:argoproj.io/v1alpha1:Application"
	typeK8sProvider = "pulumi:providers:kubernetes"
)

var gitopsTypes = []string{gitops.TypeToken, typeNamespace, typeRelease, typeApplication}

// ofGitOps are the resources of a type that gitops creates: of the Helm releases, ArgoCD's only
// (the cluster installs the Cluster Autoscaler's).
func ofGitOps(r *harness.Record, typ string) []harness.Resource {
	return slices.DeleteFunc(r.ByType(typ), func(res harness.Resource) bool {
		return typ == typeRelease && res.String("chart") != gitops.ChartName
	})
}

// TestGitOpsOnTheDevStack: Pulumi.dev.yaml turns gitops on; ArgoCD runs on the cluster's own
// provider, after the node group and CoreDNS, and syncs the committed overlay into the app's
// namespace.
func TestGitOpsOnTheDevStack(t *testing.T) {
	r, outputs, err := runDevWithGitOps(t, "")
	if err != nil {
		t.Fatal(err)
	}
	releases := ofGitOps(r, typeRelease)
	if len(releases) != 1 {
		t.Fatalf("%d ArgoCD releases", len(releases))
	}
	rel, app := releases[0], harnesstest.Only(t, r, typeApplication)
	// The cluster component's provider; pulumi-eks's own two are stand-ins no workload uses.
	provider, ok := r.Get(typeK8sProvider, "mission-link-dev")
	if !ok || provider.StandIn {
		t.Fatal("no Kubernetes provider of the cluster component")
	}
	for _, res := range []harness.Resource{harnesstest.Only(t, r, typeNamespace), rel, app} {
		if res.ProviderURN() != provider.URN {
			t.Errorf("%s uses provider %q, want the cluster's %s", res.Name, res.Provider, provider.URN)
		}
	}
	addons := map[string]string{}
	for _, a := range r.ByType("aws:eks/addon:Addon") {
		addons[a.String("addonName")] = a.URN
	}
	nodeGroup := harnesstest.Only(t, r, "aws:eks/nodeGroup:NodeGroup")
	for what, urn := range map[string]string{"node group": nodeGroup.URN, "coredns": addons["coredns"]} {
		if urn == "" || !rel.DependsOn(urn) {
			t.Errorf("the ArgoCD release does not wait for the %s", what)
		}
	}
	if app.String("spec.source.repoURL") != "https://github.com/mission-link/mission-link-infra.git" ||
		app.String("spec.source.path") != "deploy/overlays/dev" || app.String("spec.source.targetRevision") != "main" {
		t.Errorf("application source %s %s@%s", app.String("spec.source.repoURL"), app.String("spec.source.path"), app.String("spec.source.targetRevision"))
	}
	if got := app.String("spec.destination.namespace"); got != "mission-link" {
		t.Errorf("application deploys into %q, want app.namespace mission-link", got)
	}
	if !slices.Contains(outputs, "argocdNamespace") {
		t.Errorf("outputs %v lack argocdNamespace", outputs)
	}
	// The first sync gets the stack's repository and the app's role from the Application itself.
	repo, role := harnesstest.Only(t, r, "aws:ecr/repository:Repository"), harness.Resource{}
	for _, res := range r.ByType("aws:iam/role:Role") {
		if res.Name == "mission-link-dev-app" {
			role = res
		}
	}
	if !slices.Contains(app.PropertyDependencies["spec"], repo.URN) || role.URN == "" || !slices.Contains(app.PropertyDependencies["spec"], role.URN) {
		t.Errorf("the Application's spec comes from %v, want the registry %s and the app role", app.PropertyDependencies["spec"], repo.URN)
	}
	wantImage := fmt.Sprintf("mission-link=%s:*", repo.Outputs["repositoryUrl"].StringValue())
	if got := app.Strings("spec.source.kustomize.images"); !slices.Equal(got, []string{wantImage}) {
		t.Errorf("kustomize images %v, want %s", got, wantImage)
	}
	if patch := app.Objects("spec.source.kustomize.patches"); len(patch) != 1 || patch[0].String("target.name") != "mission-link" ||
		!strings.Contains(patch[0].String("patch"), role.Outputs["arn"].StringValue()) {
		t.Errorf("kustomize patches %v, want the app role on ServiceAccount mission-link", patch)
	}
}

func TestGitOpsDisabledCreatesNothing(t *testing.T) {
	r, outputs, err := runDevWithGitOps(t, `{"enabled":false,"repoURL":"https://github.com/mission-link/mission-link-infra.git"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range gitopsTypes {
		if n := len(ofGitOps(r, typ)); n != 0 {
			t.Errorf("%d %s with gitops disabled", n, typ)
		}
	}
	if slices.Contains(outputs, "argocdNamespace") {
		t.Error("argocdNamespace exported with gitops disabled")
	}
	if len(r.ByType("aws:eks/nodeGroup:NodeGroup")) != 1 {
		t.Error("the rest of the stack was not built")
	}
}

func TestBadGitOpsConfigRegistersNothing(t *testing.T) {
	r, _, err := runDevWithGitOps(t, `{"enabled":true,"repoURL":"http://github.com/mission-link/mission-link-infra.git","path":"/deploy/overlays/dev"}`)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`gitops.repoURL ("http://github.com/mission-link/mission-link-infra.git")`, `gitops.path ("/deploy/overlays/dev")`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %s:\n%v", want, err)
		}
	}
	if len(r.Resources) != 0 {
		t.Errorf("%d resources registered before the config error", len(r.Resources))
	}
	if _, _, err := runDevWithGitOps(t, `{"enabled":true}`); err == nil || !strings.Contains(err.Error(), "gitops.repoURL is not set") {
		t.Errorf("enabled without a repository: %v", err)
	}
	if _, _, err := runDevWithGitOps(t, `{"enabled":true,"repoUrl":"x"}`); err == nil || !strings.Contains(err.Error(), "gitops.repoUrl is not a known key") {
		t.Errorf("misspelt key: %v", err)
	}
}

// The node budget (see deploy/README.md): one t3.medium's allocatable, less what the cluster's
// own pods and the app at its minimum (one replica plus the rolling update's surge) request; the
// Cluster Autoscaler's requests are read from its release on the stack.
var (
	nodeCPU, nodeMemory             = k8sresource.MustParse("1930m"), k8sresource.MustParse("2350Mi")
	systemCPU, systemMemory         = k8sresource.MustParse("500m"), k8sresource.MustParse("768Mi")
	appMinimumCPU, appMinimumMemory = k8sresource.MustParse("500m"), k8sresource.MustParse("768Mi")
)

// TestArgoCDFitsOneNode: on the dev stack, every ArgoCD component has CPU and memory requests and
// limits, limits are not below requests, and the requests fit on one t3.medium beside the system
// pods, the Cluster Autoscaler (as its release requests) and the app at its minimum.
func TestArgoCDFitsOneNode(t *testing.T) {
	r, _, err := runDevWithGitOps(t, "")
	if err != nil {
		t.Fatal(err)
	}
	releases := map[string][]harness.Resource{}
	for _, res := range r.ByType(typeRelease) {
		releases[res.String("chart")] = append(releases[res.String("chart")], res)
	}
	if len(releases[gitops.ChartName]) != 1 || len(releases[eks.AutoscalerChartName]) != 1 {
		t.Fatalf("releases by chart %v, want one ArgoCD and one Cluster Autoscaler", releases)
	}
	rel, autoscaler := releases[gitops.ChartName][0], releases[eks.AutoscalerChartName][0]
	autoscalerCPU, err := quantity(autoscaler, "values.resources.requests.cpu")
	if err != nil {
		t.Fatal(err)
	}
	autoscalerMemory, err := quantity(autoscaler, "values.resources.requests.memory")
	if err != nil {
		t.Fatal(err)
	}
	var cpu, memory k8sresource.Quantity
	for _, c := range []string{"controller", "repoServer", "server", "applicationSet", "redis"} {
		for _, name := range []string{"cpu", "memory"} {
			req, err := quantity(rel, fmt.Sprintf("values.%s.resources.requests.%s", c, name))
			if err != nil {
				t.Error(err)
				continue
			}
			limit, err := quantity(rel, fmt.Sprintf("values.%s.resources.limits.%s", c, name))
			if err != nil {
				t.Error(err)
				continue
			}
			if limit.Cmp(req) < 0 {
				t.Errorf("%s: %s limit %s is below its request %s", c, name, limit.String(), req.String())
			}
			if name == "cpu" {
				cpu.Add(req)
			} else {
				memory.Add(req)
			}
		}
	}
	budgetCPU, budgetMemory := nodeCPU.DeepCopy(), nodeMemory.DeepCopy()
	for _, q := range [][2]k8sresource.Quantity{{systemCPU, systemMemory}, {autoscalerCPU, autoscalerMemory}, {appMinimumCPU, appMinimumMemory}} {
		budgetCPU.Sub(q[0])
		budgetMemory.Sub(q[1])
	}
	if budgetCPU.Cmp(k8sresource.MustParse("880m")) != 0 || budgetMemory.Cmp(k8sresource.MustParse("686Mi")) != 0 {
		t.Errorf("one node leaves %s and %s for ArgoCD; docs/gitops.md says 880m and 686Mi", budgetCPU.String(), budgetMemory.String())
	}
	if cpu.Cmp(budgetCPU) > 0 || memory.Cmp(budgetMemory) > 0 {
		t.Errorf("ArgoCD requests %s CPU and %s memory; one node has %s and %s left", cpu.String(), memory.String(), budgetCPU.String(), budgetMemory.String())
	}
	if cpu.MilliValue() != 275 || memory.Value() != 640<<20 {
		t.Errorf("ArgoCD requests %s CPU and %s memory, want 275m and 640Mi as documented", cpu.String(), memory.String())
	}
}

func quantity(res harness.Resource, path string) (k8sresource.Quantity, error) {
	text := res.String(path)
	if text == "" {
		return k8sresource.Quantity{}, fmt.Errorf("%s is not set", path)
	}
	q, err := k8sresource.ParseQuantity(text)
	if err != nil {
		return k8sresource.Quantity{}, fmt.Errorf("%s (%q): %w", path, text, err)
	}
	return q, nil
}
