package kubeobject

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/bindingtest"
)

const kubernetesSDK = "github.com/pulumi/pulumi-kubernetes/sdk/v4"

// The SDK's NewNamespace, NewStorageClass and NewCustomResource (go.mod's pulumi-kubernetes, read
// from the module cache) are what this package stands in for: the same tokens, apiVersion and
// kind, aliases and options, and properties the SDK declares with the same plain types. An
// upgrade of pulumi-kubernetes that changes any of it fails here.
func TestBindingIsTheSDKs(t *testing.T) {
	mod := bindingtest.Required(t, kubernetesSDK)
	meta := mod.Parse(t, "go/kubernetes/meta/v1", "pulumiTypes.go").Tags(t, "ObjectMeta")
	// The metadata is sent as an object: its keys are checked in TestRequests.
	asObject := map[string]string{"metadata": "*metav1.ObjectMeta"}

	core := mod.Parse(t, "go/kubernetes/core/v1", "namespace.go")
	bindingtest.SameFields(t, reflect.TypeFor[namespaceInputs](), reflect.TypeFor[namespaceProperties]())
	bindingtest.CheckFields(t, reflect.TypeFor[namespaceProperties](), core.Tags(t, "namespaceArgs"), asObject)
	bindingtest.CheckFields(t, reflect.TypeFor[Namespace](), core.Tags(t, "Namespace"), map[string]string{"metadata": "metav1.ObjectMetaOutput"})
	bindingtest.CheckFields(t, reflect.TypeFor[metadata](), meta, nil)
	contains(t, "NewNamespace", core.Func(t, "NewNamespace"),
		`args.ApiVersion = pulumi.StringPtr("v1")`,
		`args.Kind = pulumi.StringPtr("Namespace")`,
		`opts = utilities.PkgResourceDefaultOpts(opts)`,
		`err := ctx.RegisterResource("`+NamespaceType+`", name, args, &resource, opts...)`)

	storage := mod.Parse(t, "go/kubernetes/storage/v1", "storageClass.go")
	bindingtest.SameFields(t, reflect.TypeFor[storageClassInputs](), reflect.TypeFor[storageClassProperties]())
	bindingtest.CheckFields(t, reflect.TypeFor[storageClassProperties](), storage.Tags(t, "storageClassArgs"), asObject)
	contains(t, "NewStorageClass", storage.Func(t, "NewStorageClass"),
		`args.ApiVersion = pulumi.StringPtr("storage.k8s.io/v1")`,
		`args.Kind = pulumi.StringPtr("StorageClass")`,
		`Type: pulumi.String("`+storageClassV1beta1+`"),`,
		"opts = append(opts, aliases)\n\topts = utilities.PkgResourceDefaultOpts(opts)",
		`err := ctx.RegisterResource("`+StorageClassType+`", name, args, &resource, opts...)`)

	custom := mod.Parse(t, "go/kubernetes/apiextensions", "customResource.go").Func(t, "NewCustomResource")
	contains(t, "NewCustomResource", custom,
		`untyped["apiVersion"] = args.ApiVersion`,
		`untyped["kind"] = args.Kind`,
		`untyped["metadata"] = args.Metadata`,
		`err = ctx.RegisterResource(fmt.Sprintf("kubernetes:%s:%s", apiVersion, kind), name, untyped, &resource, opts...)`)
	if strings.Contains(custom, "PkgResourceDefaultOpts") {
		t.Error("the SDK's NewCustomResource now adds the package version: so must NewCustomResource")
	}
}

func contains(t *testing.T, fn, body string, lines ...string) {
	t.Helper()
	for _, line := range lines {
		if !strings.Contains(body, line) {
			t.Errorf("the SDK's %s no longer has %q: revisit this package", fn, line)
		}
	}
}

