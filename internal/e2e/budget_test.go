package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mission-link/infra/internal/e2e"
)

func TestEstimateProratesTheMonthlyTotal(t *testing.T) {
	e := e2e.Estimate{MonthlyUSD: 146, HoursPerMonth: 730}
	if got := e.HourlyUSD(); got != 0.2 {
		t.Errorf("HourlyUSD = %v, want 0.2", got)
	}
	if got := e.USD(90 * time.Minute); got < 0.2999 || got > 0.3001 {
		t.Errorf("USD(90m) = %v, want 0.30", got)
	}
	if got := (e2e.Estimate{}).Describe(time.Hour); !strings.Contains(got, "unknown") {
		t.Errorf("an estimate without the plan's hours says %q", got)
	}
}

func TestDeadlines(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 45, 0, 0, time.UTC)

	lifecycle, cleanup, err := e2e.Deadlines(now.Add(e2e.TestTimeout), true, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(e2e.TestTimeout - e2e.CleanupBudget); !lifecycle.Equal(want) {
		t.Errorf("lifecycle deadline %s, want %s: the cleanup keeps its budget before go test's timeout", lifecycle, want)
	}
	if !cleanup.After(lifecycle.Add(e2e.CleanupBudget-2*time.Minute)) || !cleanup.Before(now.Add(e2e.TestTimeout)) {
		t.Errorf("cleanup deadline %s, want just before go test's timeout %s", cleanup, now.Add(e2e.TestTimeout))
	}
	if lifecycle.Sub(now) < e2e.LifecycleBudget {
		t.Errorf("-timeout %s leaves the lifecycle %s, less than its budget", e2e.TestTimeout, lifecycle.Sub(now))
	}

	// go test's default -timeout of 10 minutes: refused before anything is created.
	if _, _, err := e2e.Deadlines(now.Add(10*time.Minute), true, now); err == nil || !strings.Contains(err.Error(), "-timeout "+e2e.TestTimeout.String()) {
		t.Errorf("Deadlines with 10 minutes left returned %v, want a refusal naming -timeout %s", err, e2e.TestTimeout)
	}

	lifecycle, cleanup, err = e2e.Deadlines(time.Time{}, false, now)
	if err != nil || !lifecycle.Equal(now.Add(e2e.LifecycleBudget)) || !cleanup.Equal(now.Add(e2e.LifecycleBudget+e2e.CleanupBudget)) {
		t.Errorf("without a deadline: %s, %s, %v", lifecycle, cleanup, err)
	}
}
