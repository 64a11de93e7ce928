package e2e

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Cleanup destroys the stack and removes it from the backend, whatever happened before: a failed
// step, an interrupted run, a lifecycle that never started. It runs once however often it is
// called (t.Cleanup and a failing Start may both call it). The stack is removed only when its
// state holds nothing any more: removing it earlier would forget what is left. Otherwise Cleanup
// lists what is left with its IDs and keeps the state, so that a later `pulumi destroy` can
// finish. It ends with the summary: every step, its duration, and the run's estimated cost.
func (r *Run) Cleanup(ctx context.Context) error {
	r.cleanupOnce.Do(func() {
		r.cleaning.Store(true)
		r.cleanupErr = r.cleanup(ctx)
		r.printSummary()
	})
	return r.cleanupErr
}

// listTimeout bounds the reading of what is left. It runs on its own clock, so that a destroy
// that used up the cleanup's time still leaves a list (the cleanup's deadline is a minute before
// go test's, see Deadlines).
const listTimeout = 30 * time.Second

func (r *Run) cleanup(ctx context.Context) error {
	destroyErr := r.destroy(ctx)
	listCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), listTimeout)
	defer cancel()
	left, err := r.stack.Remaining(listCtx)
	if err != nil {
		r.printf("\ncannot read what stack %s still holds: %v\nits state is kept in %s\n", r.stack.Name(), err, r.env.Backend.Location())
		return errors.Join(destroyErr, fmt.Errorf("reading what stack %s still holds: %w", r.stack.Name(), err))
	}
	if len(left) > 0 {
		r.printLeft(left)
		return errors.Join(destroyErr, fmt.Errorf("stack %s still holds %d resources after the cleanup (listed above); the stack and its state are kept in %s",
			r.stack.Name(), len(left), r.env.Backend.Location()))
	}
	return errors.Join(destroyErr, r.step(ctx, StepRemove, r.stack.Remove))
}

// destroy runs `pulumi destroy` up to DestroyAttempts times, until one succeeds, ctx ends or a
// signal interrupts the cleanup.
func (r *Run) destroy(ctx context.Context) error {
	var err error
	for attempt := 1; attempt <= DestroyAttempts; attempt++ {
		name := StepCleanupDestroy
		if attempt > 1 {
			name = fmt.Sprintf("%s (attempt %d of %d)", StepCleanupDestroy, attempt, DestroyAttempts)
		}
		if err = r.step(ctx, name, r.stack.Destroy); err == nil || ctx.Err() != nil || r.cleanupInterrupted.Load() {
			return err
		}
	}
	return err
}

func (r *Run) printLeft(left []Resource) {
	r.printf("\nthe cleanup could not destroy everything: stack %s in account %s still holds\n", r.stack.Name(), r.opts.AccountID)
	for _, res := range left {
		line := fmt.Sprintf("  %s  id %s", res.URN, orNone(res.ID))
		if res.Pending != "" {
			line += fmt.Sprintf("  (%s: may exist in AWS without being in the state)", res.Pending)
		}
		r.printf("%s\n", line)
	}
	r.printf("its state is kept in %s; docs/e2e.md (\"When the cleanup leaves resources\") says how to finish the destroy\n", r.env.Backend.Location())
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// printSummary prints every step with its outcome and duration, and what the run cost.
func (r *Run) printSummary() {
	results := r.Results()
	r.printf("\n== e2e summary: stack %s in account %s\n", r.stack.Name(), r.opts.AccountID)
	for _, s := range results {
		status := "passed"
		if s.Err != nil {
			status = "FAILED"
		}
		r.printf("  %-40s %-6s %10s\n", s.Name, status, roundDuration(s.Duration))
	}
	r.printf("%s\n", r.costLine())
}

// costLine prices the time from the first up to now: AWS bills the stack's resources only while
// they exist, and the run keeps them from the first up to the end of the cleanup (the gap between
// the destroy and the second up is the second up's start, no time at all).
func (r *Run) costLine() string {
	r.mu.Lock()
	firstUp := r.firstUp
	r.mu.Unlock()
	var stood time.Duration
	if !firstUp.IsZero() {
		stood = r.env.Now().Sub(firstUp)
	}
	return r.opts.Estimate.Describe(stood)
}
