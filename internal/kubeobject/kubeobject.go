// Package kubeobject registers the three Kubernetes objects this project creates besides its Helm
// releases: a Namespace, a StorageClass and a custom resource (ArgoCD's Application), as
// pulumi-kubernetes's NewNamespace, NewStorageClass and NewCustomResource register them.
//
// Why not the Kubernetes SDK's core/v1, storage/v1 and apiextensions packages: their types reach
// meta/v1 and core/v1, the largest packages of the SDK (core/v1 alone is a minute of CPU to
// compile), and a package that names any of them compiles some 7,800 generic instantiations of
// the Pulumi SDK. Every test binary of the whole program loaded them, for three objects. The
// provider sees the same request either way: the same type token, the same apiVersion and kind,
// the same property names (pinned against the SDK's source by kubeobject_test.go), the same
// aliases and package version.
package kubeobject

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type tokens, as pulumi-kubernetes registers them.
const (
	NamespaceType    = "kubernetes:core/v1:Namespace"
	StorageClassType = "kubernetes:storage.k8s.io/v1:StorageClass"
	// storageClassV1beta1 is the alias the SDK's NewStorageClass registers the class with.
	storageClassV1beta1 = "kubernetes:storage.k8s.io/v1beta1:StorageClass"
)

// Metadata is the object metadata this project sets (the SDK's ObjectMeta).
type Metadata struct {
	// Name is always set: without it the provider appends a random suffix.
	Name string
	// Namespace is empty for a cluster-scoped object.
	Namespace   pulumi.StringInput
	Annotations map[string]string
	Finalizers  []string
}

// object is the metadata as sent: only what is set, under the SDK's ObjectMeta names.
func (m Metadata) object() pulumi.Map {
	out := pulumi.Map{"name": pulumi.String(m.Name)}
	if m.Namespace != nil {
		out["namespace"] = m.Namespace
	}
	if len(m.Annotations) > 0 {
		out["annotations"] = pulumi.ToStringMap(m.Annotations)
	}
	if len(m.Finalizers) > 0 {
		out["finalizers"] = pulumi.ToStringArray(m.Finalizers)
	}
	return out
}

// Namespace is a Kubernetes namespace.
type Namespace struct {
	pulumi.CustomResourceState

	Metadata metadataOutput `pulumi:"metadata"`
}

// Name is the namespace's name as the cluster reports it: using it makes a resource wait for the
// namespace.
func (n *Namespace) Name() pulumi.StringOutput { return n.Metadata.Name() }

