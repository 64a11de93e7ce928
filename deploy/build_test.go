package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Paths relative to this package's directory, where `go test` runs.
const (
	baseDir = "base"
	devDir  = "overlays/dev"
)

// sortOptionsWarning is the start of what kustomize logs when a kustomization's sortOptions
// override the caller's Reorder option.
const sortOptionsWarning = "Warning: Sorting order is set both in 'kustomization.yaml'"

// logMu serialises builds: kustomize reports some warnings through the standard logger, which
// build redirects while it runs.
var logMu sync.Mutex

// build runs kustomize in-process on dir, as the CLI's `kustomize build dir` does, and returns the
// YAML stream the CLI would print plus anything kustomize logged on the way.
func build(dir string, opts *krusty.Options) (out []byte, logged string, err error) {
	logMu.Lock()
	defer logMu.Unlock()
	var buf bytes.Buffer
	prev := log.Writer()
	log.SetOutput(&buf)
	defer log.SetOutput(prev)

	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, buf.String(), err
	}
	out, err = m.AsYaml()
	return out, buf.String(), err
}

// mustBuild builds dir with krusty.MakeDefaultOptions(), failing the test on an error.
func mustBuild(t testing.TB, dir string) []byte {
	t.Helper()
	out, logged, err := build(dir, krusty.MakeDefaultOptions())
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(logged), "\n") {
		// Expected for overlays/dev: krusty.MakeDefaultOptions() asks for no reordering, which
		// the overlay's sortOptions override, and kustomize says so (calling it a CLI flag).
		if l != "" && !strings.Contains(l, sortOptionsWarning) {
			lines = append(lines, l)
		}
	}
	if len(lines) > 0 {
		t.Logf("kustomize logged while building %s:\n%s", dir, strings.Join(lines, "\n"))
	}
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return out
}

// kindInfo is what the tests know about one apiVersion/kind.
type kindInfo struct {
	namespaced bool
	newObject  func() metav1.Object
}

// knownKinds are the only apiVersion/kind pairs an overlay may produce. Another kind (or another
// version of one of these) is an error until it is added here, with the checks it needs.
var knownKinds = map[schema.GroupVersionKind]kindInfo{
	{Group: "", Version: "v1", Kind: "ServiceAccount"}: {true, func() metav1.Object { return &corev1.ServiceAccount{} }},
	{Group: "", Version: "v1", Kind: "Service"}:        {true, func() metav1.Object { return &corev1.Service{} }},
	{Group: "apps", Version: "v1", Kind: "Deployment"}: {true, func() metav1.Object { return &appsv1.Deployment{} }},
	{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}: {
		true, func() metav1.Object { return &policyv1.PodDisruptionBudget{} }},
	{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}: {
		true, func() metav1.Object { return &autoscalingv2.HorizontalPodAutoscaler{} }},
}

// object is one decoded document of a build.
type object struct {
	gvk        schema.GroupVersionKind
	namespaced bool
	obj        metav1.Object // a pointer to the k8s.io/api type of gvk
}

func (o object) String() string {
	return fmt.Sprintf("%s %s/%s", o.gvk.Kind, o.obj.GetNamespace(), o.obj.GetName())
}

// manifests is a decoded build: every object in output order, and the app's objects by kind.
type manifests struct {
	objects        []object
	deployment     *appsv1.Deployment
	service        *corev1.Service
	serviceAccount *corev1.ServiceAccount
	pdb            *policyv1.PodDisruptionBudget
	hpa            *autoscalingv2.HorizontalPodAutoscaler
}

// decodeStrict decodes one YAML document into the k8s.io/api type of its apiVersion/kind.
// It fails on a duplicate key, on a field the type does not have (matched case-sensitively, as the
// API server does: encoding/json alone would accept `readonlyRootFilesystem`), on a value of the
// wrong type, and on an apiVersion/kind that is not in knownKinds.
func decodeStrict(doc []byte) (object, error) {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return object{}, fmt.Errorf("invalid YAML: %w", err)
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(j, &tm); err != nil {
		return object{}, fmt.Errorf("reading apiVersion and kind: %w", err)
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		return object{}, fmt.Errorf("apiVersion %q: %w", tm.APIVersion, err)
	}
	gvk := gv.WithKind(tm.Kind)
	info, ok := knownKinds[gvk]
	if !ok {
		return object{}, fmt.Errorf("apiVersion %q kind %q is not one the tests know (knownKinds in build_test.go)",
			tm.APIVersion, tm.Kind)
	}
	obj := info.newObject()
	strictErrs, err := kjson.UnmarshalStrict(j, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return object{}, fmt.Errorf("%s: %w", tm.Kind, err)
	}
	if len(strictErrs) > 0 {
		return object{}, fmt.Errorf("%s %q: strict decoding: %w", tm.Kind, obj.GetName(), errors.Join(strictErrs...))
	}
	return object{gvk: gvk, namespaced: info.namespaced, obj: obj}, nil
}

// decode splits a kustomize YAML stream into documents and decodes each strictly. The app must be
// exactly one object of each known kind.
func decode(stream []byte) (*manifests, error) {
	m := &manifests{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var errs []error
	for i := 0; ; i++ {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading document %d: %w", i, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		o, err := decodeStrict(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i, err))
			continue
		}
		m.objects = append(m.objects, o)
	}
	if len(m.objects) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("the build produced no objects"))
	}
	seen := map[schema.GroupVersionKind]int{}
	for _, o := range m.objects {
		seen[o.gvk]++
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			m.deployment = v
		case *corev1.Service:
			m.service = v
		case *corev1.ServiceAccount:
			m.serviceAccount = v
		case *policyv1.PodDisruptionBudget:
			m.pdb = v
		case *autoscalingv2.HorizontalPodAutoscaler:
			m.hpa = v
		}
	}
	for gvk := range knownKinds {
		if n := seen[gvk]; n != 1 {
			errs = append(errs, fmt.Errorf("want exactly one %s %s, the build has %d", gvk.GroupVersion(), gvk.Kind, n))
		}
	}
	return m, errors.Join(errs...)
}

// mustDecode decodes a build, failing the test on an error.
func mustDecode(t testing.TB, stream []byte) *manifests {
	t.Helper()
	m, err := decode(stream)
	if err != nil {
		t.Fatalf("decoding the build:\n%v", err)
	}
	return m
}

// readKustomization reads dir/kustomization.yaml as kustomize does (unknown fields are errors).
func readKustomization(dir string) (*types.Kustomization, error) {
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k types.Kustomization
	if err := k.Unmarshal(b); err != nil {
		return nil, err
	}
	return &k, nil
}

// checkKustomizationSyntax fails on a kustomization that uses fields deprecated in kustomize v5
// (patchesStrategicMerge, patchesJson6902, commonLabels, bases, imageTags, vars) or that names
// another apiVersion/kind than a v1beta1 Kustomization.
func checkKustomizationSyntax(k *types.Kustomization) error {
	var errs []error
	if k.APIVersion != types.KustomizationVersion || k.Kind != types.KustomizationKind {
		errs = append(errs, fmt.Errorf("apiVersion/kind %q/%q, want %q/%q",
			k.APIVersion, k.Kind, types.KustomizationVersion, types.KustomizationKind))
	}
	for _, w := range *k.CheckDeprecatedFields() {
		errs = append(errs, errors.New(strings.TrimPrefix(w, "# ")))
	}
	return errors.Join(errs...)
}
