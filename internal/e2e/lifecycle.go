package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// The lifecycle's steps, in the order they run, as the run prints them.
const (
	StepUp          = "up"
	StepVerify      = "verify"
	StepPreview     = "preview --expect-no-changes"
	StepRefresh     = "refresh --expect-no-changes"
	StepDestroy     = "destroy"
	StepUpAgain     = "up again (same stack name)"
	StepVerifyAgain = "verify again"
	// The cleanup's steps.
	StepCleanupDestroy = "cleanup: destroy"
	StepRemove         = "cleanup: stack rm"
)

// DatabasePasswordKey is the project key Pulumi.yaml declares `secret: true` without a default:
// the CLI refuses a stack that does not set it, and an empty secret makes the stack generate the
// password.
const DatabasePasswordKey = "databasePassword"

// DestroyAttempts is how often the cleanup runs `pulumi destroy` before it reports what is left.
// A second attempt gets past what AWS releases on its own time after the first (network
// interfaces of a deleted cluster that still hold a subnet or security group) and costs nothing
// when the first one succeeded.
const DestroyAttempts = 2

// ErrInterrupted is what Lifecycle returns when a signal stopped the run.
var ErrInterrupted = errors.New("interrupted by a signal")

// Options are what one run deploys, where, and what it costs.
type Options struct {
	// Project is the Pulumi project's name (Pulumi.yaml `name:`), the namespace of its config keys.
	Project string
	// AccountID is the only AWS account the run may deploy into (MISSION_LINK_E2E_ACCOUNT_ID).
	AccountID string
	// StackName is the throwaway stack's name (NewStackName, or MISSION_LINK_E2E_STACK).
	StackName string
	// StackFile is the stack's config (SandboxStackFile).
	StackFile []byte
	// Estimate prices the stack by the hour, for the summary.
	Estimate Estimate
}

// Env is what a run talks to: the real backend, AWS and verify, or the tests' fakes.
type Env struct {
	Backend Backend
	// CallerAccount returns the account and ARN of the credentials Pulumi and verify run with
	// (sts:GetCallerIdentity).
	CallerAccount func(ctx context.Context) (account, arn string, err error)
	// Verify runs cmd/verify's checks on the stack; an error is a failed check or a verify that
	// could not run.
	Verify func(ctx context.Context, s Stack) error
	// Out receives the progress, the verify report and the summary.
	Out io.Writer
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// StepResult is one step's outcome, for the summary.
type StepResult struct {
	Name     string
	Duration time.Duration
	Err      error
}

// Run is one throwaway stack from its creation to its removal. Only Start makes one, so a run
// only ever holds a stack it created itself.
type Run struct {
	opts  Options
	env   Env
	stack Stack

	mu      sync.Mutex // Out, which the signal handler writes to as well
	results []StepResult
	firstUp time.Time

	interrupted atomic.Bool
	// cleaning is set while the cleanup runs; cleanupInterrupted when a signal came then.
	cleaning           atomic.Bool
	cleanupInterrupted atomic.Bool
	cleanupOnce        sync.Once
	cleanupErr         error
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// A stack name the test makes. The prefix keeps it from ever naming the team's dev or prod.
	// The length keeps the names derived from it within AWS's limits, such as the IAM role
	// "mission-link-<stack>-cluster-autoscaler" with Pulumi's 8-character random suffix: 60 of
	// the 64 characters IAM allows, for the longest name allowed here.
	stackNamePattern = regexp.MustCompile(`^e2e-[a-z0-9-]{1,16}$`)
)

// CheckStackName refuses a name the test would not have made.
func CheckStackName(name string) error {
	if !stackNamePattern.MatchString(name) {
		return fmt.Errorf("stack name %q must be %q followed by 1-16 lowercase letters, digits or '-': the test touches no stack that could be the team's", name, "e2e-")
	}
	return nil
}

func (o Options) validate() error {
	var errs []error
	if o.Project == "" {
		errs = append(errs, errors.New("the project name is empty"))
	}
	if !accountIDPattern.MatchString(o.AccountID) {
		errs = append(errs, fmt.Errorf("%s (%q) must be the 12-digit ID of the sandbox account", EnvAccountID, o.AccountID))
	}
	errs = append(errs, CheckStackName(o.StackName))
	if len(o.StackFile) == 0 {
		errs = append(errs, errors.New("the stack file is empty"))
	}
	return errors.Join(errs...)
}

// Start runs the guards, then creates the stack and sets what Pulumi.yaml requires of it. The
// guards come first, so that a refusal leaves nothing behind: the credentials must be for
// opts.AccountID, and the backend must not hold a stack of that name. Once Start returns a Run,
// register its Cleanup before calling Lifecycle. When setting the config fails, Start cleans up
// itself.
func Start(ctx context.Context, opts Options, env Env) (*Run, error) {
	if env.Now == nil {
		env.Now = time.Now
	}
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("refusing to start: %w", err)
	}
	if err := checkAccount(ctx, opts.AccountID, env.CallerAccount); err != nil {
		return nil, err
	}
	if err := checkUnused(ctx, env.Backend, opts.StackName); err != nil {
		return nil, err
	}
	stack, err := env.Backend.CreateStack(ctx, opts.StackName, opts.StackFile)
	if err != nil {
		return nil, fmt.Errorf("creating stack %s in %s: %w", opts.StackName, env.Backend.Location(), err)
	}
	r := &Run{opts: opts, env: env, stack: stack}
	key := opts.Project + ":" + DatabasePasswordKey
	if err := stack.SetSecret(ctx, key, ""); err != nil {
		err = fmt.Errorf("setting %s to an empty secret (the stack then generates the password): %w", key, err)
		return nil, errors.Join(err, r.Cleanup(ctx))
	}
	return r, nil
}

