//go:build e2e

package e2e_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mission-link/infra/internal/e2e"
	"github.com/mission-link/infra/internal/e2e/autostack"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/plan"
	"github.com/mission-link/infra/internal/stackconfig"
	"github.com/mission-link/infra/internal/verify"
)

// programDir is the repository, seen from this package's directory (go test runs it there).
const programDir = "../.."

// TestLifecycle deploys the dev stack's config as a throwaway stack into the sandbox account,
// proves it works (cmd/verify), that a preview and a refresh find nothing to change, that it
// destroys and comes back under the same name, and destroys and removes it whatever happens.
// docs/e2e.md says how to run it, what it needs and what it costs.
func TestLifecycle(t *testing.T) {
	if !e2e.Enabled(os.Getenv) {
		t.Skip(e2e.SkipMessage)
	}
	settings, err := e2e.SettingsFromEnv(os.Getenv)
	if err != nil {
		t.Fatalf("the e2e settings (docs/e2e.md):\n%v", err)
	}
	deadline, hasDeadline := t.Deadline()
	lifecycleDeadline, cleanupDeadline, err := e2e.Deadlines(deadline, hasDeadline, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	requireTools(t)
	ctx := context.Background()
	out := os.Stdout

	opts, region := prepare(ctx, t, settings, out)
	dir, temporary := workDir(t, settings)
	passphrase := stackPassphrase(t, settings, dir, out)
	backend, err := autostack.New(ctx, programDir, dir, passphrase, out)
	if err != nil {
		t.Fatal(err)
	}
	awsConfig, err := verify.LoadAWSConfig(ctx, region, "")
	if err != nil {
		t.Fatal(err)
	}
	env := e2e.Env{Backend: backend, CallerAccount: callerAccount(awsConfig), Verify: verifyStack(backend.WorkDir(), out), Out: out}

	run, err := e2e.Start(ctx, opts, env)
	if err != nil {
		t.Fatal(err)
	}
	// Both registered before the first up. t.Cleanup runs the last registered first: the
	// signal handler, registered before the cleanup, stays in place until the cleanup is over.
	t.Cleanup(run.NotifySignals())
	cleanupCtx, cancelCleanup := context.WithDeadline(context.WithoutCancel(ctx), cleanupDeadline)
	t.Cleanup(func() {
		defer cancelCleanup()
		if err := run.Cleanup(cleanupCtx); err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		if temporary {
			if err := os.RemoveAll(dir); err != nil {
				t.Errorf("removing %s: %v", dir, err)
			}
		}
	})

	lifecycleCtx, cancel := context.WithDeadline(ctx, lifecycleDeadline)
	defer cancel()
	if err := run.Lifecycle(lifecycleCtx); err != nil {
		t.Fatal(err)
	}
}

// requireTools fails early on what pulumi-eks and the Automation API need on PATH.
func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pulumi", "aws", "kubectl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: the Automation API runs the Pulumi CLI, and pulumi-eks needs the AWS CLI (2.7 or newer) and kubectl (docs/e2e.md)", tool)
		}
	}
}

