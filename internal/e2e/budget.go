package e2e

import (
	"fmt"
	"time"
)

// Estimate prices the stack by the hour from the offline plan: its monthly total (internal/plan,
// from data/prices.json with the plan's default usage assumptions) over the hours it counts in a
// month. Every line item of the plan is an hourly price times those hours, or a monthly figure AWS
// prorates by the hour, so the hourly share is the plan's own model, not a new one.
type Estimate struct {
	MonthlyUSD    float64
	HoursPerMonth float64
}

// HourlyUSD is the stack's estimated cost per hour.
func (e Estimate) HourlyUSD() float64 {
	if e.HoursPerMonth <= 0 {
		return 0
	}
	return e.MonthlyUSD / e.HoursPerMonth
}

// USD is the estimated cost of the stack standing for d.
func (e Estimate) USD(d time.Duration) float64 { return e.HourlyUSD() * d.Hours() }

// Describe is the summary's cost line for a stack that stood for d.
func (e Estimate) Describe(d time.Duration) string {
	if e.HoursPerMonth <= 0 {
		return "estimated cost: unknown (no estimate from the offline plan)"
	}
	return fmt.Sprintf("estimated cost: $%.2f for %s from the first up to the end of the cleanup, at $%.4f an hour (the offline plan's $%.2f a month / %g hours)",
		e.USD(d), roundDuration(d), e.HourlyUSD(), e.MonthlyUSD, e.HoursPerMonth)
}

// Time budgets. A dev stack's up takes about 25 minutes (the EKS control plane alone 10 or more)
// and a destroy about 20, so the lifecycle (two ups, a destroy, two verifies, a preview and a
// refresh) is given two hours, and the cleanup (up to two destroys) 50 minutes more.
const (
	LifecycleBudget = 2 * time.Hour
	CleanupBudget   = 50 * time.Minute
	// TestTimeout is the `go test -timeout` the docs and the workflow pass: both budgets, with
	// room for the offline plan and the program's build.
	TestTimeout = 3 * time.Hour
	// cleanupMargin ends the cleanup this long before go test's own timeout, which panics
	// without running any cleanup: the cleanup then still prints what is left.
	cleanupMargin = time.Minute
)

// Deadlines splits go test's deadline (testing.T.Deadline) into the lifecycle's and the
// cleanup's, and refuses a -timeout too short for both: a run that go test kills has no cleanup.
// Without a deadline (-timeout 0) the budgets count from now.
func Deadlines(testDeadline time.Time, hasDeadline bool, now time.Time) (lifecycle, cleanup time.Time, err error) {
	if !hasDeadline {
		return now.Add(LifecycleBudget), now.Add(LifecycleBudget + CleanupBudget), nil
	}
	if left := testDeadline.Sub(now); left < LifecycleBudget+CleanupBudget {
		return time.Time{}, time.Time{}, fmt.Errorf("refusing to start: go test's -timeout leaves %s, and a run needs up to %s (the lifecycle's %s and the cleanup's %s); pass -timeout %s",
			roundDuration(left), LifecycleBudget+CleanupBudget, LifecycleBudget, CleanupBudget, TestTimeout)
	}
	return testDeadline.Add(-CleanupBudget), testDeadline.Add(-cleanupMargin), nil
}
