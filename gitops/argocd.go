// Package gitops installs ArgoCD on the stack's cluster from its official Helm chart and points
// it at the app's kustomize overlay, which it then keeps in sync (automated, prune, self-heal).
package gitops

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/gitops/gitopsargs"
	"github.com/mission-link/infra/internal/helmrelease"
)

// TypeToken is part of every child's URN: changing it replaces ArgoCD.
const TypeToken = "mission-link:gitops:ArgoCD"

// releaseTimeoutSeconds is how long Helm waits for ArgoCD's pods: on a fresh cluster the nodes
// pull every image first.
const releaseTimeoutSeconds = 600

// ArgoCD is ArgoCD on the cluster and the app's Application in it.
type ArgoCD struct {
	pulumi.ResourceState

	// Namespace ArgoCD runs in.
	Namespace pulumi.StringOutput `pulumi:"namespace"`
}

// Args are ArgoCD's config (gitopsargs.Args, decoded and validated with the stack file) and what
// the program wires in from the rest of the stack.
type Args struct {
	gitopsargs.Args

	// ImageRepository is the ECR repository URL the Application sets as the overlay image's name
	// (keeping the overlay's tag, which CI sets).
	ImageRepository pulumi.StringInput
	// AppRoleARN is the app's IRSA role, which the Application patches into its ServiceAccount.
	AppRoleARN pulumi.StringInput
	// KubernetesProvider deploys to the cluster (eks.Cluster.KubernetesProvider).
	KubernetesProvider *kubernetes.Provider
	// After are resources ArgoCD waits for: the node group and its addons (eks.Cluster.Ready), so
	// that its pods schedule and resolve names within Helm's wait.
	After []pulumi.Resource
}

// NewArgoCD validates args and installs ArgoCD with the app's Application. Nothing is registered
// when args are invalid or gitops is disabled.
func NewArgoCD(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*ArgoCD, error) {
	if args == nil {
		return nil, fmt.Errorf("argocd %s: args are required", name)
	}
	a := *args
	a.Args = args.Args.WithDefaults()
	if a.KubernetesProvider == nil || a.AppNamespace == "" || a.AppServiceAccount == "" || a.ImageRepository == nil || a.AppRoleARN == nil {
		return nil, fmt.Errorf("argocd %s: KubernetesProvider, AppNamespace, AppServiceAccount, ImageRepository and AppRoleARN are required", name)
	}
	if !a.Enabled {
		return nil, fmt.Errorf("argocd %s: %s.enabled is false, so nothing is to be created", name, gitopsargs.ConfigKey)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("argocd %s: invalid config:\n%w", name, err)
	}
	c := &ArgoCD{}
	if err := ctx.RegisterComponentResource(TypeToken, name, c, opts...); err != nil {
		return nil, fmt.Errorf("registering argocd %s: %w", name, err)
	}
	if err := c.build(ctx, name, a); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"namespace": c.Namespace}); err != nil {
		return nil, fmt.Errorf("registering outputs of argocd %s: %w", name, err)
	}
	return c, nil
}

// build creates ArgoCD's namespace, the Helm release into it, then the Application, each on the
// cluster's provider.
func (c *ArgoCD) build(ctx *pulumi.Context, name string, a Args) error {
	parent, provider := pulumi.Parent(c), pulumi.Provider(a.KubernetesProvider)
	after := pulumi.DependsOn(a.After)
	ns, err := corev1.NewNamespace(ctx, name+"-argocd", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(Namespace)},
	}, parent, provider, after)
	if err != nil {
		return fmt.Errorf("creating namespace %s: %w", Namespace, err)
	}
	c.Namespace = ns.Metadata.Name().Elem()
	release, err := newRelease(ctx, name+"-argocd", c.Namespace, parent, provider, after)
	if err != nil {
		return err
	}
	return newApplication(ctx, name+"-app", a, c.Namespace, parent, provider, pulumi.DependsOn([]pulumi.Resource{release}))
}

// newRelease installs the argo-cd chart with helm.sh/v3 Release: a custom resource whose chart,
// version and values are its inputs, so they show in previews and can be asserted under the test
// mocks. (kubernetes:helm.sh/v4 Chart renders the chart inside the provider plugin: under mocks
// nothing of it would be visible, neither the chart nor its values.)
func newRelease(ctx *pulumi.Context, name string, namespace pulumi.StringInput, opts ...pulumi.ResourceOption) (*helmrelease.Release, error) {
	values, err := releaseValues()
	if err != nil {
		return nil, err
	}
	release, err := helmrelease.New(ctx, name, helmrelease.Args{
		// A fixed name: the chart names its service "<release>-server", argocd-server here.
		Name:           ReleaseName,
		Chart:          ChartName,
		Version:        ChartVersion,
		Repository:     ChartRepository,
		Namespace:      namespace,
		Values:         values,
		TimeoutSeconds: releaseTimeoutSeconds,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating Helm release %s: %w", ReleaseName, err)
	}
	return release, nil
}
