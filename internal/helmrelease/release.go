// Package helmrelease registers pulumi-kubernetes's `kubernetes:helm.sh/v3:Release` with the
// inputs this project sets. It is the one place the project does not call the Kubernetes SDK.
//
// Why: the SDK's helm/v3 package holds the v3 Chart as well as the Release, and the Chart renders
// charts in the program through the SDK's yaml package, which imports every Kubernetes API group
// (69 packages of pulumi-kubernetes in `go list -deps .../helm/v3`). Measured on this project's
// 2-core machine: linking a test binary of eks or gitops took 11 s with helm/v3 and 4 s without,
// and every edit of a shared package relinks a dozen of them. The upstream issue about the SDK's
// package size and link time is pulumi/pulumi-kubernetes#1495 (closed as a duplicate; no issue
// tracks splitting helm/v3 from the Chart).
//
// The provider sees what helmv3.NewRelease sends: the same type token, the same property names,
// compat "true" and the SDK's package version (release_test.go). To go back to the SDK once
// `go list -deps github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3` no longer lists
// the yaml package: replace New with helmv3.NewRelease(ctx, name, &helmv3.ReleaseArgs{Name, Chart,
// Version, RepositoryOpts: helmv3.RepositoryOptsArgs{Repo}, Namespace, Values, Timeout}, opts...)
// in its two callers (eks/autoscaler.go, gitops/argocd.go) and delete this package; the URNs and
// inputs stay the same, so nothing is replaced.
package helmrelease

import (
	"errors"
	"reflect"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type is the release's type token, as pulumi-kubernetes registers it.
const Type = "kubernetes:helm.sh/v3:Release"

// Args are the release inputs this project sets; the provider's defaults hold for the rest.
type Args struct {
	// Name is the Helm release name. It is always set: without it the provider appends a random
	// suffix, and charts name their objects after the release.
	Name string
	// Chart is the chart's name in Repository.
	Chart string
	// Version is the chart's exact version.
	Version string
	// Repository is the chart repository's URL (repositoryOpts.repo).
	Repository string
	// Namespace is where the release is installed.
	Namespace pulumi.StringInput
	// Values are the chart values this stack sets.
	Values pulumi.MapInput
	// TimeoutSeconds bounds each Kubernetes operation of an install or upgrade.
	TimeoutSeconds int
}

// Release is a Helm release managed by the Kubernetes provider. The stack reads none of its
// outputs: it is a dependency of what runs on the release.
type Release struct {
	pulumi.CustomResourceState
}

// New registers the release. The caller passes the Kubernetes provider as an option.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Release, error) {
	if args.Name == "" || args.Chart == "" || args.Version == "" || args.Repository == "" || args.Namespace == nil {
		return nil, errors.New("helm release " + name + ": name, chart, version, repository and namespace are required")
	}
	inputs := releaseInputs{
		Chart: pulumi.String(args.Chart),
		// The SDK's NewRelease always sends compat "true"; the provider keys its behaviour on it.
		Compat:         pulumi.String("true"),
		Name:           pulumi.String(args.Name),
		Namespace:      args.Namespace,
		RepositoryOpts: pulumi.StringMap{"repo": pulumi.String(args.Repository)},
		Values:         args.Values,
		Version:        pulumi.String(args.Version),
	}
	if args.TimeoutSeconds > 0 {
		inputs.Timeout = pulumi.Int(args.TimeoutSeconds)
	}
	var release Release
	// PkgResourceDefaultOpts adds the SDK's package version (go.mod's pulumi-kubernetes), as its
	// NewRelease does.
	if err := ctx.RegisterResource(Type, name, inputs, &release, utilities.PkgResourceDefaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &release, nil
}

// releaseInputs are the properties sent to the provider; their names are the SDK's releaseArgs
// tags.
type releaseInputs struct {
	Chart          pulumi.StringInput
	Compat         pulumi.StringInput
	Name           pulumi.StringInput
	Namespace      pulumi.StringInput
	RepositoryOpts pulumi.StringMapInput
	Timeout        pulumi.IntInput
	Values         pulumi.MapInput
	Version        pulumi.StringInput
}

func (releaseInputs) ElementType() reflect.Type {
	return reflect.TypeOf((*releaseProperties)(nil)).Elem()
}

// releaseProperties is the plain shape of releaseInputs, whose tags name the properties.
type releaseProperties struct {
	Chart          string            `pulumi:"chart"`
	Compat         *string           `pulumi:"compat"`
	Name           *string           `pulumi:"name"`
	Namespace      *string           `pulumi:"namespace"`
	RepositoryOpts map[string]string `pulumi:"repositoryOpts"`
	Timeout        *int              `pulumi:"timeout"`
	Values         map[string]any    `pulumi:"values"`
	Version        *string           `pulumi:"version"`
}
