// Package autostack is the e2e lifecycle's Backend and Stack over the Pulumi Automation API: the
// real program in the repository, run by the Pulumi CLI the caller installed, with its state in a
// local file backend in a directory of its own and its secrets under a passphrase. It needs no
// Pulumi Cloud account and writes nothing into the repository: the workspace (Pulumi.yaml
// pointing at the repository, Pulumi.<stack>.yaml) lives beside the state.
package autostack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/mission-link/infra/internal/e2e"
)

// Backend is a local file backend in Dir/state, with the workspace in Dir/project.
type Backend struct {
	programDir string
	dir        string
	passphrase string
	progress   io.Writer
	ws         auto.Workspace
}

// New prepares dir (created when missing) for a backend whose stacks run the program in
// programDir (the repository: Pulumi.yaml and main.go), with their secrets under passphrase and
// Pulumi's output streamed to progress. It needs the Pulumi CLI on PATH.
func New(ctx context.Context, programDir, dir, passphrase string, progress io.Writer) (*Backend, error) {
	programDir, err := filepath.Abs(programDir)
	if err != nil {
		return nil, fmt.Errorf("finding the program's directory: %w", err)
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("finding the e2e directory: %w", err)
	}
	b := &Backend{programDir: programDir, dir: dir, passphrase: passphrase, progress: progress}
	for _, d := range []string{b.StateDir(), b.WorkDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating %s: %w", d, err)
		}
	}
	project, err := ProjectSettings(programDir)
	if err != nil {
		return nil, err
	}
	b.ws, err = auto.NewLocalWorkspace(ctx,
		auto.WorkDir(b.WorkDir()),
		auto.Project(project),
		auto.SecretsProvider("passphrase"),
		auto.EnvVars(b.envVars()))
	if err != nil {
		return nil, fmt.Errorf("creating the Pulumi workspace in %s (is the Pulumi CLI installed?): %w", b.WorkDir(), err)
	}
	return b, nil
}

// ProjectSettings is the repository's Pulumi.yaml with `main` set to the repository, so that a
// workspace in another directory builds and runs the real program where it is. Pulumi 3.274.1
// takes an absolute main as the program's directory and its working directory
// (pkg/engine/project.go, getPwdMain); the config declarations (databasePassword `secret: true`)
// are the repository's own.
func ProjectSettings(programDir string) (workspace.Project, error) {
	file := filepath.Join(programDir, "Pulumi.yaml")
	project, err := workspace.LoadProject(file)
	if err != nil {
		return workspace.Project{}, fmt.Errorf("loading %s: %w", file, err)
	}
	project.Main = programDir
	return *project, nil
}

// StateDir holds the stacks' state.
func (b *Backend) StateDir() string { return filepath.Join(b.dir, "state") }

// WorkDir holds the workspace: Pulumi.yaml and the stack files.
func (b *Backend) WorkDir() string { return filepath.Join(b.dir, "project") }

// Location is the backend's URL.
func (b *Backend) Location() string { return "file://" + filepath.ToSlash(b.StateDir()) }

// envVars are set for every Pulumi command of the workspace, over the caller's environment.
func (b *Backend) envVars() map[string]string {
	return map[string]string{
		"PULUMI_BACKEND_URL":       b.Location(),
		"PULUMI_CONFIG_PASSPHRASE": b.passphrase,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
	}
}

// StackExists lists the project's stacks in the backend (`pulumi stack ls --json`).
func (b *Backend) StackExists(ctx context.Context, name string) (bool, error) {
	stacks, err := b.ws.ListStacks(ctx)
	if err != nil {
		return false, fmt.Errorf("pulumi stack ls: %w", err)
	}
	for _, s := range stacks {
		// A DIY backend may name a stack with its organization and project in front.
		if path.Base(s.Name) == name {
			return true, nil
		}
	}
	return false, nil
}

// CreateStack writes the stack file into the workspace and runs `pulumi stack init`, which fails
// when the stack exists. The file is written only if it does not exist yet, and is removed again
// when the stack cannot be created.
func (b *Backend) CreateStack(ctx context.Context, name string, stackFile []byte) (e2e.Stack, error) {
	file := filepath.Join(b.WorkDir(), "Pulumi."+name+".yaml")
	if err := writeNew(file, stackFile); err != nil {
		return nil, err
	}
	s, err := auto.NewStack(ctx, name, b.ws)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("pulumi stack init %s: %w", name, err), os.Remove(file))
	}
	return &Stack{stack: s, progress: b.progress}, nil
}

// writeNew writes a file that must not exist yet: a stack file left by another run is that
// run's, not this one's.
func writeNew(file string, data []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the stack file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return errors.Join(fmt.Errorf("writing %s: %w", file, err), f.Close())
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	return nil
}
