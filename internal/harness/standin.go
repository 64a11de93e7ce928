package harness

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// standInTimeout bounds the wait for a stand-in's registration, so that a mistake in a mock
// fails the run instead of hanging it.
const standInTimeout = time.Minute

// StandInResource is a registered stand-in: a reference to hand back in a component's outputs,
// the state the mocks gave it, and the resource for DependsOn.
type StandInResource struct {
	// URN is the stand-in's URN as the mock monitor knows it, for the Sources of others.
	URN      string
	ID       string
	Ref      resource.PropertyValue
	State    resource.PropertyMap
	Resource pulumi.Resource
	// Display is the stand-in as the record shows it: its URN under the remote component, and
	// the component's providers, so that it can be the parent of further stand-ins.
	Display Resource
}

// Sources are, per input of a stand-in, the URNs its value came from (resources the component's
// own inputs came from, or other stand-ins): what the engine would record as the input's
// dependencies, so that a made-up value is traced back to the one resource that made it.
type Sources map[string][]string

// StandIn registers, on behalf of a remote component, a resource that the component's plugin
// would create. The Go SDK turns resource references in a component's outputs into resources by
// looking their URNs up in the monitor, so the component's answer can only refer to resources
// that were registered; StandIn registers one and waits until the monitor knows it. The record
// shows it as the child of parent: the remote component, or another stand-in's Display.
func (m *Mocks) StandIn(parent Resource, token, name string, inputs resource.PropertyMap, from Sources, opts ...pulumi.ResourceOption) (StandInResource, error) {
	m.expectStandIn(parent, token, name, from)
	res := &pulumi.CustomResourceState{}
	if err := m.ctx.RegisterResource(token, name, pulumi.ToMap(inputs.Mappable()), res, opts...); err != nil {
		return StandInResource{}, fmt.Errorf("registering stand-in %s %s: %w", token, name, err)
	}
	type registered struct{ urn, id string }
	done := make(chan registered, 1)
	pulumi.All(res.URN(), res.ID()).ApplyT(func(v []any) error {
		done <- registered{urn: string(v[0].(pulumi.URN)), id: string(v[1].(pulumi.ID))}
		return nil
	})
	select {
	case r := <-done:
		s := m.registeredStandIn(parent, r.urn, res)
		s.ID = r.id
		s.Ref = resource.MakeCustomResourceReference(resource.URN(r.urn), resource.ID(r.id), "")
		return s, nil
	case <-time.After(standInTimeout):
		return StandInResource{}, fmt.Errorf("stand-in %s %s was not registered within %s", token, name, standInTimeout)
	}
}

// StandInComponent registers a component resource that a remote component's plugin creates
// (pulumi-eks's ServiceRole), to parent further stand-ins. Like the Node.js SDK, it sends no
// inputs: a local component's arguments stay in the plugin.
func (m *Mocks) StandInComponent(parent Resource, token, name string, opts ...pulumi.ResourceOption) (StandInResource, error) {
	m.expectStandIn(parent, token, name, nil)
	res := &pulumi.ResourceState{}
	if err := m.ctx.RegisterComponentResource(token, name, res, opts...); err != nil {
		return StandInResource{}, fmt.Errorf("registering stand-in component %s %s: %w", token, name, err)
	}
	done := make(chan string, 1)
	res.URN().ApplyT(func(urn pulumi.URN) error {
		done <- string(urn)
		return nil
	})
	select {
	case urn := <-done:
		return m.registeredStandIn(parent, urn, res), nil
	case <-time.After(standInTimeout):
		return StandInResource{}, fmt.Errorf("stand-in component %s %s was not registered within %s", token, name, standInTimeout)
	}
}

func (m *Mocks) expectStandIn(parent Resource, token, name string, from Sources) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.standIns[token+"::"+name] = standIn{parent: parent, from: from}
}

// standIn is what the record needs of a stand-in being registered.
type standIn struct {
	parent Resource
	from   Sources
}

func (m *Mocks) registeredStandIn(parent Resource, urn string, res pulumi.Resource) StandInResource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return StandInResource{
		URN:      urn,
		State:    m.outputs[urn],
		Resource: res,
		Display:  Resource{URN: m.displayURN[urn], Providers: parent.Providers},
	}
}
