package overlay_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mission-link/infra/gitops/overlay"
)

// devOverlay is the committed overlay the writer targets.
const devOverlay = "../../deploy/overlays/dev"

// Values unlike the committed stand-ins, so a test sees the writer's work.
var written = overlay.Outputs{
	RepositoryURL: "210987654321.dkr.ecr.us-west-2.amazonaws.com/mission-link-staging",
	AppRoleARN:    "arn:aws:iam::210987654321:role/mission-link-staging-app",
}

// copyOverlay copies the committed dev overlay into a temp dir and returns it.
func copyOverlay(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(devOverlay)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(devOverlay, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type kustomization struct {
	Images []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	var k kustomization
	if err := yaml.Unmarshal(read(t, filepath.Join(dir, overlay.KustomizationFile)), &k); err != nil {
		t.Fatal(err)
	}
	return k
}

func roleARN(t *testing.T, dir string) string {
	t.Helper()
	var sa struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(read(t, filepath.Join(dir, overlay.ServiceAccountPatchFile)), &sa); err != nil {
		t.Fatal(err)
	}
	return sa.Metadata.Annotations[overlay.RoleAnnotation]
}

func TestWriteSetsRepositoryAndRole(t *testing.T) {
	dir := copyOverlay(t)
	tag := readKustomization(t, devOverlay).Images[0].NewTag
	changed, err := overlay.Write(dir, written)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, overlay.KustomizationFile), filepath.Join(dir, overlay.ServiceAccountPatchFile)}
	if !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	k := readKustomization(t, dir)
	if len(k.Images) != 1 || k.Images[0].Name != overlay.ImageName || k.Images[0].NewName != written.RepositoryURL {
		t.Errorf("images %+v, want newName %s", k.Images, written.RepositoryURL)
	}
	if k.Images[0].NewTag != tag || tag == "" {
		t.Errorf("newTag %q, want CI's %q kept", k.Images[0].NewTag, tag)
	}
	if got := roleARN(t, dir); got != written.AppRoleARN {
		t.Errorf("role ARN %q, want %q", got, written.AppRoleARN)
	}
}

// TestWriteChangesOnlyTheValues: every other line, comments and indentation included, stays as
// it was; the diff is one line per file.
func TestWriteChangesOnlyTheValues(t *testing.T) {
	dir := copyOverlay(t)
	if _, err := overlay.Write(dir, written); err != nil {
		t.Fatal(err)
	}
	for file, key := range map[string]string{
		overlay.KustomizationFile:       "  newName: ",
		overlay.ServiceAccountPatchFile: "    " + overlay.RoleAnnotation + ": ",
	} {
		before := strings.Split(string(read(t, filepath.Join(devOverlay, file))), "\n")
		after := strings.Split(string(read(t, filepath.Join(dir, file))), "\n")
		if len(before) != len(after) {
			t.Fatalf("%s: %d lines, was %d:\n%s", file, len(after), len(before), strings.Join(after, "\n"))
		}
		var diff []string
		for i := range before {
			if before[i] != after[i] {
				diff = append(diff, after[i])
			}
		}
		if len(diff) != 1 || !strings.HasPrefix(diff[0], key) {
			t.Errorf("%s: changed lines %q, want one starting %q", file, diff, key)
		}
		comments := 0
		for _, l := range after {
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				comments++
			}
		}
		if file == overlay.KustomizationFile && comments < 10 {
			t.Errorf("%s: %d comment lines left", file, comments)
		}
	}
}

func TestWriteIsIdempotent(t *testing.T) {
	dir := copyOverlay(t)
	if _, err := overlay.Write(dir, written); err != nil {
		t.Fatal(err)
	}
	first := map[string][]byte{}
	for _, f := range []string{overlay.KustomizationFile, overlay.ServiceAccountPatchFile} {
		first[f] = read(t, filepath.Join(dir, f))
	}
	changed, err := overlay.Write(dir, written)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 0 {
		t.Errorf("second run changed %v", changed)
	}
	for f, b := range first {
		if !bytes.Equal(read(t, filepath.Join(dir, f)), b) {
			t.Errorf("%s differs after the second run", f)
		}
	}
}

// TestCommittedValuesRoundTrip: writing the values the overlay already holds leaves the
// committed files byte for byte, so the YAML round trip itself changes no layout.
func TestCommittedValuesRoundTrip(t *testing.T) {
	dir := copyOverlay(t)
	committed := overlay.Outputs{RepositoryURL: readKustomization(t, devOverlay).Images[0].NewName, AppRoleARN: roleARN(t, devOverlay)}
	changed, err := overlay.Write(dir, committed)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 0 {
		t.Errorf("writing the committed values changed %v", changed)
	}
}