func TestRequests(t *testing.T) {
	m := &bindingtest.Mocks{}
	var namespace pulumi.StringOutput
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		ns, err := NewNamespace(ctx, "argocd", Metadata{Name: "argocd"})
		if err != nil {
			return err
		}
		namespace = ns.Name()
		if _, err := NewStorageClass(ctx, "gp3", StorageClassArgs{
			Metadata:    Metadata{Name: "gp3", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
			Provisioner: "ebs.csi.aws.com", Parameters: map[string]string{"type": "gp3"},
			VolumeBindingMode: "WaitForFirstConsumer", ReclaimPolicy: "Delete", AllowVolumeExpansion: true,
		}); err != nil {
			return err
		}
		_, err = NewCustomResource(ctx, "app", CustomResourceArgs{
			APIVersion: "argoproj.io/v1alpha1", Kind: "Application",
			Metadata: Metadata{Name: "mission-link", Namespace: namespace, Finalizers: []string{"resources-finalizer.argocd.argoproj.io"}},
			Fields:   map[string]pulumi.Input{"spec": pulumi.Map{"project": pulumi.String("default")}},
		})
		return err
	}, pulumi.WithMocks("mission-link", "dev", m))
	if err != nil {
		t.Fatal(err)
	}
	sdkVersion := bindingtest.Required(t, kubernetesSDK).Version
	want := []bindingtest.Registration{
		{Token: NamespaceType, Version: sdkVersion, Inputs: resource.NewPropertyMapFromMap(map[string]any{
			"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "argocd"},
		})},
		{Token: StorageClassType, Version: sdkVersion, Aliases: []string{storageClassV1beta1}, Inputs: resource.NewPropertyMapFromMap(map[string]any{
			"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
			"metadata":    map[string]any{"name": "gp3", "annotations": map[string]any{"storageclass.kubernetes.io/is-default-class": "true"}},
			"provisioner": "ebs.csi.aws.com", "parameters": map[string]any{"type": "gp3"},
			"volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Delete", "allowVolumeExpansion": true,
		})},
		// No package version, as the SDK's NewCustomResource.
		{Token: "kubernetes:argoproj.io/v1alpha1:Application", Inputs: resource.NewPropertyMapFromMap(map[string]any{
			"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
			"metadata": map[string]any{"name": "mission-link", "namespace": "argocd", "finalizers": []any{"resources-finalizer.argocd.argoproj.io"}},
			"spec":     map[string]any{"project": "default"},
		})},
	}
	if n := len(m.Registrations()); n != len(want) {
		t.Fatalf("registered %d objects, want %d", n, len(want))
	}
	meta := bindingtest.Required(t, kubernetesSDK).Parse(t, "go/kubernetes/meta/v1", "pulumiTypes.go").Tags(t, "ObjectMeta")
	for _, w := range want {
		got, ok := m.Registered(w.Token)
		if !ok {
			t.Errorf("%s is not registered once", w.Token)
			continue
		}
		if got.Version != w.Version || !reflect.DeepEqual(got.Aliases, w.Aliases) {
			t.Errorf("%s: version %q aliases %v, want version %q aliases %v", w.Token, got.Version, got.Aliases, w.Version, w.Aliases)
		}
		if !got.Inputs.DeepEquals(w.Inputs) {
			t.Errorf("%s inputs\n got %v\nwant %v", w.Token, got.Inputs, w.Inputs)
		}
		bindingtest.Keys(t, w.Token+"'s metadata", got.Inputs["metadata"].ObjectValue().Mappable(), meta)
	}
}

func TestRequiredFields(t *testing.T) {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		for _, err := range []error{
			func() error { _, err := NewNamespace(ctx, "ns", Metadata{}); return err }(),
			func() error {
				_, err := NewStorageClass(ctx, "sc", StorageClassArgs{Metadata: Metadata{Name: "gp3"}})
				return err
			}(),
			func() error {
				_, err := NewCustomResource(ctx, "cr", CustomResourceArgs{Kind: "Application", Metadata: Metadata{Name: "x"}})
				return err
			}(),
		} {
			if err == nil || !strings.Contains(err.Error(), "required") {
				t.Errorf("got %v, want the required fields named", err)
			}
		}
		return nil
	}, pulumi.WithMocks("mission-link", "dev", &bindingtest.Mocks{}))
	if err != nil {
		t.Fatal(err)
	}
}
