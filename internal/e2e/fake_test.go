package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mission-link/infra/internal/e2e"
)

// The calls the fake records, in the words of the Pulumi commands they stand for.
const (
	callCaller   = "sts get-caller-identity"
	callExists   = "stack ls"
	callCreate   = "stack init"
	callSecret   = "config set --secret"
	callUp       = "up"
	callVerify   = "verify"
	callPreview  = "preview --expect-no-changes"
	callRefresh  = "refresh --expect-no-changes"
	callDestroy  = "destroy"
	callRemain   = "stack export"
	callRemove   = "stack rm"
	callOutputs  = "stack output"
	sandboxID    = "210987654321"
	stackName    = "e2e-2612060845-a1b2"
	stepDuration = 10 * time.Minute
)

// world is a fake account, backend and stack that record every call in order. A call fails when
// failures names it: "up" for its first occurrence, "up#2" for its second.
type world struct {
	mu       sync.Mutex
	calls    []string
	counts   map[string]int
	failures map[string]error
	// onCall runs at each call, after it is recorded: the tests interrupt a run from it.
	onCall func(call string)

	account  string // the caller's account
	existing []string
	deployed []e2e.Resource // what the state holds
	secrets  map[string]string
	clock    time.Time
	out      bytes.Buffer
}

func newWorld() *world {
	return &world{counts: map[string]int{}, failures: map[string]error{}, account: sandboxID, secrets: map[string]string{},
		clock: time.Date(2026, 12, 6, 8, 45, 0, 0, time.UTC)}
}

// call records a call, moves the clock on by one step, and returns the failure set for it.
func (w *world) call(name string) error {
	w.mu.Lock()
	w.calls = append(w.calls, name)
	w.counts[name]++
	key := name
	if n := w.counts[name]; n > 1 {
		key = fmt.Sprintf("%s#%d", name, n)
	}
	err := w.failures[key]
	w.clock = w.clock.Add(stepDuration)
	hook := w.onCall
	w.mu.Unlock()
	if hook != nil {
		hook(name)
	}
	return err
}

func (w *world) now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.clock
}

func (w *world) recorded() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

func (w *world) env() e2e.Env {
	return e2e.Env{
		Backend: &fakeBackend{w},
		CallerAccount: func(context.Context) (string, string, error) {
			err := w.call(callCaller)
			return w.account, "arn:aws:sts::" + w.account + ":assumed-role/e2e/runner", err
		},
		Verify: func(ctx context.Context, s e2e.Stack) error {
			if _, err := s.Outputs(ctx); err != nil {
				return err
			}
			return w.call(callVerify)
		},
		Out: &w.out,
		Now: w.now,
	}
}

func options() e2e.Options {
	return e2e.Options{Project: "mission-link", AccountID: sandboxID, StackName: stackName, StackFile: []byte("config: {}\n"),
		Estimate: e2e.Estimate{MonthlyUSD: 146, HoursPerMonth: 730}}
}

type fakeBackend struct{ w *world }

func (b *fakeBackend) StackExists(_ context.Context, name string) (bool, error) {
	err := b.w.call(callExists)
	return slices.Contains(b.w.existing, name), err
}

func (b *fakeBackend) CreateStack(_ context.Context, name string, _ []byte) (e2e.Stack, error) {
	if err := b.w.call(callCreate); err != nil {
		return nil, err
	}
	return &fakeStack{w: b.w, name: name}, nil
}

func (b *fakeBackend) Location() string { return "file:///tmp/e2e/state" }

type fakeStack struct {
	w    *world
	name string
}

func (s *fakeStack) Name() string { return s.name }

func (s *fakeStack) SetSecret(_ context.Context, key, value string) error {
	if err := s.w.call(callSecret); err != nil {
		return err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	s.w.secrets[key] = value
	return nil
}

// Up deploys two resources, even when it fails: a failed up leaves what it created.
func (s *fakeStack) Up(context.Context) error {
	err := s.w.call(callUp)
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	s.w.deployed = []e2e.Resource{
		{URN: "urn:pulumi:" + s.name + "::mission-link::aws:ec2/vpc:Vpc::mission-link-" + s.name, Type: "aws:ec2/vpc:Vpc", ID: "vpc-0f1e2d3c4b5a69788"},
		{URN: "urn:pulumi:" + s.name + "::mission-link::aws:eks/cluster:Cluster::mission-link-" + s.name, Type: "aws:eks/cluster:Cluster", ID: "mission-link-" + s.name},
	}
	return err
}

func (s *fakeStack) Preview(_ context.Context, expectNoChanges bool) error {
	if !expectNoChanges {
		return errors.New("the lifecycle previews only with --expect-no-changes")
	}
	return s.w.call(callPreview)
}

func (s *fakeStack) Refresh(_ context.Context, expectNoChanges bool) error {
	if !expectNoChanges {
		return errors.New("the lifecycle refreshes only with --expect-no-changes")
	}
	return s.w.call(callRefresh)
}

// Destroy empties the state unless it fails or ctx has ended.
func (s *fakeStack) Destroy(ctx context.Context) error {
	if err := errors.Join(s.w.call(callDestroy), ctx.Err()); err != nil {
		return err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	s.w.deployed = nil
	return nil
}

// Remove refuses a stack that still holds resources, as `pulumi stack rm` without --force does.
func (s *fakeStack) Remove(context.Context) error {
	if err := s.w.call(callRemove); err != nil {
		return err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if len(s.w.deployed) > 0 {
		return fmt.Errorf("stack %s still has resources", s.name)
	}
	return nil
}

func (s *fakeStack) Outputs(context.Context) (map[string]any, error) {
	if err := s.w.call(callOutputs); err != nil {
		return nil, err
	}
	return map[string]any{"clusterName": "mission-link-" + s.name}, nil
}

func (s *fakeStack) Remaining(ctx context.Context) ([]e2e.Resource, error) {
	if err := errors.Join(s.w.call(callRemain), ctx.Err()); err != nil {
		return nil, err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return slices.Clone(s.w.deployed), nil
}

// start runs Start in w and fails the test when it refuses.
func start(t *testing.T, w *world) *e2e.Run {
	t.Helper()
	run, err := e2e.Start(context.Background(), options(), w.env())
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, w.out.String())
	}
	return run
}

// without drops the read-only calls that steps make on the way (verify reads the outputs), so
// that the tests compare the sequence of operations.
func without(calls []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(calls), func(c string) bool { return slices.Contains(drop, c) })
}