// prepare builds the stack's config from Pulumi.dev.yaml and the sandbox, and runs the offline
// plan over it: a config that `pulumi up` would refuse fails here, before anything is created,
// and the plan's monthly total prices the run.
func prepare(ctx context.Context, t *testing.T, settings e2e.Settings, out io.Writer) (e2e.Options, string) {
	t.Helper()
	project, err := autostack.ProjectSettings(programDir)
	if err != nil {
		t.Fatal(err)
	}
	devFile, err := os.ReadFile(filepath.Join(programDir, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sandbox := e2e.Sandbox{AccountID: settings.AccountID, Email: settings.Email, OIDCProviderARN: settings.OIDCProviderARN}
	if sandbox.PublicCIDR, err = publicCIDR(ctx, settings); err != nil {
		t.Fatal(err)
	}
	stackFile, err := e2e.SandboxStackFile(project.Name.String(), devFile, sandbox)
	if err != nil {
		t.Fatal(err)
	}
	name := settings.StackName
	if name == "" {
		if name, err = e2e.NewStackName(time.Now(), rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	cfg, estimate := offlinePlan(t, name, stackFile)
	fmt.Fprintf(out, "stack %s: the dev stack's config, API open to %s only; the offline plan estimates $%.2f a month ($%.4f an hour)\n",
		name, sandbox.PublicCIDR, estimate.MonthlyUSD, estimate.HourlyUSD())
	return e2e.Options{Project: project.Name.String(), AccountID: settings.AccountID, StackName: name, StackFile: stackFile, Estimate: estimate}, cfg.Region()
}

func publicCIDR(ctx context.Context, settings e2e.Settings) (netip.Prefix, error) {
	if settings.PublicCIDR != "" {
		return netip.ParsePrefix(settings.PublicCIDR)
	}
	return e2e.LookupPublicAddress(ctx, &http.Client{Timeout: 30 * time.Second}, e2e.CheckIPURL)
}

// offlinePlan runs cmd/plan's model over the stack file, refuses what a real `pulumi up` would
// refuse (a deploy guard's finding, an unaccepted HIGH finding), and returns the plan's monthly
// estimate.
func offlinePlan(t *testing.T, name string, stackFile []byte) (harness.StackConfig, e2e.Estimate) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "Pulumi."+name+".yaml")
	if err := os.WriteFile(file, stackFile, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := harness.LoadStackFile(filepath.Join(programDir, "Pulumi.yaml"), file, name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(cfg, plan.Options{AsOf: time.Now().UTC().Format(time.DateOnly), Usage: plan.DefaultUsage(), AppMaxPods: plan.DefaultAppMaxPods})
	if err != nil {
		t.Fatalf("the offline plan of the e2e stack: %v", err)
	}
	var guards []string
	for _, g := range stackconfig.DeployGuards() {
		guards = append(guards, g.Rule)
	}
	for _, f := range p.Findings {
		if slices.Contains(guards, f.ID) || (f.Severity == plan.High && !f.Accepted) {
			t.Errorf("the e2e stack's config has finding %s on %s: %s", f.ID, f.ResourceName, f.Message)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return cfg, e2e.Estimate{MonthlyUSD: p.Cost.TotalUSD, HoursPerMonth: p.Cost.HoursPerMonth}
}

// workDir is where the state and the workspace live: not t.TempDir, which the test would delete
// with a state that still knows what a failed cleanup left.
func workDir(t *testing.T, settings e2e.Settings) (dir string, temporary bool) {
	t.Helper()
	if settings.Dir != "" {
		if err := os.MkdirAll(settings.Dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return settings.Dir, false
	}
	dir, err := os.MkdirTemp("", "mission-link-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	return dir, true
}

// stackPassphrase is PULUMI_CONFIG_PASSPHRASE, or a random one written beside the state, so that
// a kept state can still be destroyed.
func stackPassphrase(t *testing.T, settings e2e.Settings, dir string, out io.Writer) string {
	t.Helper()
	if settings.Passphrase != "" {
		return settings.Passphrase
	}
	passphrase, err := e2e.NewPassphrase(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "passphrase")
	if err := os.WriteFile(file, []byte(passphrase), 0o600); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(out, "the stack's secrets passphrase is in %s\n", file)
	return passphrase
}

// callerAccount asks STS whose credentials Pulumi and verify will run with.
func callerAccount(cfg aws.Config) func(context.Context) (string, string, error) {
	client := sts.NewFromConfig(cfg)
	return func(ctx context.Context) (string, string, error) {
		id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", "", err
		}
		return aws.ToString(id.Account), aws.ToString(id.Arn), nil
	}
}

// verifyStack runs cmd/verify in process, reading the outputs from the throwaway stack through
// the Automation API, and writes each report as JSON beside the stack file.
func verifyStack(workDir string, out io.Writer) func(context.Context, e2e.Stack) error {
	runs := 0
	return func(ctx context.Context, s e2e.Stack) error {
		runs++
		env := verify.DefaultEnv()
		env.Stdout, env.Stderr = out, out
		env.ReadStackOutputs = func(ctx context.Context, stack, _ string) (map[string]any, error) {
			if stack != s.Name() {
				return nil, fmt.Errorf("verify asked for stack %s, the run's is %s", stack, s.Name())
			}
			return s.Outputs(ctx)
		}
		report := filepath.Join(workDir, fmt.Sprintf("verify-%s-%d.json", s.Name(), runs))
		switch code := verify.Run(ctx, []string{"--stack", s.Name(), "--dir", workDir, "--json", report}, env); code {
		case verify.ExitOK:
			return nil
		case verify.ExitFailed:
			return fmt.Errorf("a check failed (the FAIL lines above; the report is in %s)", report)
		default:
			return fmt.Errorf("verify could not run (exit %d; see above)", code)
		}
	}
}
