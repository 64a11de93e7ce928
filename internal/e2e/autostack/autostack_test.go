package autostack

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/mission-link/infra/internal/e2e"
)

// The stand-in for the Automation API's error of a preview that found changes: its text holds
// the command's standard error, where the CLI writes backenderr.NoChangesExpectedError.
var errPreviewFoundChanges = errors.New("failed to run preview: exit status 7\ncode: 7\nstdout: Previewing update (e2e-x)\n" +
	"stderr: error: no changes were expected for preview but changes were proposed")

func TestAnExpectNoChangesFailureCarriesTheDiff(t *testing.T) {
	diff := "Previewing update (e2e-x)\n    ~ aws:eks/cluster:Cluster: (update)\n      ~ tags: {\n          + Owner: \"someone\"\n        }\nResources:\n    ~ 1 to update\n    84 unchanged\n"
	err := outcome("pulumi preview", errPreviewFoundChanges, diff, "error: no changes were expected for preview but changes were proposed", nil)
	var changes *e2e.UnexpectedChanges
	if !errors.As(err, &changes) {
		t.Fatalf("outcome = %v (%T), want *e2e.UnexpectedChanges", err, err)
	}
	if changes.Operation != "preview" || changes.Diff != diff {
		t.Errorf("changes %+v, want the preview's output as its diff", changes)
	}
	if msg := err.Error(); !strings.Contains(msg, `+ Owner: "someone"`) || !strings.Contains(msg, "1 to update") {
		t.Errorf("the error does not show the diff: %s", msg)
	}
}

func TestOtherFailuresKeepTheCLIsErrorLines(t *testing.T) {
	cause := errors.New("failed to run update: exit status 1\ncode: 1\nstdout: <twenty minutes of output>\nstderr: error: update failed\n")
	err := outcome("pulumi up", cause, "", "  error: update failed\n", nil)
	var cmd *CommandError
	if !errors.As(err, &cmd) || !errors.Is(err, cause) {
		t.Fatalf("outcome = %v, want a CommandError wrapping the Automation API's error", err)
	}
	if msg := err.Error(); msg != "pulumi up failed (its output is above): error: update failed" {
		t.Errorf("message %q: want the CLI's error line without the output it repeats", msg)
	}
	if got := outcome("pulumi up", errors.New("pulumi: not found"), "", "", nil).Error(); got != "pulumi up: pulumi: not found" {
		t.Errorf("without standard error the message is %q, want the Automation API's own", got)
	}
	if outcome("pulumi up", nil, "", "", nil) != nil {
		t.Error("a command that passed is an error")
	}
}

func TestRemainingInListsWhatMayStillExist(t *testing.T) {
	state := apitype.DeploymentV3{
		Resources: []apitype.ResourceV3{
			{URN: "urn:pulumi:e2e-x::mission-link::pulumi:pulumi:Stack::mission-link-e2e-x", Type: "pulumi:pulumi:Stack"},
			{URN: "urn:pulumi:e2e-x::mission-link::pulumi:providers:aws::aws", Type: "pulumi:providers:aws", Custom: true, ID: "0b1c2d3e"},
			{URN: "urn:pulumi:e2e-x::mission-link::mission-link:vpc:Network::network", Type: "mission-link:vpc:Network"},
			{URN: "urn:pulumi:e2e-x::mission-link::mission-link:vpc:Network$aws:ec2/vpc:Vpc::network", Type: "aws:ec2/vpc:Vpc", Custom: true, ID: "vpc-0f1e2d3c4b5a69788"},
			{URN: "urn:pulumi:e2e-x::mission-link::mission-link:vpc:Network$aws:ec2/subnet:Subnet::network-private-a", Type: "aws:ec2/subnet:Subnet", Custom: true, ID: "subnet-0a1b", Delete: true},
		},
		PendingOperations: []apitype.OperationV2{
			{Type: apitype.OperationTypeCreating, Resource: apitype.ResourceV3{URN: "urn:pulumi:e2e-x::mission-link::aws:eks/cluster:Cluster::cluster", Type: "aws:eks/cluster:Cluster", Custom: true}},
		},
	}
	raw, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	got, err := RemainingIn(apitype.UntypedDeployment{Version: 3, Deployment: raw})
	if err != nil {
		t.Fatal(err)
	}
	want := []e2e.Resource{
		{URN: string(state.Resources[3].URN), Type: "aws:ec2/vpc:Vpc", ID: "vpc-0f1e2d3c4b5a69788"},
		{URN: string(state.Resources[4].URN), Type: "aws:ec2/subnet:Subnet", ID: "subnet-0a1b"},
		{URN: "urn:pulumi:e2e-x::mission-link::aws:eks/cluster:Cluster::cluster", Type: "aws:eks/cluster:Cluster", Pending: "creating"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("RemainingIn\n got %+v\nwant %+v (no stack, provider or component; a pending create listed)", got, want)
	}

	if left, err := RemainingIn(apitype.UntypedDeployment{}); err != nil || len(left) != 0 {
		t.Errorf("a stack never deployed holds %v, %v", left, err)
	}
	if _, err := RemainingIn(apitype.UntypedDeployment{Version: 3, Deployment: json.RawMessage(`{"resources": 7}`)}); err == nil {
		t.Error("an unreadable state reads as empty: the cleanup would remove a stack that still holds resources")
	}
}

// TestProjectSettingsRunTheRepositoryProgram: the workspace's Pulumi.yaml is the repository's,
// with main at the repository, so Pulumi builds the real program and enforces its config schema.
func TestProjectSettingsRunTheRepositoryProgram(t *testing.T) {
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	project, err := ProjectSettings(repo)
	if err != nil {
		t.Fatal(err)
	}
	if project.Name.String() != "mission-link" || project.Main != repo || project.Runtime.Name() != "go" {
		t.Errorf("project %s, main %q, runtime %q; want mission-link, %s, go", project.Name, project.Main, project.Runtime.Name(), repo)
	}
	password := project.Config[e2e.DatabasePasswordKey]
	if !password.Secret || password.Default != nil {
		t.Errorf("databasePassword is declared %+v, want secret without a default, as in Pulumi.yaml", password)
	}
	if err := project.Validate(); err != nil {
		t.Errorf("the workspace's Pulumi.yaml would not load: %v", err)
	}
}

func TestWriteNewNeverOverwritesAStackFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "Pulumi.e2e-x.yaml")
	if err := writeNew(file, []byte("config: {}\n")); err != nil {
		t.Fatal(err)
	}
	if err := writeNew(file, []byte("config: {other: run}\n")); err == nil {
		t.Error("a second write over another run's stack file passed")
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "config: {}\n" {
		t.Errorf("the first run's file reads %q, %v", b, err)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("stack file mode %v, %v; want 0600", info.Mode(), err)
	}
}