func TestWriteAddsAMissingAnnotation(t *testing.T) {
	dir := copyOverlay(t)
	sa := "apiVersion: v1\nkind: ServiceAccount\n# the app's identity\nmetadata:\n  name: mission-link\n"
	if err := os.WriteFile(filepath.Join(dir, overlay.ServiceAccountPatchFile), []byte(sa), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := overlay.Write(dir, written); err != nil {
		t.Fatal(err)
	}
	if got := roleARN(t, dir); got != written.AppRoleARN {
		t.Errorf("role ARN %q", got)
	}
	if !strings.Contains(string(read(t, filepath.Join(dir, overlay.ServiceAccountPatchFile))), "# the app's identity\n") {
		t.Error("comment lost")
	}
}

func TestWriteRejectsOverlaysItCannotEdit(t *testing.T) {
	kust := func(images string) string {
		return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../base\n" + images
	}
	cases := []struct {
		name, file, text, want string
	}{
		{"no images", overlay.KustomizationFile, kust(""), "has no images: list"},
		{"other image", overlay.KustomizationFile, kust("images:\n- name: nginx\n  newTag: \"1.27\"\n"), "no entry name: mission-link"},
		{"no tag", overlay.KustomizationFile, kust("images:\n- name: mission-link\n  newName: x\n"), "has no newTag"},
		{"twice", overlay.KustomizationFile, kust("images:\n- name: mission-link\n  newTag: a\n- name: mission-link\n  newTag: b\n"), "images[1] names mission-link again"},
		{"not a service account", overlay.ServiceAccountPatchFile, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", `is a "ConfigMap"`},
		{"two documents", overlay.ServiceAccountPatchFile, "kind: ServiceAccount\n---\nkind: ServiceAccount\n", "more than one YAML document"},
		{"not YAML", overlay.KustomizationFile, "images: [\n", "parsing YAML"},
		{"a list", overlay.KustomizationFile, "- a\n", "not a YAML mapping"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyOverlay(t)
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			untouched := map[string][]byte{}
			for _, f := range []string{overlay.KustomizationFile, overlay.ServiceAccountPatchFile} {
				untouched[f] = read(t, filepath.Join(dir, f))
			}
			_, err := overlay.Write(dir, written)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and containing %q", err, path, tc.want)
			}
			for f, b := range untouched {
				if !bytes.Equal(read(t, filepath.Join(dir, f)), b) {
					t.Errorf("%s was written although the run failed", f)
				}
			}
		})
	}
	if _, err := overlay.Write(t.TempDir(), written); err == nil || !strings.Contains(err.Error(), overlay.KustomizationFile) {
		t.Errorf("empty directory: %v", err)
	}
}

func TestReadOutputs(t *testing.T) {
	// Shaped like `pulumi stack output --json`: other outputs, objects and secrets beside the two.
	text := `{
  "appRoleArn": "arn:aws:iam::123456789012:role/mission-link-dev-app",
  "appServiceAccountAnnotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/mission-link-dev-app"},
  "kubeconfig": "[secret]",
  "repositoryUrl": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev",
  "privateSubnetIds": ["subnet-1", "subnet-2"]
}`
	got, err := overlay.ReadOutputs(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := overlay.Outputs{
		RepositoryURL: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev",
		AppRoleARN:    "arn:aws:iam::123456789012:role/mission-link-dev-app",
	}
	if got != want {
		t.Errorf("outputs %+v, want %+v", got, want)
	}
}

func TestReadOutputsRejects(t *testing.T) {
	const url, arn = `"123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev"`, `"arn:aws:iam::123456789012:role/mission-link-dev-app"`
	cases := []struct {
		name, text string
		want       []string
	}{
		{"empty object", `{}`, []string{"output repositoryUrl is missing", "output appRoleArn is missing"}},
		{"no role", `{"repositoryUrl": ` + url + `}`, []string{"output appRoleArn is missing"}},
		{"number", `{"repositoryUrl": 42, "appRoleArn": ` + arn + `}`, []string{"output repositoryUrl (42) must be a string"}},
		{"tagged image", `{"repositoryUrl": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev:abc", "appRoleArn": ` + arn + `}`,
			[]string{`output repositoryUrl ("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev:abc") is not an ECR repository URL`}},
		{"user ARN", `{"repositoryUrl": ` + url + `, "appRoleArn": "arn:aws:iam::123456789012:user/ci"}`, []string{`output appRoleArn ("arn:aws:iam::123456789012:user/ci") is not an IAM role ARN`}},
		{"secret", `{"repositoryUrl": "[secret]", "appRoleArn": ` + arn + `}`, []string{"output repositoryUrl is hidden as [secret]"}},
		{"not JSON", `repositoryUrl = x`, []string{"pulumi stack output --json"}},
		{"null", `null`, []string{"got null"}},
		{"array", `[]`, []string{"pulumi stack output --json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := overlay.ReadOutputs(strings.NewReader(tc.text))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
