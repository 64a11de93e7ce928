package bindingtest

import (
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Registration is one resource registration as the engine receives it.
type Registration struct {
	Token, Name, Version string
	// Remote is set for a component a provider plugin implements.
	Remote bool
	// Aliases are the types of the registration's alias specs.
	Aliases []string
	Inputs  resource.PropertyMap
}

// Mocks answer Pulumi's mock monitor for a binding's test and record every registration and
// method call. A resource's outputs are its inputs, but a type in NoOutputs gets none (in a
// preview they stay unknown); a method call answers MethodResults[token].
type Mocks struct {
	NoOutputs     []string
	MethodResults map[string]resource.PropertyMap

	mu            sync.Mutex
	registrations []Registration
	calls         []pulumi.MockCallArgs
}

var _ pulumi.MockResourceMonitorWithMethodCall = (*Mocks)(nil)

// NewResource records the registration.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	var aliases []string
	for _, a := range args.RegisterRPC.GetAliases() {
		aliases = append(aliases, a.GetSpec().GetType())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.registrations = append(m.registrations, Registration{
		Token: args.TypeToken, Name: args.Name, Version: args.RegisterRPC.GetVersion(),
		Remote: args.RegisterRPC.GetRemote(), Aliases: aliases, Inputs: args.Inputs,
	})
	if slices.Contains(m.NoOutputs, args.TypeToken) {
		return "", resource.PropertyMap{}, nil
	}
	return args.Name + "-id", args.Inputs, nil
}

// Call answers an invoke with nothing: the bindings make none.
func (*Mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// MethodCall records the call.
func (m *Mocks) MethodCall(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, args)
	return m.MethodResults[args.Token], nil
}

// Registrations are the registrations in the order the mocks received them (which, registrations
// being concurrent, need not be the program's).
func (m *Mocks) Registrations() []Registration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.registrations)
}

// Registered returns the one registration of a type, and whether there is exactly one.
func (m *Mocks) Registered(token string) (Registration, bool) {
	var found []Registration
	for _, r := range m.Registrations() {
		if r.Token == token {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		return Registration{}, false
	}
	return found[0], true
}

// MethodCalls are the recorded method calls.
func (m *Mocks) MethodCalls() []pulumi.MockCallArgs {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}
