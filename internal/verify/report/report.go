// Package report is what cmd/verify prints: one result per check (PASS, WARN, FAIL or SKIP, what
// was checked, and for a problem its likely cause and the fix), a summary, and the JSON record of
// --json. It imports nothing but the standard library, so every check package can use it.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Status is the outcome of one check.
type Status string

// The outcomes, from best to worst. SKIP is a check that does not apply to this stack (no bastion,
// gitops off) or was turned off by a flag; it never fails the run.
const (
	Pass Status = "PASS"
	Skip Status = "SKIP"
	Warn Status = "WARN"
	Fail Status = "FAIL"
)

// Schema names the JSON record's shape.
const Schema = "mission-link-verify/v1"

// Result is one check's outcome.
type Result struct {
	// Check names the check, such as "cluster" or "nodes.max-pods".
	Check  string `json:"check"`
	Status Status `json:"status"`
	// Message says what was checked and what was found.
	Message string `json:"message"`
	// Cause is the likely reason for a WARN or FAIL, in the words of the failure it leads to.
	Cause string `json:"cause,omitempty"`
	// Fix is what to do about it.
	Fix string `json:"fix,omitempty"`
	// Details are further facts: addon health issues, Application conditions, a command to run.
	Details []string `json:"details,omitempty"`
}

// Passf is a passed check.
func Passf(check, format string, args ...any) Result {
	return Result{Check: check, Status: Pass, Message: fmt.Sprintf(format, args...)}
}

// Skipf is a check that does not apply.
func Skipf(check, format string, args ...any) Result {
	return Result{Check: check, Status: Skip, Message: fmt.Sprintf(format, args...)}
}

// Warning is a problem that does not fail the run.
func Warning(check, message, cause, fix string) Result {
	return Result{Check: check, Status: Warn, Message: message, Cause: cause, Fix: fix}
}

// Failure is a problem that fails the run.
func Failure(check, message, cause, fix string) Result {
	return Result{Check: check, Status: Fail, Message: message, Cause: cause, Fix: fix}
}

// WithDetails returns r with details appended.
func (r Result) WithDetails(details ...string) Result {
	r.Details = append(r.Details, details...)
	return r
}

// Counts are how many checks ended in each status.
type Counts struct {
	Pass int `json:"pass"`
	Warn int `json:"warn"`
	Fail int `json:"fail"`
	Skip int `json:"skip"`
}

// Report is the whole run.
type Report struct {
	Schema  string   `json:"schema"`
	Stack   string   `json:"stack"`
	Results []Result `json:"results"`
	Counts  Counts   `json:"counts"`
	// Failed is true when a check failed: the command then exits 1.
	Failed bool `json:"failed"`
}

// New starts the report of a stack.
func New(stack string) *Report {
	return &Report{Schema: Schema, Stack: stack, Results: []Result{}}
}

// Add records results and updates the counts.
func (r *Report) Add(results ...Result) {
	for _, res := range results {
		r.Results = append(r.Results, res)
		switch res.Status {
		case Pass:
			r.Counts.Pass++
		case Warn:
			r.Counts.Warn++
		case Fail:
			r.Counts.Fail++
			r.Failed = true
		case Skip:
			r.Counts.Skip++
		}
	}
}

// WriteLine prints one result: its status, check and message, then indented cause, fix and
// details.
func WriteLine(w io.Writer, res Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-4s %-22s %s\n", res.Status, res.Check, res.Message)
	if res.Cause != "" {
		fmt.Fprintf(&b, "     cause: %s\n", res.Cause)
	}
	if res.Fix != "" {
		fmt.Fprintf(&b, "     fix:   %s\n", res.Fix)
	}
	for _, d := range res.Details {
		fmt.Fprintf(&b, "     - %s\n", d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummary prints the closing line.
func (r *Report) WriteSummary(w io.Writer) error {
	verdict := "the stack works"
	switch {
	case r.Failed:
		verdict = "the stack does not work as configured: fix the FAIL lines above"
	case r.Counts.Warn > 0:
		verdict = "the stack works; read the WARN lines above"
	}
	_, err := fmt.Fprintf(w, "\n%d passed, %d warnings, %d failed, %d skipped: %s\n",
		r.Counts.Pass, r.Counts.Warn, r.Counts.Fail, r.Counts.Skip, verdict)
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing the JSON report: %w", err)
	}
	return nil
}
