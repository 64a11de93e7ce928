package e2e_test

import (
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mission-link/infra/internal/e2e"
)

// setup is what Start does before anything is deployed: the guards, then the stack and its
// required secret.
var setup = []string{callCaller, callExists, callCreate, callSecret}

// cleanup is what a cleanup does when the destroy succeeds.
var cleanup = []string{callDestroy, callRemain, callRemove}

func concat(parts ...[]string) []string { return slices.Concat(parts...) }

func TestLifecycleRunsEveryStepInOrder(t *testing.T) {
	w := newWorld()
	run := start(t, w)
	ctx := context.Background()
	if err := run.Lifecycle(ctx); err != nil {
		t.Fatalf("Lifecycle: %v\n%s", err, w.out.String())
	}
	if err := run.Cleanup(ctx); err != nil {
		t.Fatalf("Cleanup: %v\n%s", err, w.out.String())
	}

	lifecycle := []string{callUp, callVerify, callPreview, callRefresh, callDestroy, callUp, callVerify}
	if got, want := without(w.recorded(), callOutputs), concat(setup, lifecycle, cleanup); !slices.Equal(got, want) {
		t.Errorf("calls\n got %v\nwant %v", got, want)
	}
	var steps []string
	for _, r := range run.Results() {
		steps = append(steps, r.Name)
		if r.Err != nil {
			t.Errorf("step %s: %v", r.Name, r.Err)
		}
	}
	wantSteps := []string{e2e.StepUp, e2e.StepVerify, e2e.StepPreview, e2e.StepRefresh, e2e.StepDestroy, e2e.StepUpAgain, e2e.StepVerifyAgain, e2e.StepCleanupDestroy, e2e.StepRemove}
	if !slices.Equal(steps, wantSteps) {
		t.Errorf("steps\n got %v\nwant %v", steps, wantSteps)
	}
	if v, ok := w.secrets["mission-link:"+e2e.DatabasePasswordKey]; !ok || v != "" {
		t.Errorf("databasePassword is %q (set: %v), want an empty secret so that the stack generates it", v, ok)
	}
	out := w.out.String()
	for _, line := range []string{
		"==> up (stack " + stackName + ")", "<== up: passed in 10m0s",
		"<== verify: passed in 20m0s", // it reads the outputs, then checks
		"<== " + e2e.StepPreview + ": passed in 10m0s", "<== " + e2e.StepUpAgain + ": passed in 10m0s",
		"== e2e summary: stack " + stackName + " in account " + sandboxID,
		// Twelve calls of ten minutes from the first up to the stack's removal, at $146 a month.
		"estimated cost: $0.40 for 2h0m0s from the first up to the end of the cleanup, at $0.2000 an hour (the offline plan's $146.00 a month / 730 hours)",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	i := strings.Index(out, "== e2e summary")
	if i < 0 {
		t.Fatalf("no summary:\n%s", out)
	}
	if summary := out[i:]; strings.Count(summary, " passed ") != len(wantSteps) {
		t.Errorf("the summary does not list the %d steps as passed:\n%s", len(wantSteps), summary)
	}
}

// TestCleanupFollowsAFailureAtEveryStep: whichever step fails, no later step runs, the error
// names the step, and the cleanup still destroys and removes the stack.
func TestCleanupFollowsAFailureAtEveryStep(t *testing.T) {
	for _, tc := range []struct {
		failing string
		step    string
		ran     []string
	}{
		{callUp, e2e.StepUp, []string{callUp}},
		{callVerify, e2e.StepVerify, []string{callUp, callVerify}},
		{callPreview, e2e.StepPreview, []string{callUp, callVerify, callPreview}},
		{callRefresh, e2e.StepRefresh, []string{callUp, callVerify, callPreview, callRefresh}},
		{callDestroy, e2e.StepDestroy, []string{callUp, callVerify, callPreview, callRefresh, callDestroy}},
		{callUp + "#2", e2e.StepUpAgain, []string{callUp, callVerify, callPreview, callRefresh, callDestroy, callUp}},
		{callVerify + "#2", e2e.StepVerifyAgain, []string{callUp, callVerify, callPreview, callRefresh, callDestroy, callUp, callVerify}},
	} {
		t.Run(tc.step, func(t *testing.T) {
			w := newWorld()
			injected := errors.New("injected failure")
			w.failures[tc.failing] = injected
			run := start(t, w)
			ctx := context.Background()

			err := run.Lifecycle(ctx)
			if !errors.Is(err, injected) || !strings.HasPrefix(err.Error(), tc.step+": ") {
				t.Fatalf("Lifecycle returned %v, want the injected failure of %q", err, tc.step)
			}
			if err := run.Cleanup(ctx); err != nil {
				t.Fatalf("Cleanup: %v\n%s", err, w.out.String())
			}
			if got, want := without(w.recorded(), callOutputs), concat(setup, tc.ran, cleanup); !slices.Equal(got, want) {
				t.Errorf("calls\n got %v\nwant %v", got, want)
			}
			out := w.out.String()
			if !regexp.MustCompile(regexp.QuoteMeta("<== "+tc.step+": FAILED after ") + `\S+: injected failure`).MatchString(out) {
				t.Errorf("output does not report the failed step:\n%s", out)
			}
			if !summaryLine(out, tc.step, "FAILED") || !summaryLine(out, e2e.StepRemove, "passed") {
				t.Errorf("the summary does not show %s FAILED and the stack removed:\n%s", tc.step, out)
			}
		})
	}
}

func summaryLine(out, step, status string) bool {
	i := strings.Index(out, "== e2e summary")
	if i < 0 {
		return false
	}
	for _, line := range strings.Split(out[i:], "\n") {
		if fields := strings.Fields(strings.TrimPrefix(line, "  "+step)); strings.HasPrefix(line, "  "+step+" ") && len(fields) > 0 && fields[0] == status {
			return true
		}
	}
	return false
}

// TestCleanupKeepsAStackThatStillHoldsResources: when every destroy fails, the cleanup lists
// what is left with its IDs and keeps the stack and its state instead of forgetting them.
func TestCleanupKeepsAStackThatStillHoldsResources(t *testing.T) {
	w := newWorld()
	destroyFailed := errors.New("DependencyViolation: subnet has dependencies")
	w.failures[callUp] = errors.New("injected failure")
	w.failures[callDestroy] = destroyFailed
	w.failures[callDestroy+"#2"] = destroyFailed
	run := start(t, w)
	ctx := context.Background()
	if err := run.Lifecycle(ctx); err == nil {
		t.Fatal("Lifecycle passed with a failing up")
	}

	err := run.Cleanup(ctx)
	if !errors.Is(err, destroyFailed) || !strings.Contains(err.Error(), "still holds 2 resources") || !strings.Contains(err.Error(), "file:///tmp/e2e/state") {
		t.Errorf("Cleanup returned %v, want the destroy's error, the count of what is left and where the state is", err)
	}
	if got, want := w.recorded(), concat(setup, []string{callUp, callDestroy, callDestroy, callRemain}); !slices.Equal(got, want) {
		t.Errorf("calls\n got %v\nwant %v (two destroys, no stack rm)", got, want)
	}
	out := w.out.String()
	for _, want := range []string{
		"<== " + e2e.StepCleanupDestroy + " (attempt 2 of 2): FAILED",
		"urn:pulumi:" + stackName + "::mission-link::aws:ec2/vpc:Vpc::mission-link-" + stackName + "  id vpc-0f1e2d3c4b5a69788",
		"aws:eks/cluster:Cluster::mission-link-" + stackName + "  id mission-link-" + stackName,
		"its state is kept in file:///tmp/e2e/state",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCleanupTriesTheDestroyAgain(t *testing.T) {
	w := newWorld()
	w.failures[callDestroy] = errors.New("DependencyViolation")
	run := start(t, w)
	ctx := context.Background()
	if err := run.Cleanup(ctx); err != nil {
		t.Fatalf("Cleanup after a second destroy that passed: %v", err)
	}
	if got, want := w.recorded(), concat(setup, []string{callDestroy, callDestroy, callRemain, callRemove}); !slices.Equal(got, want) {
		t.Errorf("calls\n got %v\nwant %v", got, want)
	}
}

func TestCleanupKeepsAStackWhoseStateCannotBeRead(t *testing.T) {
	w := newWorld()
	w.failures[callRemain] = errors.New("pulumi stack export: decrypting")
	run := start(t, w)
	err := run.Cleanup(context.Background())
	if err == nil || !strings.Contains(err.Error(), "decrypting") {
		t.Errorf("Cleanup returned %v, want the export's error", err)
	}
	if slices.Contains(w.recorded(), callRemove) {
		t.Error("the stack was removed although nobody knows what it still holds")
	}
}

// TestCleanupOutOfTimeStillListsWhatIsLeft: a cleanup whose time ran out (its deadline is a
// minute before go test's) still reads and prints what the state holds.
func TestCleanupOutOfTimeStillListsWhatIsLeft(t *testing.T) {
	w := newWorld()
	w.failures[callUp] = errors.New("injected failure")
	run := start(t, w)
	if err := run.Lifecycle(context.Background()); err == nil {
		t.Fatal("Lifecycle passed with a failing up")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run.Cleanup(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "still holds 2 resources") {
		t.Errorf("Cleanup returned %v, want the destroy's end and what is left", err)
	}
	if got, want := w.recorded(), concat(setup, []string{callUp, callDestroy, callRemain}); !slices.Equal(got, want) {
		t.Errorf("calls\n got %v\nwant %v (one destroy, the list, no stack rm)", got, want)
	}
	if out := w.out.String(); !strings.Contains(out, "id vpc-0f1e2d3c4b5a69788") {
		t.Errorf("output does not list what is left:\n%s", out)
	}
}

func TestCleanupRunsOnce(t *testing.T) {
	w := newWorld()
	run := start(t, w)
	ctx := context.Background()
	for range 3 {
		if err := run.Cleanup(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := without(w.recorded(), setup...); !slices.Equal(got, cleanup) {
		t.Errorf("calls after Start %v, want one cleanup %v", got, cleanup)
	}
}

// TestGuardsRefuseBeforeAnything: a wrong account, a name that exists, bad options and a failed
// identity or listing all stop the run before a stack is created, let alone deployed.
func TestGuardsRefuseBeforeAnything(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setUp func(w *world, o *e2e.Options)
		calls []string
		words []string
	}{
		{"wrong account", func(w *world, _ *e2e.Options) { w.account = "123456789012" },
			[]string{callCaller}, []string{"account 123456789012", e2e.EnvAccountID + " names account " + sandboxID}},
		{"stack name taken", func(w *world, _ *e2e.Options) { w.existing = []string{stackName} },
			[]string{callCaller, callExists}, []string{"already holds a stack named " + stackName, e2e.EnvStack}},
		{"no identity", func(w *world, _ *e2e.Options) { w.failures[callCaller] = errors.New("ExpiredToken") },
			[]string{callCaller}, []string{"sts:GetCallerIdentity", "ExpiredToken"}},
		{"backend unreadable", func(w *world, _ *e2e.Options) { w.failures[callExists] = errors.New("permission denied") },
			[]string{callCaller, callExists}, []string{"listing the stacks", "permission denied"}},
		{"stack init refused", func(w *world, _ *e2e.Options) { w.failures[callCreate] = errors.New("stack already exists") },
			[]string{callCaller, callExists, callCreate}, []string{"creating stack " + stackName, "already exists"}},
		{"bad options", func(_ *world, o *e2e.Options) { o.AccountID, o.StackName = "12345", "dev" },
			nil, []string{`"12345"`, `"dev"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld()
			opts := options()
			tc.setUp(w, &opts)
			run, err := e2e.Start(context.Background(), opts, w.env())
			if err == nil || run != nil {
				t.Fatalf("Start returned %v, %v; want a refusal", run, err)
			}
			for _, word := range tc.words {
				if !strings.Contains(err.Error(), word) {
					t.Errorf("refusal %q lacks %q", err, word)
				}
			}
			if got := w.recorded(); !slices.Equal(got, tc.calls) {
				t.Errorf("calls %v, want %v (nothing created, nothing deployed)", got, tc.calls)
			}
		})
	}
}

// TestStartCleansUpWhenTheSecretCannotBeSet: once the stack exists, a failure still removes it.
func TestStartCleansUpWhenTheSecretCannotBeSet(t *testing.T) {
	w := newWorld()
	injected := errors.New("passphrase must be set")
	w.failures[callSecret] = injected
	run, err := e2e.Start(context.Background(), options(), w.env())
	if run != nil || !errors.Is(err, injected) {
		t.Fatalf("Start returned %v, %v; want the injected failure", run, err)
	}
	if got, want := w.recorded(), concat(setup, cleanup); !slices.Equal(got, want) {
		t.Errorf("calls\n got %v\nwant %v", got, want)
	}
}

// TestUnexpectedChangesAreReportedWithTheDiff: a preview or refresh that finds changes fails the
// run with the change summary and the diff, and the cleanup still runs.
func TestUnexpectedChangesAreReportedWithTheDiff(t *testing.T) {
	diff := "    ~ aws:eks/cluster:Cluster: (update)\n        [urn=urn:pulumi:e2e::mission-link::aws:eks/cluster:Cluster::mission-link-e2e]\n      ~ tags: {\n          + Owner: \"someone\"\n        }"
	for _, tc := range []struct {
		call, step, operation string
		ran                   []string
	}{
		{callPreview, e2e.StepPreview, "preview", []string{callUp, callVerify, callPreview}},
		{callRefresh, e2e.StepRefresh, "refresh", []string{callUp, callVerify, callPreview, callRefresh}},
	} {
		t.Run(tc.operation, func(t *testing.T) {
			w := newWorld()
			changes := &e2e.UnexpectedChanges{Operation: tc.operation, Summary: map[string]int{"update": 1, "same": 84}, Diff: diff}
			w.failures[tc.call] = changes
			run := start(t, w)
			ctx := context.Background()

			err := run.Lifecycle(ctx)
			var got *e2e.UnexpectedChanges
			if !errors.As(err, &got) || got != changes {
				t.Fatalf("Lifecycle returned %v, want the *UnexpectedChanges", err)
			}
			if !strings.HasPrefix(err.Error(), tc.step+": ") {
				t.Errorf("error %q does not name the step", err)
			}
			for _, want := range []string{tc.operation + " found changes where none were expected (same 84, update 1):", `+ Owner: "someone"`} {
				if !strings.Contains(err.Error(), want) || !strings.Contains(w.out.String(), want) {
					t.Errorf("the error and the output must carry %q:\nerror: %v\noutput:\n%s", want, err, w.out.String())
				}
			}
			if err := run.Cleanup(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := without(w.recorded(), callOutputs), concat(setup, tc.ran, cleanup); !slices.Equal(got, want) {
				t.Errorf("calls\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestInterruptStopsAfterTheCurrentStep: the running step finishes (killing Pulumi mid-create
// would orphan what it was creating), no later step starts, and the cleanup runs.
func TestInterruptStopsAfterTheCurrentStep(t *testing.T) {
	w := newWorld()
	run := start(t, w)
	w.onCall = func(call string) {
		if call == callUp {
			run.Interrupt(syscall.SIGTERM)
		}
	}
	ctx := context.Background()
	err := run.Lifecycle(ctx)
	if !errors.Is(err, e2e.ErrInterrupted) || !strings.Contains(err.Error(), "before "+e2e.StepVerify) {
		t.Fatalf("Lifecycle returned %v, want ErrInterrupted before verify", err)
	}
	if err := run.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := without(w.recorded(), callOutputs), concat(setup, []string{callUp}, cleanup); !slices.Equal(got, want) {
		t.Errorf("calls\n got %v\nwant %v", got, want)
	}
	out := w.out.String()
	if !strings.Contains(out, "terminated: stopping after the current step, then destroying and removing stack "+stackName) || !strings.Contains(out, "<== up: passed") {
		t.Errorf("output does not say the up finished and the run stops:\n%s", out)
	}
}

// TestInterruptDuringTheCleanupListsWhatIsLeft: a Ctrl-C during a failing destroy (Pulumi, given
// the same Ctrl-C, stops it) starts no second attempt; the cleanup lists what is left and keeps
// the stack.
func TestInterruptDuringTheCleanupListsWhatIsLeft(t *testing.T) {
	w := newWorld()
	w.failures[callUp] = errors.New("injected failure")
	w.failures[callDestroy] = errors.New("destroy cancelled")
	run := start(t, w)
	ctx := context.Background()
	if err := run.Lifecycle(ctx); err == nil {
		t.Fatal("Lifecycle passed with a failing up")
	}
	w.onCall = func(call string) {
		if call == callDestroy {
			run.Interrupt(os.Interrupt)
		}
	}
	if err := run.Cleanup(ctx); err == nil || !strings.Contains(err.Error(), "still holds 2 resources") {
		t.Errorf("Cleanup returned %v, want what is left", err)
	}
	if got, want := w.recorded(), concat(setup, []string{callUp, callDestroy, callRemain}); !slices.Equal(got, want) {
		t.Errorf("calls\n got %v\nwant %v (one destroy, no stack rm)", got, want)
	}
	if out := w.out.String(); !strings.Contains(out, "interrupt during the cleanup: no further destroy attempt") {
		t.Errorf("output does not say the cleanup stops:\n%s", out)
	}
}

// TestSignalInterruptsTheRun sends this process a real SIGTERM: NotifySignals catches it (the
// test binary lives on) and interrupts the run, which then deploys nothing.
func TestSignalInterruptsTheRun(t *testing.T) {
	w := newWorld()
	run := start(t, w)
	stop := run.NotifySignals()
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !run.Interrupted(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the run was not interrupted within 5 s of SIGTERM")
		}
	}
	if err := run.Lifecycle(context.Background()); !errors.Is(err, e2e.ErrInterrupted) {
		t.Errorf("Lifecycle returned %v, want ErrInterrupted", err)
	}
	if got := w.recorded(); !slices.Equal(got, setup) {
		t.Errorf("calls %v after the signal, want none beyond Start's %v", got, setup)
	}
}

// TestLifecycleStopsWhenItsTimeRunsOut leaves the cleanup the time it was kept.
func TestLifecycleStopsWhenItsTimeRunsOut(t *testing.T) {
	w := newWorld()
	run := start(t, w)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.onCall = func(call string) {
		if call == callUp {
			cancel()
		}
	}
	err := run.Lifecycle(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "time ran out before "+e2e.StepVerify) {
		t.Errorf("Lifecycle returned %v, want the lifecycle's end before verify", err)
	}
	if slices.Contains(w.recorded(), callVerify) {
		t.Error("verify ran after the lifecycle's time was up")
	}
}
