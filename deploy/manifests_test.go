package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
)

// TestDevOverlay builds deploy/overlays/dev in-process, decodes it strictly and runs every check.
func TestDevOverlay(t *testing.T) {
	m := mustDecode(t, mustBuild(t, devDir))
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(m); err != nil {
				t.Errorf("deploy/%s:\n%v", devDir, err)
			}
		})
	}

	t.Run("images-entry", func(t *testing.T) {
		// The container runs exactly the image the overlay's `images:` entry names: the entry that
		// CI rewrites with `kustomize edit set image` is the one that takes effect.
		k, err := readKustomization(devDir)
		if err != nil {
			t.Fatal(err)
		}
		if len(k.Images) != 1 || k.Images[0].Name != "mission-link" || k.Images[0].Digest != "" {
			t.Fatalf("want one images entry named mission-link with newName and newTag, got %+v", k.Images)
		}
		want := k.Images[0].NewName + ":" + k.Images[0].NewTag
		for _, c := range containers(m) {
			if c.Image != want {
				t.Errorf("container %s runs %q, the overlay's images entry says %q", c.Name, c.Image, want)
			}
		}
	})

	t.Run("role-arn-patch", func(t *testing.T) {
		// The role ARN lives in one small patch file that a writer can update.
		b, err := os.ReadFile(filepath.Join(devDir, "serviceaccount-irsa.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		o, err := decodeStrict(b)
		if err != nil {
			t.Fatalf("serviceaccount-irsa.yaml: %v", err)
		}
		sa, ok := o.obj.(*corev1.ServiceAccount)
		if !ok {
			t.Fatalf("serviceaccount-irsa.yaml is a %s, want a ServiceAccount", o.gvk.Kind)
		}
		want := sa.Annotations[irsaAnnotation]
		if got := m.serviceAccount.Annotations[irsaAnnotation]; got != want || want == "" {
			t.Errorf("built ServiceAccount has role ARN %q, serviceaccount-irsa.yaml says %q", got, want)
		}
		if n := bytes.Count(b, []byte(irsaAnnotation)); n != 1 {
			t.Errorf("serviceaccount-irsa.yaml names %s %d times, want once", irsaAnnotation, n)
		}
	})
}

// TestSizingBudget recomputes README.md's sizing table: what one node leaves for the app once the
// cluster's own pods, the Cluster Autoscaler and ArgoCD are counted, how many app pods that holds,
// and that the HPA's maximum plus the surge fills exactly the node group's two nodes.
func TestSizingBudget(t *testing.T) {
	cpu, memory := appBudget()
	if cpu.Cmp(resource.MustParse("1105m")) != 0 || memory.Cmp(resource.MustParse("814Mi")) != 0 {
		t.Errorf("a node leaves %s CPU and %s memory for the app; README.md says 1105m and 814Mi", cpu.String(), memory.String())
	}
	m := mustDecode(t, mustBuild(t, devDir))
	cpuReq, memReq := podTotal(m, false, corev1.ResourceCPU), podTotal(m, false, corev1.ResourceMemory)
	perNode := min(cpu.MilliValue()/cpuReq.MilliValue(), memory.Value()/memReq.Value())
	if perNode != 2 {
		t.Errorf("%d app pods of %s, %s per node; README.md says 2", perNode, cpuReq.String(), memReq.String())
	}
	if hi := int64(m.hpa.Spec.MaxReplicas) + 1; hi != maxNodes*perNode {
		t.Errorf("HPA maximum + surge is %d pods, two nodes hold %d: README.md says exactly", hi, maxNodes*perNode)
	}
}

// TestBaseBuilds builds deploy/base alone: it decodes strictly, and its image is the bare
// placeholder that overlays replace (so an overlay that forgets `images:` fails TestDevOverlay).
func TestBaseBuilds(t *testing.T) {
	m := mustDecode(t, mustBuild(t, baseDir))
	for _, c := range containers(m) {
		if c.Image != "mission-link" {
			t.Errorf("container %s: base image %q, want the placeholder mission-link", c.Name, c.Image)
		}
	}
	if err := checkImage(m); err == nil {
		t.Error("checkImage accepts the base's placeholder image")
	}
}

// TestKustomizationSyntax requires kustomize v5 syntax in every kustomization.yaml under deploy/.
func TestKustomizationSyntax(t *testing.T) {
	dirs := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "kustomization.yaml" {
			return err
		}
		dirs++
		k, err := readKustomization(filepath.Dir(path))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		if err := checkKustomizationSyntax(k); err != nil {
			t.Errorf("%s:\n%v", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if dirs < 2 {
		t.Fatalf("found %d kustomization.yaml files, want base and overlays/dev at least", dirs)
	}
}

// TestOutputOrderIsPinned: the overlay's sortOptions make the output the same whatever order
// option the caller passes: the library's default (no reordering) or the CLI's default when
// --reorder is not given (legacy order). Without sortOptions the two disagree, which is shown on a
// copy of the overlay without them.
func TestOutputOrderIsPinned(t *testing.T) {
	k, err := readKustomization(devDir)
	if err != nil {
		t.Fatal(err)
	}
	if k.SortOptions == nil || k.SortOptions.Order != types.LegacySortOrder {
		t.Errorf("deploy/%s sets no sortOptions.order: legacy", devDir)
	}
	buildWith := func(dir string, r krusty.ReorderOption) []byte {
		opts := krusty.MakeDefaultOptions()
		opts.Reorder = r
		out, _, err := build(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	def := mustBuild(t, devDir)
	for _, r := range []krusty.ReorderOption{krusty.ReorderOptionUnspecified, krusty.ReorderOptionLegacy} {
		if !bytes.Equal(buildWith(devDir, r), def) {
			t.Errorf("reorder %q gives another output than krusty.MakeDefaultOptions()", r)
		}
	}

	unsorted := writeOverlay(t, map[string]string{"kustomization.yaml": goodKust.String(), "sa.yaml": goodSA})
	if bytes.Equal(buildWith(unsorted, krusty.ReorderOptionNone), buildWith(unsorted, krusty.ReorderOptionUnspecified)) {
		t.Error("without sortOptions the library default and the CLI default give the same order; " +
			"this test no longer shows why the overlay pins it")
	}
}

// freshDev decodes the dev overlay's build anew, for one test case to mutate.
func freshDev(t *testing.T, stream []byte) *manifests {
	t.Helper()
	return mustDecode(t, stream)
}

func ptr[T any](v T) *T { return &v }

// TestChecksCatchMutations proves each check is real: it breaks one thing in a decoded build of
// the dev overlay and expects the named check to fail with a message containing want.
func TestChecksCatchMutations(t *testing.T) {
	stream := mustBuild(t, devDir)
	byName := map[string]func(*manifests) error{}
	for _, c := range checks {
		byName[c.name] = c.run
	}
	app := func(m *manifests) *corev1.Container { return &m.deployment.Spec.Template.Spec.Containers[0] }
	cases := []struct {
		name, check, want string
		mutate            func(m *manifests)
	}{
		{"namespace missing", "namespace", `namespace ""`, func(m *manifests) { m.service.Namespace = "" }},
		{"other namespace", "namespace", `namespace "default"`, func(m *manifests) { m.hpa.Namespace = "default" }},

		{"tag latest", "image", "tag latest", func(m *manifests) {
			app(m).Image = strings.SplitN(app(m).Image, ":", 2)[0] + ":latest"
		}},
		{"no tag", "image", "no tag", func(m *manifests) { app(m).Image = strings.SplitN(app(m).Image, ":", 2)[0] }},
		{"short sha", "image", "not a 40-hex", func(m *manifests) {
			app(m).Image = strings.SplitN(app(m).Image, ":", 2)[0] + ":5c1e9a4"
		}},
		{"placeholder sha", "image", "placeholder", func(m *manifests) {
			app(m).Image = strings.SplitN(app(m).Image, ":", 2)[0] + ":" + strings.Repeat("0", 40)
		}},
		{"not ECR", "image", "not an ECR", func(m *manifests) {
			app(m).Image = "docker.io/library/mission-link:5c1e9a47d2b8f36e0a4c7d19b2e85f60c3a7d4e1"
		}},
		{"base placeholder", "image", "no tag", func(m *manifests) { app(m).Image = "mission-link" }},
		{"digest", "image", "digest", func(m *manifests) { app(m).Image += "@sha256:" + strings.Repeat("ab", 32) }},

		{"no IRSA annotation", "serviceaccount", "no eks.amazonaws.com/role-arn", func(m *manifests) {
			delete(m.serviceAccount.Annotations, irsaAnnotation)
		}},
		{"bad role ARN", "serviceaccount", "not an IAM role ARN", func(m *manifests) {
			m.serviceAccount.Annotations[irsaAnnotation] = "arn:aws:iam::12345:role/mission-link-dev-app"
		}},
		{"user ARN", "serviceaccount", "not an IAM role ARN", func(m *manifests) {
			m.serviceAccount.Annotations[irsaAnnotation] = "arn:aws:iam::123456789012:user/ci"
		}},
		{"other service account", "serviceaccount", "run as service account", func(m *manifests) {
			m.deployment.Spec.Template.Spec.ServiceAccountName = "default"
		}},
		{"pod automount off", "serviceaccount", "automountServiceAccountToken is false", func(m *manifests) {
			m.deployment.Spec.Template.Spec.AutomountServiceAccountToken = ptr(false)
		}},
		{"SA automount off", "serviceaccount", "automountServiceAccountToken is false", func(m *manifests) {
			m.serviceAccount.AutomountServiceAccountToken = ptr(false)
		}},

		{"no liveness", "probes", "no liveness probe", func(m *manifests) { app(m).LivenessProbe = nil }},
		{"no readiness", "probes", "no readiness probe", func(m *manifests) { app(m).ReadinessProbe = nil }},
		{"tcp readiness", "probes", "not an HTTP GET", func(m *manifests) {
			app(m).ReadinessProbe.HTTPGet = nil
			app(m).ReadinessProbe.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromString("http")}
		}},
		{"wrong probe path", "probes", `path "/healthz"`, func(m *manifests) { app(m).LivenessProbe.HTTPGet.Path = "/healthz" }},
		{"unknown probe port", "probes", "is not the container's port", func(m *manifests) {
			app(m).StartupProbe.HTTPGet.Port = intstr.FromString("web")
		}},

		{"no memory limit", "resources", "no memory limit", func(m *manifests) {
			delete(app(m).Resources.Limits, corev1.ResourceMemory)
		}},
		{"no cpu request", "resources", "no cpu request", func(m *manifests) {
			delete(app(m).Resources.Requests, corev1.ResourceCPU)
		}},
		{"request above limit", "resources", "above its limit", func(m *manifests) {
			app(m).Resources.Requests[corev1.ResourceMemory] = resource.MustParse("1Gi")
		}},

		{"too many replicas", "sizing", "do not fit on 2", func(m *manifests) { m.hpa.Spec.MaxReplicas = 20 }},
		// 448Mi pods: two fit beside the system pods and ArgoCD (942Mi), one beside the
		// autoscaler too (814Mi), so HPA max 3 + surge no longer fits two nodes.
		{"pods that fit only if the autoscaler were not counted", "sizing", "maxReplicas 3 + surge 1", func(m *manifests) {
			app(m).Resources.Requests[corev1.ResourceMemory] = resource.MustParse("448Mi")
		}},
		{"min too high for one node", "sizing", "do not fit on one", func(m *manifests) { m.hpa.Spec.MinReplicas = ptr(int32(6)) }},
		{"memory limit above node", "sizing", "memory limit", func(m *manifests) {
			app(m).Resources.Limits[corev1.ResourceMemory] = resource.MustParse("4Gi")
		}},
		{"cpu limit above node", "sizing", "CPU limit", func(m *manifests) {
			app(m).Resources.Limits[corev1.ResourceCPU] = resource.MustParse("2")
		}},

		{"container runs as root", "security", "runAsNonRoot is not true", func(m *manifests) {
			app(m).SecurityContext.RunAsNonRoot = ptr(false)
		}},
		{"runAsNonRoot unset", "security", "runAsNonRoot is not true", func(m *manifests) {
			app(m).SecurityContext.RunAsNonRoot = nil
			m.deployment.Spec.Template.Spec.SecurityContext.RunAsNonRoot = nil
		}},
		{"uid 0", "security", "runAsUser", func(m *manifests) { app(m).SecurityContext.RunAsUser = ptr(int64(0)) }},
		{"no numeric uid", "security", "runAsUser", func(m *manifests) {
			m.deployment.Spec.Template.Spec.SecurityContext.RunAsUser = nil
		}},
		{"writable root", "security", "readOnlyRootFilesystem", func(m *manifests) {
			app(m).SecurityContext.ReadOnlyRootFilesystem = ptr(false)
		}},
		{"privilege escalation", "security", "allowPrivilegeEscalation", func(m *manifests) {
			app(m).SecurityContext.AllowPrivilegeEscalation = nil
		}},
		{"capability added", "security", "capabilities", func(m *manifests) {
			app(m).SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
		}},
		{"no seccomp", "security", "seccompProfile", func(m *manifests) {
			m.deployment.Spec.Template.Spec.SecurityContext.SeccompProfile = nil
		}},
		{"no security context", "security", "readOnlyRootFilesystem", func(m *manifests) { app(m).SecurityContext = nil }},

		{"no /tmp", "writable-dirs", "/tmp", func(m *manifests) { app(m).VolumeMounts = app(m).VolumeMounts[1:] }},
		{"cache not emptyDir", "writable-dirs", "/app/.next/cache", func(m *manifests) {
			for i := range m.deployment.Spec.Template.Spec.Volumes {
				v := &m.deployment.Spec.Template.Spec.Volumes[i]
				v.EmptyDir, v.ConfigMap = nil, &corev1.ConfigMapVolumeSource{}
			}
		}},

		{"PORT differs", "env", "PORT", func(m *manifests) { app(m).Ports[0].ContainerPort = 8080 }},
		{"no region", "env", "AWS_REGION", func(m *manifests) {
			for i, e := range app(m).Env {
				if e.Name == "AWS_REGION" {
					app(m).Env[i].Value = ""
				}
			}
		}},

		{"service selects nothing", "service", "does not select", func(m *manifests) {
			m.service.Spec.Selector["app.kubernetes.io/name"] = "other"
		}},
		{"service selector broader", "service", "not the Deployment's selector", func(m *manifests) {
			delete(m.service.Spec.Selector, "app.kubernetes.io/component")
		}},
		{"service no selector", "service", "no selector", func(m *manifests) { m.service.Spec.Selector = nil }},
		{"numeric targetPort", "service", "is a number", func(m *manifests) {
			m.service.Spec.Ports[0].TargetPort = intstr.FromInt32(3000)
		}},
		{"unknown targetPort", "service", `"web" names no`, func(m *manifests) {
			m.service.Spec.Ports[0].TargetPort = intstr.FromString("web")
		}},
		{"LoadBalancer", "service", "want ClusterIP", func(m *manifests) { m.service.Spec.Type = corev1.ServiceTypeLoadBalancer }},

		{"pdb selects other pods", "pdb", "does not match", func(m *manifests) {
			m.pdb.Spec.Selector.MatchLabels = map[string]string{"app.kubernetes.io/name": "other"}
		}},
		{"pdb empty selector", "pdb", "empty", func(m *manifests) { m.pdb.Spec.Selector.MatchLabels = nil }},
		{"pdb blocks drains", "pdb", "node drains would hang", func(m *manifests) {
			m.pdb.Spec.MaxUnavailable = nil
			m.pdb.Spec.MinAvailable = ptr(intstr.FromInt32(1))
		}},
		{"pdb 100% available", "pdb", "allows no eviction", func(m *manifests) {
			m.pdb.Spec.MaxUnavailable = nil
			m.pdb.Spec.MinAvailable = ptr(intstr.FromString("100%"))
		}},
		{"pdb maxUnavailable 0", "pdb", "allows no eviction", func(m *manifests) {
			m.pdb.Spec.MaxUnavailable = ptr(intstr.FromInt32(0))
		}},

		{"hpa other name", "hpa", "want apps/v1 Deployment", func(m *manifests) { m.hpa.Spec.ScaleTargetRef.Name = "web" }},
		{"hpa other kind", "hpa", "want apps/v1 Deployment", func(m *manifests) { m.hpa.Spec.ScaleTargetRef.Kind = "StatefulSet" }},
		{"hpa min above max", "hpa", "minReplicas", func(m *manifests) { m.hpa.Spec.MinReplicas = ptr(int32(5)) }},
		{"hpa no cpu metric", "hpa", "no CPU Utilization", func(m *manifests) { m.hpa.Spec.Metrics = nil }},
		{"replicas in git", "hpa", "leave them to the HorizontalPodAutoscaler", func(m *manifests) {
			m.deployment.Spec.Replicas = ptr(int32(1))
		}},

		{"no spread", "topology", "no topologySpreadConstraint over topology.kubernetes.io/zone", func(m *manifests) {
			m.deployment.Spec.Template.Spec.TopologySpreadConstraints = nil
		}},
		{"zone spread hard", "topology", "want ScheduleAnyway", func(m *manifests) {
			for i, c := range m.deployment.Spec.Template.Spec.TopologySpreadConstraints {
				if c.TopologyKey == zoneKey {
					m.deployment.Spec.Template.Spec.TopologySpreadConstraints[i].WhenUnsatisfiable = corev1.DoNotSchedule
				}
			}
		}},
		{"spread selects other pods", "topology", "does not match", func(m *manifests) {
			m.deployment.Spec.Template.Spec.TopologySpreadConstraints[1].LabelSelector.MatchLabels = map[string]string{"a": "b"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run, ok := byName[tc.check]
			if !ok {
				t.Fatalf("no check %q", tc.check)
			}
			m := freshDev(t, stream)
			if err := run(m); err != nil {
				t.Fatalf("check %s fails before the mutation: %v", tc.check, err)
			}
			tc.mutate(m)
			err := run(m)
			if err == nil {
				t.Fatalf("check %s passes after %q", tc.check, tc.name)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("check %s: want an error containing %q, got:\n%v", tc.check, tc.want, err)
			}
		})
	}
}

// writeOverlay copies deploy/base into a temp dir as base/ and writes files into overlay/ beside
// it; it returns the overlay's path. (kustomize refuses an absolute path to a base.)
func writeOverlay(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"base", "overlay"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(baseDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(baseDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "base", e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := files["dev-hpa.yaml"]; !ok {
		files["dev-hpa.yaml"] = goodHPA
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, "overlay", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "overlay")
}

// kust is a kustomization.yaml for a test overlay; goodKust is a correct one.
type kust struct {
	namespace string
	resources []string // after ../base
	patches   []string
	tag       string
	imageName string
	extra     string // appended as is
}

var goodKust = kust{namespace: "mission-link", patches: []string{"sa.yaml", "dev-hpa.yaml"},
	tag: "5c1e9a47d2b8f36e0a4c7d19b2e85f60c3a7d4e1", imageName: "mission-link"}

func (k kust) String() string {
	var b strings.Builder
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
	if k.namespace != "" {
		b.WriteString("namespace: " + k.namespace + "\n")
	}
	b.WriteString("resources:\n- ../base\n")
	for _, r := range k.resources {
		b.WriteString("- " + r + "\n")
	}
	if len(k.patches) > 0 {
		b.WriteString("patches:\n")
		for _, p := range k.patches {
			b.WriteString("- path: " + p + "\n")
		}
	}
	fmt.Fprintf(&b, "images:\n- name: %s\n  newName: 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev\n  newTag: %q\n",
		k.imageName, k.tag)
	b.WriteString(k.extra)
	return b.String()
}

// with returns a copy of k changed by f.
func (k kust) with(f func(*kust)) string {
	k.patches = append([]string(nil), k.patches...)
	f(&k)
	return k.String()
}

// goodHPA is the dev overlay's replica range, which every test overlay gets as dev-hpa.yaml: the
// base's range (one replica per AZ) is for a larger cluster than the dev stack's 1-2 t3.medium
// nodes.
const goodHPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: mission-link
spec:
  minReplicas: 1
  maxReplicas: 3
`

const goodSA = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: mission-link
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/mission-link-dev-app
`

// runAll builds dir and runs the syntax check, the strict decode and every check; it returns
// every problem found.
func runAll(dir string) error {
	var problems []string
	if k, err := readKustomization(dir); err != nil {
		problems = append(problems, err.Error())
	} else if err := checkKustomizationSyntax(k); err != nil {
		problems = append(problems, err.Error())
	}
	out, _, err := build(dir, krusty.MakeDefaultOptions())
	if err != nil {
		return fmt.Errorf("%s\nkustomize build: %w", strings.Join(problems, "\n"), err)
	}
	m, err := decode(out)
	if err != nil {
		problems = append(problems, err.Error())
	} else {
		for _, c := range checks {
			if err := c.run(m); err != nil {
				problems = append(problems, err.Error())
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(problems, "\n"))
}

// TestBadKustomizations feeds overlays with one mistake each, built from temp dirs over the real
// base, and expects the validation to name it. The first case is a good overlay: it must pass.
func TestBadKustomizations(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string // "" for a good overlay
	}{
		{"good", map[string]string{"kustomization.yaml": goodKust.String(), "sa.yaml": goodSA}, ""},
		{"latest tag", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.tag = "latest" }), "sa.yaml": goodSA,
		}, "tag latest"},
		{"images entry names another image", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.imageName = "missionlink" }), "sa.yaml": goodSA,
		}, `image "mission-link" has no tag`},
		{"no namespace", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.namespace = "" }), "sa.yaml": goodSA,
		}, `namespace ""`},
		{"no IRSA patch", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.patches = nil }),
		}, "no eks.amazonaws.com/role-arn annotation"},
		// These two also make kustomize print its own deprecation warning on stderr.
		{"deprecated patchesStrategicMerge", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.patches, k.extra = nil, "patchesStrategicMerge:\n- sa.yaml\n" }),
			"sa.yaml":            goodSA,
		}, "'patchesStrategicMerge' is deprecated"},
		{"deprecated commonLabels", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.extra = "commonLabels:\n  team: web\n" }),
			"sa.yaml":            goodSA,
		}, "'commonLabels' is deprecated"},
		{"field name in the wrong case", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.patches = append(k.patches, "rofs.yaml") }),
			"sa.yaml":            goodSA,
			// encoding/json would take readonlyRootFilesystem for readOnlyRootFilesystem; the API server does not.
			"rofs.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mission-link
