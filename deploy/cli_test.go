package deploy

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/mission-link/infra/internal/gomod"
)

const kustomizeAPIModule = "sigs.k8s.io/kustomize/api"

// kustomizeCLI returns the kustomize binary to compare with: $KUSTOMIZE_BIN (absolute, or relative
// to this package's directory) if set, else `kustomize` on PATH. Without either the test skips.
func kustomizeCLI(t *testing.T) (bin string, fromEnv bool) {
	t.Helper()
	if p := os.Getenv("KUSTOMIZE_BIN"); p != "" {
		if !strings.Contains(p, string(filepath.Separator)) {
			p = "." + string(filepath.Separator) + p
		}
		bin, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("KUSTOMIZE_BIN=%q: %v", os.Getenv("KUSTOMIZE_BIN"), err)
		}
		return bin, true
	}
	bin, err := exec.LookPath("kustomize")
	if err != nil {
		t.Skip("no kustomize CLI: neither KUSTOMIZE_BIN is set nor kustomize on PATH; " +
			"`bash deploy/check-kustomize.sh` installs the pinned CLI and runs this test")
	}
	return bin, false
}

// moduleVersion returns the version of module path among a binary's deps ("" if absent).
func moduleVersion(deps []*debug.Module, path string) string {
	for _, d := range deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Replace.Path + "@" + d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// firstDifference describes where a and b first differ, line by line.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y || i >= len(al) || i >= len(bl) {
			return fmt.Sprintf("line %d: CLI %q, library %q", i+1, x, y)
		}
	}
	return "no difference"
}

// TestKustomizeCLIAgrees runs `kustomize build deploy/overlays/dev` with the CLI and requires its
// output to be byte for byte the in-process build that the other tests check. It also requires the
// CLI to be built on the kustomize/api version this module pins, when the CLI is named by
// KUSTOMIZE_BIN (as deploy/check-kustomize.sh does).
func TestKustomizeCLIAgrees(t *testing.T) {
	bin, fromEnv := kustomizeCLI(t)

	if out, err := exec.Command(bin, "version").CombinedOutput(); err == nil {
		t.Logf("%s version: %s", bin, bytes.TrimSpace(out))
	}
	want, err := gomod.Required(".", kustomizeAPIModule)
	if err != nil {
		t.Fatal(err)
	}
	switch info, err := buildinfo.ReadFile(bin); {
	case err != nil:
		t.Logf("cannot read the Go build info of %s (%v): its kustomize/api version is unknown", bin, err)
		if fromEnv {
			t.Errorf("KUSTOMIZE_BIN=%s is not a Go binary with build info", bin)
		}
	case moduleVersion(info.Deps, kustomizeAPIModule) != want:
		msg := fmt.Sprintf("%s is built on %s %s; this module pins %s",
			bin, kustomizeAPIModule, moduleVersion(info.Deps, kustomizeAPIModule), want)
		if fromEnv {
			t.Error(msg)
		} else {
			t.Log(msg + " (not an error for a kustomize found on PATH; the output must still agree)")
		}
	}

	cmd := exec.Command(bin, "build", filepath.ToSlash(filepath.Join("deploy", devDir)))
	cmd.Dir = ".." // the module root, as in the README
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("%s printed on stderr:\n%s", cmd, stderr.String())
	}
	lib := mustBuild(t, devDir)
	if !bytes.Equal(stdout.Bytes(), lib) {
		t.Errorf("`kustomize build deploy/%s` (%d bytes) differs from the in-process build (%d bytes) at %s",
			devDir, stdout.Len(), len(lib), firstDifference(stdout.Bytes(), lib))
	}
	// The CLI's output passes the same strict decode and checks.
	m := mustDecode(t, stdout.Bytes())
	for _, c := range checks {
		if err := c.run(m); err != nil {
			t.Errorf("CLI output, check %s:\n%v", c.name, err)
		}
	}
}

// TestKustomizeEditSetImage runs CI's command, `kustomize edit set image mission-link=<repo>:<sha>`,
// on a copy of the dev overlay and requires that it changes only the images entry's newName and
// newTag lines, and that the result builds and passes every check with the new image.
func TestKustomizeEditSetImage(t *testing.T) {
	bin, _ := kustomizeCLI(t)
	orig, err := os.ReadFile(filepath.Join(devDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, image := range []string{
		"210987654321.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev:9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
		// An all-digit SHA would read as a number if a writer left it unquoted; kustomize quotes it.
		"210987654321.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev:1234567890123456789012345678901234567890",
	} {
		t.Run(image[strings.LastIndex(image, ":")+1:], func(t *testing.T) {
			root := t.TempDir()
			overlay := filepath.Join(root, "overlays", "dev")
			if err := os.CopyFS(filepath.Join(root, "base"), os.DirFS(baseDir)); err != nil {
				t.Fatal(err)
			}
			if err := os.CopyFS(overlay, os.DirFS(devDir)); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "edit", "set", "image", "mission-link="+image)
			cmd.Dir = overlay
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, out)
			}
			edited, err := os.ReadFile(filepath.Join(overlay, "kustomization.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			ol, el := strings.Split(string(orig), "\n"), strings.Split(string(edited), "\n")
			if len(ol) != len(el) {
				t.Fatalf("kustomize edit changed the file's line count from %d to %d:\n%s", len(ol), len(el), edited)
			}
			for i := range ol {
				if ol[i] != el[i] && !strings.HasPrefix(el[i], "  newName: ") && !strings.HasPrefix(el[i], "  newTag: ") {
					t.Errorf("kustomize edit changed line %d from %q to %q", i+1, ol[i], el[i])
				}
			}

			m := mustDecode(t, mustBuild(t, overlay))
			for _, c := range containers(m) {
				if c.Image != image {
					t.Errorf("container %s runs %q after the edit, want %q", c.Name, c.Image, image)
				}
			}
			for _, c := range checks {
				if err := c.run(m); err != nil {
					t.Errorf("after the edit, check %s:\n%v", c.name, err)
				}
			}
		})
	}
}
