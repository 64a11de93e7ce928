package program_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The pulumi/actions inputs each workflow must pass, so that a later edit cannot drop a flag
// silently: the drift check refreshes, fails on any change, and leaves the in-cluster resources
// out (GitHub-hosted runners cannot reach the API, and a refresh of an unreachable cluster's
// resources fails); the pull request preview neither refreshes nor expects no changes.
var pulumiSteps = map[string]struct {
	want, absent map[string]string
}{
	"drift.yml": {
		want:   map[string]string{"command": "preview", "stack-name": "dev", "refresh": "true", "expect-no-changes": "true", "exclude": inClusterExclude},
		absent: map[string]string{"target": "", "target-dependents": "", "exclude-dependents": ""},
	},
	"preview.yml": {
		want:   map[string]string{"command": "preview", "stack-name": "dev", "comment-on-pr": "true"},
		absent: map[string]string{"refresh": "", "expect-no-changes": "", "target": "", "exclude": ""},
	},
}

// inClusterExclude is the URN glob the drift check excludes: every resource of a kubernetes:
// type under a component.
const inClusterExclude = "**$kubernetes:**"

type workflow struct {
	Jobs map[string]struct {
		Steps []struct {
			Uses string            `json:"uses"`
			With map[string]any    `json:"with"`
			Env  map[string]string `json:"env"`
		} `json:"steps"`
	} `json:"jobs"`
}

func TestWorkflowPulumiFlags(t *testing.T) {
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("workflow files: %v %v", files, err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(text, &w); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		name := filepath.Base(file)
		for job, j := range w.Jobs {
			for _, step := range j.Steps {
				if !strings.HasPrefix(step.Uses, "pulumi/actions@") {
					continue
				}
				expect, ok := pulumiSteps[name]
				if !ok {
					t.Errorf("%s job %s runs pulumi/actions, but this test does not know its flags", name, job)
					continue
				}
				seen[name] = true
				for key, want := range expect.want {
					if got := strings.TrimSpace(stringOf(step.With[key])); got != want {
						t.Errorf("%s job %s: %s = %q, want %q", name, job, key, got, want)
					}
				}
				for key := range expect.absent {
					if _, set := step.With[key]; set {
						t.Errorf("%s job %s sets %s", name, job, key)
					}
				}
			}
		}
	}
	for name := range pulumiSteps {
		if !seen[name] {
			t.Errorf("%s has no pulumi/actions step", name)
		}
	}
}

func stringOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// urnGlob compiles a --target/--exclude pattern the way Pulumi CLI 3.274.1 does
// (pkg/resource/deploy/deployment.go, UrnTargets.getMatcher): `**` matches anything, `*` anything
// but a colon, and everything else literally; a pattern without `*` is a literal URN.
func urnGlob(glob string) *regexp.Regexp {
	segments := strings.Split(glob, "**")
	for i, segment := range segments {
		parts := strings.Split(segment, "*")
		for j, p := range parts {
			parts[j] = regexp.QuoteMeta(p)
		}
		segments[i] = strings.Join(parts, "[^:]*")
	}
	return regexp.MustCompile("^" + strings.Join(segments, ".*") + "$")
}

// TestDriftExcludeCoversExactlyTheClusterResources: the drift check's glob matches every
// Kubernetes resource of the dev stack (what CI cannot read) and nothing else, so every AWS
// resource, the EKS cluster included, is still refreshed and compared.
func TestDriftExcludeCoversExactlyTheClusterResources(t *testing.T) {
	match := urnGlob(inClusterExclude)
	r := runStack(t, "dev")
	var excluded []string
	for _, res := range r.Resources {
		inCluster := strings.HasPrefix(res.Type, "kubernetes:")
		if match.MatchString(res.URN) != inCluster {
			t.Errorf("exclude %q matches %s: %v, want %v", inClusterExclude, res.URN, !inCluster, inCluster)
		}
		if inCluster {
			excluded = append(excluded, res.Type)
		}
	}
	slices.Sort(excluded)
	// ArgoCD and the Cluster Autoscaler are both Helm releases.
	want := []string{"kubernetes:argoproj.io/v1alpha1:Application", "kubernetes:core/v1:Namespace", "kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Release", "kubernetes:storage.k8s.io/v1:StorageClass"}
	if !slices.Equal(excluded, want) {
		t.Errorf("excluded %v, want %v", excluded, want)
	}
}