spec:
  template:
    spec:
      containers:
      - name: mission-link
        securityContext:
          readonlyRootFilesystem: true
`,
		}, `unknown field "spec.template.spec.containers[0].securityContext.readonlyRootFilesystem"`},
		{"misspelt field", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.patches = append(k.patches, "typo.yaml") }),
			"sa.yaml":            goodSA,
			"typo.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mission-link
spec:
  template:
    spec:
      containers:
      - name: mission-link
        livenesProbe:
          httpGet: {path: /api/health, port: http}
`,
		}, `unknown field "spec.template.spec.containers[0].livenesProbe"`},
		{"value of the wrong type", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.patches = append(k.patches, "hpa.yaml") }),
			"sa.yaml":            goodSA,
			"hpa.yaml": `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: mission-link
spec:
  minReplicas: one
`,
		}, "HorizontalPodAutoscaler: json: cannot unmarshal string"},
		{"kind the tests do not know", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.resources = []string{"cm.yaml"} }),
			"sa.yaml":            goodSA,
			"cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n",
		}, `kind "ConfigMap" is not one the tests know`},
		{"old HPA version", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.resources = []string{"hpa.yaml"} }),
			"sa.yaml":            goodSA,
			"hpa.yaml": `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: mission-link}
  maxReplicas: 2
`,
		}, `apiVersion "autoscaling/v1" kind "HorizontalPodAutoscaler" is not one the tests know`},
		{"a second Service", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.resources = []string{"svc.yaml"} }),
			"sa.yaml":            goodSA,
			"svc.yaml": `apiVersion: v1
kind: Service
metadata:
  name: other
spec:
  selector: {app.kubernetes.io/name: mission-link, app.kubernetes.io/component: server}
  ports: [{name: http, port: 80, targetPort: http}]
`,
		}, "want exactly one v1 Service, the build has 2"},
		{"unknown kustomization field", map[string]string{
			"kustomization.yaml": goodKust.with(func(k *kust) { k.extra = "imagez: []\n" }),
			"sa.yaml":            goodSA,
		}, `unknown field "imagez"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeOverlay(t, tc.files)
			err := runAll(dir)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("a good overlay fails:\n%v", err)
			case tc.want == "":
			case err == nil:
				t.Fatalf("the validation passes; want an error containing %q", tc.want)
			case !strings.Contains(err.Error(), tc.want):
				t.Errorf("want an error containing %q, got:\n%v", tc.want, err)
			}
		})
	}
}
