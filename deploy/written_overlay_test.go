package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mission-link/infra/gitops/overlay"
)

// TestOverlayWithStackOutputs runs the dev overlay's checks on a copy into which cmd/overlay's
// writer put a stack's outputs: what ArgoCD syncs after `go run ./cmd/overlay` must still pass
// everything TestDevOverlay checks, with the written repository, CI's tag and the written role.
func TestOverlayWithStackOutputs(t *testing.T) {
	root := t.TempDir()
	copyFilesOf(t, baseDir, filepath.Join(root, "base"))
	dev := filepath.Join(root, "overlays", "dev")
	copyFilesOf(t, devDir, dev)
	out := overlay.Outputs{
		RepositoryURL: "210987654321.dkr.ecr.us-west-2.amazonaws.com/mission-link-staging",
		AppRoleARN:    "arn:aws:iam::210987654321:role/mission-link-staging-app",
	}
	if _, err := overlay.Write(dev, out); err != nil {
		t.Fatal(err)
	}
	committed, err := readKustomization(devDir)
	if err != nil {
		t.Fatal(err)
	}
	m := mustDecode(t, mustBuild(t, dev))
	for _, c := range checks {
		if err := c.run(m); err != nil {
			t.Errorf("check %s on the written overlay:\n%v", c.name, err)
		}
	}
	want := out.RepositoryURL + ":" + committed.Images[0].NewTag
	for _, c := range containers(m) {
		if c.Image != want {
			t.Errorf("container %s runs %q, want %q (written repository, CI's tag)", c.Name, c.Image, want)
		}
	}
	if got := m.serviceAccount.Annotations[irsaAnnotation]; got != out.AppRoleARN {
		t.Errorf("ServiceAccount role ARN %q, want %q", got, out.AppRoleARN)
	}
}

// copyFilesOf copies the files of src (not its subdirectories) into dst.
func copyFilesOf(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
