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
	ID       string
	Ref      resource.PropertyValue
	State    resource.PropertyMap
	Resource pulumi.Resource
}

// StandIn registers, on behalf of a remote component, a resource that the component's plugin
// would create. The Go SDK turns resource references in a component's outputs into resources by
// looking their URNs up in the monitor, so the component's answer can only refer to resources
// that were registered; StandIn registers one and waits until the monitor knows it. The record
// shows it as the component's child.
func (m *Mocks) StandIn(component Resource, token, name string, inputs resource.PropertyMap, opts ...pulumi.ResourceOption) (StandInResource, error) {
	m.mu.Lock()
	m.standIns[token+"::"+name] = component
	m.mu.Unlock()
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
		m.mu.Lock()
		state := m.outputs[r.urn]
		m.mu.Unlock()
		return StandInResource{
			ID:       r.id,
			Ref:      resource.MakeCustomResourceReference(resource.URN(r.urn), resource.ID(r.id), ""),
			State:    state,
			Resource: res,
		}, nil
	case <-time.After(standInTimeout):
		return StandInResource{}, fmt.Errorf("stand-in %s %s was not registered within %s", token, name, standInTimeout)
	}
}
