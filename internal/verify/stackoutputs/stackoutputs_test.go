package stackoutputs

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// fakeCLI answers like `pulumi stack output --json` without --show-secrets: secrets blinded.
type fakeCLI struct {
	args, env []string
	workdir   string
	fail      bool
}

func (f *fakeCLI) Run(_ context.Context, workdir string, _ io.Reader, _, _ []io.Writer, env []string, args ...string) (string, string, int, error) {
	f.workdir, f.env, f.args = workdir, env, args
	if f.fail {
		return "", "error: could not find stack dev", 255, errors.New("exit status 255")
	}
	return `{"clusterName":"mission-link-dev","kubeconfig":"[secret]"}`, "", 0, nil
}

func (*fakeCLI) Version() semver.Version { return semver.MustParse("3.274.1") }

type fakeWorkspace struct{ cli *fakeCLI }

func (w fakeWorkspace) PulumiCommand() auto.PulumiCommand { return w.cli }
func (fakeWorkspace) WorkDir() string                     { return "/repo" }
func (fakeWorkspace) GetEnvVars() map[string]string {
	return map[string]string{"PULUMI_BACKEND_URL": "s3://state"}
}
func (fakeWorkspace) PulumiHome() string { return "" }

// The outputs are read without --show-secrets, so nothing is decrypted: a passphrase stack needs
// no PULUMI_CONFIG_PASSPHRASE and an awskms stack no kms:Decrypt; secret outputs stay blinded.
func TestReadsWithoutDecryptingSecrets(t *testing.T) {
	cli := &fakeCLI{}
	outputs, err := readWith(context.Background(), fakeWorkspace{cli}, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"stack", "output", "--json", "--stack", "dev"}; !slices.Equal(cli.args, want) {
		t.Errorf("ran pulumi %v, want %v", cli.args, want)
	}
	if slices.Contains(cli.args, "--show-secrets") {
		t.Error("the outputs are read with --show-secrets, which decrypts every secret")
	}
	if cli.workdir != "/repo" || !slices.Equal(cli.env, []string{"PULUMI_BACKEND_URL=s3://state"}) {
		t.Errorf("ran in %s with env %v, want the workspace's", cli.workdir, cli.env)
	}
	if outputs["clusterName"] != "mission-link-dev" || outputs["kubeconfig"] != "[secret]" {
		t.Errorf("outputs %v", outputs)
	}
}

func TestReadReportsTheCLIsError(t *testing.T) {
	_, err := readWith(context.Background(), fakeWorkspace{&fakeCLI{fail: true}}, "dev")
	if err == nil || !strings.Contains(err.Error(), "could not find stack dev") || !strings.Contains(err.Error(), "exited 255") {
		t.Errorf("got %v, want the CLI's message and exit code", err)
	}
}