func checkAccount(ctx context.Context, want string, callerAccount func(context.Context) (string, string, error)) error {
	account, arn, err := callerAccount(ctx)
	if err != nil {
		return fmt.Errorf("refusing to start: reading the caller's identity (sts:GetCallerIdentity): %w", err)
	}
	if account != want {
		return fmt.Errorf("refusing to start: the AWS credentials are %s in account %s, but %s names account %s: the test deploys only into the account named for it",
			arn, account, EnvAccountID, want)
	}
	return nil
}

func checkUnused(ctx context.Context, backend Backend, name string) error {
	exists, err := backend.StackExists(ctx, name)
	if err != nil {
		return fmt.Errorf("refusing to start: listing the stacks in %s: %w", backend.Location(), err)
	}
	if exists {
		return fmt.Errorf("refusing to start: %s already holds a stack named %s, and the test touches only a stack it creates (leave %s unset for a fresh name)",
			backend.Location(), name, EnvStack)
	}
	return nil
}

// Stack is the run's stack.
func (r *Run) Stack() Stack { return r.stack }

// Results are the steps run so far, in order.
func (r *Run) Results() []StepResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]StepResult(nil), r.results...)
}

type lifecycleStep struct {
	name string
	do   func(context.Context) error
}

func (r *Run) steps() []lifecycleStep {
	verify := func(ctx context.Context) error { return r.env.Verify(ctx, r.stack) }
	return []lifecycleStep{
		{StepUp, r.up},
		{StepVerify, verify},
		{StepPreview, func(ctx context.Context) error { return r.stack.Preview(ctx, true) }},
		{StepRefresh, func(ctx context.Context) error { return r.stack.Refresh(ctx, true) }},
		{StepDestroy, r.stack.Destroy},
		{StepUpAgain, r.up},
		{StepVerifyAgain, verify},
	}
}

// Lifecycle runs the steps in order and stops at the first that fails, when ctx ends, or after
// the current step once the run is interrupted. It never cleans up: Cleanup does, registered
// before Lifecycle starts.
func (r *Run) Lifecycle(ctx context.Context) error {
	for _, s := range r.steps() {
		if r.interrupted.Load() {
			return fmt.Errorf("%w before %s", ErrInterrupted, s.name)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("the lifecycle's time ran out before %s: %w", s.name, err)
		}
		if err := r.step(ctx, s.name, s.do); err != nil {
			return err
		}
	}
	return nil
}

// up records when the stack first started to cost money, for the estimate.
func (r *Run) up(ctx context.Context) error {
	r.mu.Lock()
	if r.firstUp.IsZero() {
		r.firstUp = r.env.Now()
	}
	r.mu.Unlock()
	return r.stack.Up(ctx)
}

// step runs one step between a header and a line with its outcome and duration.
func (r *Run) step(ctx context.Context, name string, do func(context.Context) error) error {
	r.printf("\n==> %s (stack %s)\n", name, r.stack.Name())
	start := r.env.Now()
	err := do(ctx)
	d := r.env.Now().Sub(start)
	r.mu.Lock()
	r.results = append(r.results, StepResult{Name: name, Duration: d, Err: err})
	r.mu.Unlock()
	if err != nil {
		r.printf("<== %s: FAILED after %s: %v\n", name, roundDuration(d), err)
		return fmt.Errorf("%s: %w", name, err)
	}
	r.printf("<== %s: passed in %s\n", name, roundDuration(d))
	return nil
}

func (r *Run) printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.env.Out, format, args...)
}

func roundDuration(d time.Duration) time.Duration { return d.Round(time.Second) }
