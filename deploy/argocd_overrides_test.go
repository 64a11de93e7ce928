package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mission-link/infra/gitops/overlay"
)

// What ArgoCD renders when the Application carries the stack's outputs in its kustomize options
// (overlay.ApplicationKustomize, which gitops puts in the Application) and the committed overlay
// still holds placeholders: the first sync after `pulumi up`, before anyone commits.
var argoOutputs = overlay.Outputs{
	RepositoryURL: "210987654321.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev",
	AppRoleARN:    "arn:aws:iam::210987654321:role/mission-link-dev-app-3f9c2e1",
}

// argoCopy copies base and the dev overlay into a temporary tree, as ArgoCD's repo server checks
// the repository out, and returns the overlay's directory there.
func argoCopy(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	copyFilesOf(t, baseDir, filepath.Join(root, "base"))
	dev := filepath.Join(root, "overlays", "dev")
	copyFilesOf(t, devDir, dev)
	return dev
}

// appendPatches does what ArgoCD does with spec.source.kustomize.patches (Argo CD v3.5
// util/kustomize/kustomize.go): it appends them to the kustomization's own `patches:` and writes
// the file back; there is no `kustomize edit` command for patches.
func appendPatches(t *testing.T, dir string, patches []overlay.KustomizePatch) {
	t.Helper()
	path := filepath.Join(dir, "kustomization.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var k map[string]any
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	var typed []any
	text, err := json.Marshal(patches)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(text, &typed); err != nil {
		t.Fatal(err)
	}
	existing, _ := k["patches"].([]any)
	k["patches"] = append(existing, typed...)
	out, err := yaml.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func argoOptions(t *testing.T) overlay.KustomizeSource {
	t.Helper()
	opts, err := overlay.ApplicationKustomize(argoOutputs, "mission-link")
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// TestArgoCDPatchesTheRoleIntoTheOverlay: the Application's patch gives the ServiceAccount the
// stack's role, over the committed overlay's placeholder.
func TestArgoCDPatchesTheRoleIntoTheOverlay(t *testing.T) {
	dev := argoCopy(t)
	appendPatches(t, dev, argoOptions(t).Patches)
	m := mustDecode(t, mustBuild(t, dev))
	if got := m.serviceAccount.Annotations[irsaAnnotation]; got != argoOutputs.AppRoleARN {
		t.Errorf("ServiceAccount role ARN %q, want the stack's %q", got, argoOutputs.AppRoleARN)
	}
	for _, c := range checks {
		if err := c.run(m); err != nil {
			t.Errorf("check %s on the patched overlay:\n%v", c.name, err)
		}
	}
}

// TestArgoCDOverridesOnTheOverlay runs what ArgoCD runs with the Application's kustomize options:
// `kustomize edit set image` with its images, then its patches, then the build. The pods must run
// the stack's repository with the tag CI committed to the overlay, as the stack's role.
func TestArgoCDOverridesOnTheOverlay(t *testing.T) {
	bin, _ := kustomizeCLI(t)
	committed, err := readKustomization(devDir)
	if err != nil {
		t.Fatal(err)
	}
	opts := argoOptions(t)
	dev := argoCopy(t)
	cmd := exec.Command(bin, append([]string{"edit", "set", "image"}, opts.Images...)...)
	cmd.Dir = dev
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	appendPatches(t, dev, opts.Patches)
	m := mustDecode(t, mustBuild(t, dev))
	want := argoOutputs.RepositoryURL + ":" + committed.Images[0].NewTag
	for _, c := range containers(m) {
		if c.Image != want {
			t.Errorf("container %s runs %q, want %q (the stack's repository, CI's tag)", c.Name, c.Image, want)
		}
	}
	if got := m.serviceAccount.Annotations[irsaAnnotation]; got != argoOutputs.AppRoleARN {
		t.Errorf("ServiceAccount role ARN %q, want %q", got, argoOutputs.AppRoleARN)
	}
	for _, c := range checks {
		if err := c.run(m); err != nil {
			t.Errorf("check %s on the overlay as ArgoCD renders it:\n%v", c.name, err)
		}
	}
}