// NewNamespace registers the namespace. The caller passes the Kubernetes provider as an option.
func NewNamespace(ctx *pulumi.Context, name string, metadata Metadata, opts ...pulumi.ResourceOption) (*Namespace, error) {
	if metadata.Name == "" {
		return nil, errors.New("namespace " + name + ": metadata.name is required")
	}
	var ns Namespace
	if err := ctx.RegisterResource(NamespaceType, name, namespaceInputs{
		ApiVersion: pulumi.String("v1"),
		Kind:       pulumi.String("Namespace"),
		Metadata:   metadata.object(),
	}, &ns, utilities.PkgResourceDefaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &ns, nil
}

// StorageClassArgs are the StorageClass fields this project sets.
type StorageClassArgs struct {
	Metadata             Metadata
	Provisioner          string
	Parameters           map[string]string
	VolumeBindingMode    string
	ReclaimPolicy        string
	AllowVolumeExpansion bool
}

// StorageClass is a Kubernetes StorageClass. The stack reads none of its outputs.
type StorageClass struct {
	pulumi.CustomResourceState
}

// NewStorageClass registers the class. The caller passes the Kubernetes provider as an option.
func NewStorageClass(ctx *pulumi.Context, name string, a StorageClassArgs, opts ...pulumi.ResourceOption) (*StorageClass, error) {
	if a.Metadata.Name == "" || a.Provisioner == "" {
		return nil, errors.New("storage class " + name + ": metadata.name and provisioner are required")
	}
	inputs := storageClassInputs{
		AllowVolumeExpansion: pulumi.Bool(a.AllowVolumeExpansion),
		ApiVersion:           pulumi.String("storage.k8s.io/v1"),
		Kind:                 pulumi.String("StorageClass"),
		Metadata:             a.Metadata.object(),
		Provisioner:          pulumi.String(a.Provisioner),
	}
	if len(a.Parameters) > 0 {
		inputs.Parameters = pulumi.ToStringMap(a.Parameters)
	}
	if a.ReclaimPolicy != "" {
		inputs.ReclaimPolicy = pulumi.String(a.ReclaimPolicy)
	}
	if a.VolumeBindingMode != "" {
		inputs.VolumeBindingMode = pulumi.String(a.VolumeBindingMode)
	}
	// As the SDK's NewStorageClass: the caller's options, the alias of the class's v1beta1
	// type, then PkgResourceDefaultOpts puts the package version first.
	opts = append(opts, pulumi.Aliases([]pulumi.Alias{{Type: pulumi.String(storageClassV1beta1)}}))
	var class StorageClass
	if err := ctx.RegisterResource(StorageClassType, name, inputs, &class, utilities.PkgResourceDefaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &class, nil
}

// CustomResourceArgs are a custom resource's type, metadata and other top-level fields (spec).
type CustomResourceArgs struct {
	APIVersion, Kind string
	Metadata         Metadata
	Fields           map[string]pulumi.Input
}

// CustomResource is an object of a custom resource definition. The stack reads none of its
// outputs.
type CustomResource struct {
	pulumi.CustomResourceState
}

// NewCustomResource registers the object as kubernetes:<apiVersion>:<kind>. As the SDK's
// NewCustomResource, it adds no package version: the caller passes the Kubernetes provider.
func NewCustomResource(ctx *pulumi.Context, name string, a CustomResourceArgs, opts ...pulumi.ResourceOption) (*CustomResource, error) {
	if a.APIVersion == "" || a.Kind == "" || a.Metadata.Name == "" {
		return nil, errors.New("custom resource " + name + ": apiVersion, kind and metadata.name are required")
	}
	props := pulumi.Map{}
	for k, v := range a.Fields {
		props[k] = v
	}
	props["apiVersion"] = pulumi.String(a.APIVersion)
	props["kind"] = pulumi.String(a.Kind)
	props["metadata"] = a.Metadata.object()
	var object CustomResource
	if err := ctx.RegisterResource(fmt.Sprintf("kubernetes:%s:%s", a.APIVersion, a.Kind), name, props, &object, opts...); err != nil {
		return nil, err
	}
	return &object, nil
}

func init() { pulumi.RegisterOutputType(metadataOutput{}) }

// metadata is the part of the SDK's ObjectMeta output this project reads.
type metadata struct {
	Name *string `pulumi:"name"`
}

type metadataOutput struct{ *pulumi.OutputState }

func (metadataOutput) ElementType() reflect.Type { return reflect.TypeFor[metadata]() }

func (o metadataOutput) Name() pulumi.StringOutput {
	return o.ApplyT(func(m metadata) string {
		if m.Name == nil {
			return ""
		}
		return *m.Name
	}).(pulumi.StringOutput)
}

// namespaceInputs are the properties sent for a Namespace; their names and plain types are the
// SDK's namespaceArgs.
type namespaceInputs struct {
	ApiVersion pulumi.StringInput
	Kind       pulumi.StringInput
	Metadata   pulumi.MapInput
}

func (namespaceInputs) ElementType() reflect.Type { return reflect.TypeFor[namespaceProperties]() }

type namespaceProperties struct {
	ApiVersion *string        `pulumi:"apiVersion"`
	Kind       *string        `pulumi:"kind"`
	Metadata   map[string]any `pulumi:"metadata"`
}

// storageClassInputs are the properties sent for a StorageClass; their names and plain types are
// the SDK's storageClassArgs.
type storageClassInputs struct {
	AllowVolumeExpansion pulumi.BoolInput
	ApiVersion           pulumi.StringInput
	Kind                 pulumi.StringInput
	Metadata             pulumi.MapInput
	Parameters           pulumi.StringMapInput
	Provisioner          pulumi.StringInput
	ReclaimPolicy        pulumi.StringInput
	VolumeBindingMode    pulumi.StringInput
}

func (storageClassInputs) ElementType() reflect.Type {
	return reflect.TypeFor[storageClassProperties]()
}

type storageClassProperties struct {
	AllowVolumeExpansion *bool             `pulumi:"allowVolumeExpansion"`
	ApiVersion           *string           `pulumi:"apiVersion"`
	Kind                 *string           `pulumi:"kind"`
	Metadata             map[string]any    `pulumi:"metadata"`
	Parameters           map[string]string `pulumi:"parameters"`
	Provisioner          string            `pulumi:"provisioner"`
	ReclaimPolicy        *string           `pulumi:"reclaimPolicy"`
	VolumeBindingMode    *string           `pulumi:"volumeBindingMode"`
}
