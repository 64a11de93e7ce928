package e2e_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mission-link/infra/internal/e2e"
	"github.com/mission-link/infra/internal/gomod"
)

const workflowsDir = "../../.github/workflows"

type workflowStep struct {
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

type workflowFile struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency struct {
		CancelInProgress any `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		If             string            `yaml:"if"`
		TimeoutMinutes int               `yaml:"timeout-minutes"`
		Permissions    map[string]string `yaml:"permissions"`
		Env            map[string]string `yaml:"env"`
		Steps          []workflowStep    `yaml:"steps"`
	} `yaml:"jobs"`
}

func readWorkflow(t *testing.T, name string) workflowFile {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(workflowsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflowFile
	if err := yaml.Unmarshal(text, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

// TestE2EWorkflow asserts what a reviewer of .github/workflows/e2e.yml checks: it runs only when
// asked (by hand or on its schedule, on main), with an OIDC token and no stored keys, the tools
// at the versions the other workflows and go.mod pin, credentials and a -timeout that outlast
// the run, and a last step that destroys what a cancelled run left.
func TestE2EWorkflow(t *testing.T) {
	w := readWorkflow(t, "e2e.yml")
	// yaml.v3 reads `on` as a key (YAML 1.2), not as the boolean YAML 1.1 makes of it.
	if _, ok := w.On["workflow_dispatch"]; !ok {
		t.Errorf("on: %v, want workflow_dispatch", w.On)
	}
	for trigger := range w.On {
		if trigger != "workflow_dispatch" && trigger != "schedule" {
			t.Errorf("on: %s; the run costs money and deploys as an admin: only by hand or on its schedule", trigger)
		}
	}
	if len(w.Permissions) != 0 || w.Concurrency.CancelInProgress != false {
		t.Errorf("permissions %v, cancel-in-progress %v: want no default permissions and a run that is never cancelled by the next", w.Permissions, w.Concurrency.CancelInProgress)
	}
	sdk, err := gomod.Required(".", "github.com/pulumi/pulumi/sdk/v3")
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Env["PULUMI_VERSION"]; got != strings.TrimPrefix(sdk, "v") {
		t.Errorf("PULUMI_VERSION %q, want go.mod's SDK version %s", got, sdk)
	}
	for _, other := range []string{"preview.yml", "drift.yml"} {
		if got, want := w.Env["KUBECTL_VERSION"], readWorkflow(t, other).Env["KUBECTL_VERSION"]; got != want {
			t.Errorf("KUBECTL_VERSION %q, %s pins %q", got, other, want)
		}
	}
	if len(w.Jobs) != 1 {
		t.Fatalf("jobs %v, want one", len(w.Jobs))
	}
	for name, job := range w.Jobs {
		if job.If != "github.ref == 'refs/heads/main'" {
			t.Errorf("job %s runs if %q; the sandbox role trusts main only", name, job.If)
		}
		want := map[string]string{"id-token": "write", "contents": "read"}
		if len(job.Permissions) != len(want) || job.Permissions["id-token"] != "write" || job.Permissions["contents"] != "read" {
			t.Errorf("job %s permissions %v, want %v", name, job.Permissions, want)
		}
		checkE2EEnv(t, job.Env)
		checkE2ESteps(t, job.Steps, time.Duration(job.TimeoutMinutes)*time.Minute)
	}
}

func checkE2EEnv(t *testing.T, env map[string]string) {
	t.Helper()
	if env[e2e.EnvEnable] != "1" {
		t.Errorf("%s = %q, want 1", e2e.EnvEnable, env[e2e.EnvEnable])
	}
	for _, key := range []string{e2e.EnvAccountID, e2e.EnvEmail, e2e.EnvOIDCProviderARN, e2e.EnvStack} {
		if env[key] == "" {
			t.Errorf("the job does not set %s", key)
		}
	}
	stack := strings.NewReplacer("${{ github.run_id }}", "19000000001", "${{ github.run_attempt }}", "2").Replace(env[e2e.EnvStack])
	if err := e2e.CheckStackName(stack); err != nil {
		t.Errorf("%s %q: %v", e2e.EnvStack, env[e2e.EnvStack], err)
	}
}

var (
	pinned   = regexp.MustCompile(`^([^@]+)@([0-9a-f]{40})$`)
	testFlag = regexp.MustCompile(`-timeout (\S+)`)
)

func checkE2ESteps(t *testing.T, steps []workflowStep, jobTimeout time.Duration) {
	t.Helper()
	pins := otherWorkflowsPins(t)
	testStep, cleanupStep := -1, -1
	for i, s := range steps {
		if s.Uses != "" {
			m := pinned.FindStringSubmatch(s.Uses)
			switch {
			case m == nil:
				t.Errorf("step %d uses %q, not pinned to a full commit SHA", i, s.Uses)
			case m[1] == "pulumi/actions":
				t.Errorf("step %d runs pulumi/actions: internal/program/workflows_test.go allows it only with the preview and drift flags", i)
			case pins[m[1]] != m[2]:
				t.Errorf("step %d pins %s at %s, the other workflows at %q", i, m[1], m[2], pins[m[1]])
			}
		}
		if strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
			seconds, err := strconv.Atoi(stringOf(s.With["role-duration-seconds"]))
			if err != nil || time.Duration(seconds)*time.Second < jobTimeout {
				t.Errorf("role-duration-seconds %v is shorter than the job's %s: credentials that expire mid-run leave the stack up", s.With["role-duration-seconds"], jobTimeout)
			}
		}
		if strings.Contains(s.Run, "go test -tags e2e") {
			testStep = i
			checkTestCommand(t, s.Run, jobTimeout)
		}
		if strings.Contains(s.Run, "pulumi destroy") && strings.Contains(s.If, "always()") {
			cleanupStep = i
		}
	}
	if testStep < 0 || cleanupStep < testStep {
		t.Errorf("test step %d, cleanup step %d: want `go test -tags e2e`, then a step that runs always() and destroys what is left", testStep, cleanupStep)
	}
}

func checkTestCommand(t *testing.T, run string, jobTimeout time.Duration) {
	t.Helper()
	for _, want := range []string{"-run '^TestLifecycle$'", "-count=1", " -v ", "./internal/e2e/"} {
		if !strings.Contains(run, want) {
			t.Errorf("the test command %q lacks %q", run, want)
		}
	}
	m := testFlag.FindStringSubmatch(run)
	if m == nil {
		t.Fatalf("the test command %q sets no -timeout: go test's 10 minutes would kill the run without its cleanup", run)
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatalf("the test command's -timeout: %v", err)
	}
	if d < e2e.LifecycleBudget+e2e.CleanupBudget || d >= jobTimeout {
		t.Errorf("-timeout %s: want at least the run's %s, and less than the job's %s so that the cleanup step still runs",
			m[1], e2e.LifecycleBudget+e2e.CleanupBudget, jobTimeout)
	}
}

// otherWorkflowsPins are the commits the other workflows pin each action to.
func otherWorkflowsPins(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(workflowsDir, "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	pins := map[string]string{}
	for _, file := range files {
		if filepath.Base(file) == "e2e.yml" {
			continue
		}
		for _, job := range readWorkflow(t, filepath.Base(file)).Jobs {
			for _, s := range job.Steps {
				if m := pinned.FindStringSubmatch(s.Uses); m != nil {
					pins[m[1]] = m[2]
				}
			}
		}
	}
	return pins
}

func stringOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	}
	return ""
}

// TestE2EDocs: docs/e2e.md names every setting the test reads and the exact token subject the
// sandbox role must trust.
func TestE2EDocs(t *testing.T) {
	text, err := os.ReadFile("../../docs/e2e.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(text)
	wants := []string{
		e2e.EnvEnable, e2e.EnvAccountID, e2e.EnvEmail, e2e.EnvPublicCIDR, e2e.EnvOIDCProviderARN, e2e.EnvStack, e2e.EnvDir, e2e.EnvPassphrase,
		`"token.actions.githubusercontent.com:sub": "repo:mission-link/mission-link-infra:ref:refs/heads/main"`,
		`"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"`,
		"--max-session-duration 14400",
		"go test -tags e2e -run '^TestLifecycle$' -count=1 -v -timeout 3h ./internal/e2e/",
		"go vet -tags e2e ./internal/e2e/...",
	}
	for _, step := range []string{e2e.StepUp, e2e.StepVerify, e2e.StepPreview, e2e.StepRefresh, e2e.StepDestroy, e2e.StepUpAgain, e2e.StepVerifyAgain} {
		wants = append(wants, "`"+step+"`")
	}
	for _, want := range wants {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/e2e.md lacks %q", want)
		}
	}
}
