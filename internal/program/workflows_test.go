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

	"github.com/mission-link/infra/internal/gomod"
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
	Env  map[string]string `json:"env"`
	Jobs map[string]struct {
		Steps []struct {
			Uses string            `json:"uses"`
			Run  string            `json:"run"`
			With map[string]any    `json:"with"`
			Env  map[string]string `json:"env"`
		} `json:"steps"`
	} `json:"jobs"`
}

// workflows reads every workflow file, keyed by its file name.
func workflows(t *testing.T) map[string]workflow {
	t.Helper()
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("workflow files: %v %v", files, err)
	}
	out := map[string]workflow{}
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(text, &w); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[filepath.Base(file)] = w
	}
	return out
}

func TestWorkflowPulumiFlags(t *testing.T) {
	seen := map[string]bool{}
	for name, w := range workflows(t) {
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

// TestStacksCIRunsSetNoProfile: a stack file a workflow previews does not set aws:profile. A
// GitHub-hosted runner has no shared config profile, and the AWS provider fails on a profile it
// cannot load, so one `pulumi config set aws:profile` committed from a laptop would fail every pull
// request's preview and the nightly drift check. Laptops export AWS_PROFILE instead; the stack
// stores nothing of it (TestProvidersDoNotDependOnTheDeployersEnvironment).
func TestStacksCIRunsSetNoProfile(t *testing.T) {
	stacks := map[string]bool{}
	for _, w := range workflows(t) {
		for _, j := range w.Jobs {
			for _, step := range j.Steps {
				if name := stringOf(step.With["stack-name"]); strings.HasPrefix(step.Uses, "pulumi/actions@") && name != "" {
					stacks[name] = true
				}
			}
		}
	}
	if !stacks["dev"] {
		t.Fatalf("no workflow previews dev: %v", stacks)
	}
	for stack := range stacks {
		if profile, set := loadStack(t, stack).Values["aws:profile"]; set {
			t.Errorf("Pulumi.%s.yaml sets aws:profile (%s), which no runner has: CI's preview of %s would fail; unset it (`pulumi config rm aws:profile`) and export AWS_PROFILE on your laptop", stack, profile, stack)
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

// TestWorkflowsPinThePulumiCLIOfGoMod: every workflow that runs the Pulumi CLI installs the
// version of the Pulumi SDK in go.mod (the engine and the SDK the program is built with move
// together; dependabot bumps go.mod, this test makes the bump touch the workflows too).
func TestWorkflowsPinThePulumiCLIOfGoMod(t *testing.T) {
	sdk, err := gomod.Required(".", "github.com/pulumi/pulumi/sdk/v3")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimPrefix(sdk, "v")
	runsPulumi := 0
	for file, w := range workflows(t) {
		for name, job := range w.Jobs {
			for _, step := range job.Steps {
				if !strings.HasPrefix(step.Uses, "pulumi/actions@") {
					continue
				}
				runsPulumi++
				got, _ := step.With["pulumi-version"].(string)
				if got == "${{ env.PULUMI_VERSION }}" {
					got = w.Env["PULUMI_VERSION"]
				}
				if got != want {
					t.Errorf("%s, job %s: installs Pulumi CLI %q, want go.mod's SDK version %q", file, name, got, want)
				}
			}
		}
	}
	if runsPulumi == 0 {
		t.Error("no workflow runs pulumi/actions")
	}
}

// TestDependabotGroupsModulesReleasedTogether: the modules that are released as one (the Pulumi
// SDK and providers, the AWS SDK for Go's modules, the Kubernetes libraries) each come in one
// dependabot pull request, so that no update leaves go.mod with a mix that does not build.
// A pattern ending in * matches by prefix, as dependabot's wildcard does.
func TestDependabotGroupsModulesReleasedTogether(t *testing.T) {
	text, err := os.ReadFile("../../.github/dependabot.yml")
	if err != nil {
		t.Fatal(err)
	}
	var config struct {
		Updates []struct {
			Ecosystem string `json:"package-ecosystem"`
			Groups    map[string]struct {
				Patterns []string `json:"patterns"`
			} `json:"groups"`
		} `json:"updates"`
	}
	if err := yaml.Unmarshal(text, &config); err != nil {
		t.Fatal(err)
	}
	groupOf := func(module string) []string {
		var in []string
		for _, u := range config.Updates {
			if u.Ecosystem != "gomod" {
				continue
			}
			for name, g := range u.Groups {
				if slices.ContainsFunc(g.Patterns, func(p string) bool {
					prefix, wild := strings.CutSuffix(p, "*")
					return module == p || wild && strings.HasPrefix(module, prefix)
				}) {
					in = append(in, name)
				}
			}
		}
		return in
	}
	families := map[string][]string{
		"the Pulumi SDK and providers": {"github.com/pulumi/pulumi/sdk/v3", "github.com/pulumi/pulumi-aws/sdk/v6", "github.com/pulumi/pulumi-eks/sdk/v2", "github.com/pulumi/pulumi-kubernetes/sdk/v4", "github.com/pulumi/pulumi-random/sdk/v4"},
		"the AWS SDK for Go":           {"github.com/aws/aws-sdk-go-v2", "github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/service/ec2", "github.com/aws/aws-sdk-go-v2/service/sts", "github.com/aws/smithy-go"},
		"the Kubernetes libraries":     {"k8s.io/api", "k8s.io/apimachinery", "k8s.io/client-go"},
	}
	for family, modules := range families {
		var group []string
		for _, m := range modules {
			if _, err := gomod.Required(".", m); err != nil {
				t.Errorf("%s: %v", family, err)
			}
			in := groupOf(m)
			if len(in) != 1 {
				t.Errorf("%s: %s is in dependabot groups %v, want exactly one", family, m, in)
				continue
			}
			if group == nil {
				group = in
			} else if in[0] != group[0] {
				t.Errorf("%s: %s is in group %s, %s in %s", family, m, in[0], modules[0], group[0])
			}
		}
	}
}

// languageHostBuildFlags are the flags of Pulumi's Go language host's `go build` of the program
// that decide which compiled packages it can reuse (pulumi/pulumi
// sdk/go/pulumi-language-go/main.go, compileProgram: `go build -buildvcs=false -o <out> -trimpath
// -ldflags "-w -s"`; -buildvcs and -ldflags act at link time only).
var languageHostBuildFlags = []string{"-trimpath"}

// TestWorkflowsShareTheLanguageHostsBuildCache: every workflow that sets up Go builds with the
// language host's flags and restores one cache key, so that the packages the Checks job compiles
// and saves are the ones `pulumi preview` in the preview and drift jobs links, instead of being
// compiled again there; and the Checks job runs .ci/run, every check there is.
func TestWorkflowsShareTheLanguageHostsBuildCache(t *testing.T) {
	keys := map[string]string{}
	runsCIScript := false
	for name, w := range workflows(t) {
		for job, j := range w.Jobs {
			for _, step := range j.Steps {
				if name == "checks.yml" && strings.TrimSpace(step.Run) == "bash .ci/run" {
					runsCIScript = true
				}
				if !strings.HasPrefix(step.Uses, "actions/setup-go@") {
					continue
				}
				goflags := strings.Fields(w.Env["GOFLAGS"])
				for _, flag := range languageHostBuildFlags {
					if !slices.Contains(goflags, flag) {
						t.Errorf("%s, job %s: sets up Go without GOFLAGS %s at workflow level (GOFLAGS %q): its builds would share no package with the language host's", name, job, flag, w.Env["GOFLAGS"])
					}
				}
				if step.With["cache"] != true {
					t.Errorf("%s, job %s: setup-go's cache is off", name, job)
				}
				key, _ := step.With["cache-dependency-path"].(string)
				keys[name] = strings.TrimSpace(key)
			}
		}
	}
	if !runsCIScript {
		t.Error("checks.yml has no step `run: bash .ci/run`: the required check would run less than CI here")
	}
	checks, ok := keys["checks.yml"]
	if !ok || !strings.Contains(checks, ".github/workflows/*.yml") {
		t.Fatalf("checks.yml's setup-go cache key %q must cover the workflows, where GOFLAGS is set", checks)
	}
	for name, key := range keys {
		if key != checks {
			t.Errorf("%s restores cache key %q, checks.yml saves %q: it would not find the packages checks.yml compiled", name, key, checks)
		}
	}
}

// TestDocumentedUpRefreshes: every `pulumi up` command the README or docs/ show to run carries
// --refresh. With the autoscaler on, the node group ignores desiredSize, so an `up` without a
// refresh sends the desired size in state when minSize or maxSize changes, and can shrink a group
// the autoscaler grew (docs/deploy.md, "Why every `pulumi up` carries `--refresh`").
func TestDocumentedUpRefreshes(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	command := regexp.MustCompile(`(?m)^\s*pulumi up\b.*$`)
	shown := 0
	for _, file := range append(files, "../../README.md") {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range command.FindAllString(string(text), -1) {
			shown++
			if !strings.Contains(line, "--refresh") {
				t.Errorf("%s: %q runs up without --refresh", filepath.Base(file), strings.TrimSpace(line))
			}
		}
	}
	if shown == 0 {
		t.Error("no `pulumi up` command found in README.md or docs/")
	}
}
