package autostack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/mission-link/infra/internal/e2e"
)

// noColor keeps escape codes out of logs and of the diff an error carries.
const noColor = "never"

// noChangesExpected is how the Pulumi CLI words an --expect-no-changes failure
// (pkg/backend/backenderr, NoChangesExpectedError, exit code 7). The Automation API keeps the
// exit code to itself and puts the CLI's standard error into the error's text.
const noChangesExpected = "no changes were expected"

// Stack is one stack of the Backend.
type Stack struct {
	stack    auto.Stack
	progress io.Writer
}

// Name is the stack's name.
func (s *Stack) Name() string { return s.stack.Name() }

// SetSecret runs `pulumi config set --secret key value`.
func (s *Stack) SetSecret(ctx context.Context, key, value string) error {
	if err := s.stack.SetConfig(ctx, key, auto.ConfigValue{Value: value, Secret: true}); err != nil {
		return fmt.Errorf("pulumi config set --secret %s: %w", key, err)
	}
	return nil
}

// Up runs `pulumi up --refresh`, as every documented up does (docs/deploy.md: with the autoscaler
// on, an up without a refresh can shrink the node group), its output streamed to the progress
// writer.
func (s *Stack) Up(ctx context.Context) error {
	var stderr bytes.Buffer
	_, err := s.stack.Up(ctx, optup.Refresh(), optup.Color(noColor), optup.ProgressStreams(s.progress), optup.ErrorProgressStreams(s.progress, &stderr))
	return outcome("pulumi up", err, "", stderr.String(), nil)
}

// Preview runs `pulumi preview --diff`, with --expect-no-changes when asked.
func (s *Stack) Preview(ctx context.Context, expectNoChanges bool) error {
	var stdout, stderr bytes.Buffer
	opts := []optpreview.Option{optpreview.Diff(), optpreview.Color(noColor),
		optpreview.ProgressStreams(s.progress, &stdout), optpreview.ErrorProgressStreams(s.progress, &stderr)}
	if expectNoChanges {
		opts = append(opts, optpreview.ExpectNoChanges())
	}
	res, err := s.stack.Preview(ctx, opts...)
	summary := map[string]int{}
	for op, n := range res.ChangeSummary {
		summary[string(op)] = n
	}
	return outcome("pulumi preview", err, stdout.String(), stderr.String(), summary)
}

// Refresh runs `pulumi refresh --diff`, with --expect-no-changes when asked.
func (s *Stack) Refresh(ctx context.Context, expectNoChanges bool) error {
	var stdout, stderr bytes.Buffer
	opts := []optrefresh.Option{optrefresh.Diff(), optrefresh.Color(noColor),
		optrefresh.ProgressStreams(s.progress, &stdout), optrefresh.ErrorProgressStreams(s.progress, &stderr)}
	if expectNoChanges {
		opts = append(opts, optrefresh.ExpectNoChanges())
	}
	res, err := s.stack.Refresh(ctx, opts...)
	var summary map[string]int
	if res.Summary.ResourceChanges != nil {
		summary = *res.Summary.ResourceChanges
	}
	return outcome("pulumi refresh", err, stdout.String(), stderr.String(), summary)
}

// Destroy runs `pulumi destroy`.
func (s *Stack) Destroy(ctx context.Context) error {
	var stderr bytes.Buffer
	_, err := s.stack.Destroy(ctx, optdestroy.Color(noColor), optdestroy.ProgressStreams(s.progress), optdestroy.ErrorProgressStreams(s.progress, &stderr))
	return outcome("pulumi destroy", err, "", stderr.String(), nil)
}

// Remove runs `pulumi stack rm` without --force, which refuses a stack that still holds
// resources.
func (s *Stack) Remove(ctx context.Context) error {
	if err := s.stack.Workspace().RemoveStack(ctx, s.stack.Name()); err != nil {
		return fmt.Errorf("pulumi stack rm %s: %w", s.stack.Name(), err)
	}
	return nil
}

// Outputs are the stack's outputs with secrets in clear (`pulumi stack output --json
// --show-secrets`), as cmd/verify reads them.
func (s *Stack) Outputs(ctx context.Context) (map[string]any, error) {
	outputs, err := s.stack.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s: %w", s.stack.Name(), err)
	}
	values := make(map[string]any, len(outputs))
	for key, out := range outputs {
		values[key] = out.Value
	}
	return values, nil
}

// Remaining reads the state (`pulumi stack export`) for what may still exist in the cloud.
func (s *Stack) Remaining(ctx context.Context) ([]e2e.Resource, error) {
	dep, err := s.stack.Export(ctx)
	if err != nil {
		return nil, fmt.Errorf("pulumi stack export %s: %w", s.stack.Name(), err)
	}
	return RemainingIn(dep)
}

// RemainingIn lists the state's custom resources other than providers (components and the stack
// itself exist only in the state), and the operations the engine began without recording their
// end: an interrupted create may have left a resource in AWS that the state does not hold.
func RemainingIn(dep apitype.UntypedDeployment) ([]e2e.Resource, error) {
	if len(dep.Deployment) == 0 {
		return nil, nil
	}
	var d apitype.DeploymentV3
	if err := json.Unmarshal(dep.Deployment, &d); err != nil {
		return nil, fmt.Errorf("reading the exported state (version %d): %w", dep.Version, err)
	}
	var out []e2e.Resource
	for _, r := range d.Resources {
		if r.Custom && !strings.HasPrefix(string(r.Type), "pulumi:providers:") {
			out = append(out, e2e.Resource{URN: string(r.URN), Type: string(r.Type), ID: string(r.ID)})
		}
	}
	for _, op := range d.PendingOperations {
		r := op.Resource
		out = append(out, e2e.Resource{URN: string(r.URN), Type: string(r.Type), ID: string(r.ID), Pending: string(op.Type)})
	}
	return out, nil
}

// outcome turns a command's error into what the lifecycle reports: an --expect-no-changes
// failure as *e2e.UnexpectedChanges with the diff, anything else as a CommandError.
func outcome(command string, err error, stdout, stderr string, summary map[string]int) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), noChangesExpected) {
		return &e2e.UnexpectedChanges{Operation: strings.TrimPrefix(command, "pulumi "), Summary: summary, Diff: stdout}
	}
	return &CommandError{Command: command, Stderr: strings.TrimSpace(stderr), Err: err}
}

// CommandError is a failed Pulumi command. The Automation API's error carries the command's
// whole output, which the progress writer printed as it came; the message keeps only the CLI's
// standard error (its "error: ..." lines), so that a failed 20-minute `up` is not printed twice.
type CommandError struct {
	Command string
	Stderr  string
	Err     error
}

func (e *CommandError) Error() string {
	if e.Stderr == "" {
		return fmt.Sprintf("%s: %v", e.Command, e.Err)
	}
	return fmt.Sprintf("%s failed (its output is above): %s", e.Command, e.Stderr)
}

func (e *CommandError) Unwrap() error { return e.Err }

var (
	_ e2e.Stack   = (*Stack)(nil)
	_ e2e.Backend = (*Backend)(nil)
)
