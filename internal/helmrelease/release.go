// Package helmrelease registers pulumi-kubernetes's `kubernetes:helm.sh/v3:Release` with the
// inputs this project sets, and nothing else of the Kubernetes SDK's helm/v3 package.
//
// Why not the SDK's own helm/v3 package: it also holds the v3 Chart, which renders charts in the
// program through the SDK's yaml package, and that package imports every Kubernetes API group
// (about 60 generated packages, 2.9 GB of compiled objects). Every test binary that linked eks or
// gitops loaded them, for one resource type: linking each took 11 s instead of 4, and a cold build
// compiled them all. The provider sees the same request either way: the same type token, the
// same property names (pinned against the SDK's source by release_test.go), the SDK's `compat`
// marker and its package version.
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
