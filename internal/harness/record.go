// Package harness runs the real program, or one component, under Pulumi's mocks with no cloud
// account, answers the invokes the stack uses, and records every registration so that tests and
// the offline plan inspect the resulting graph after the run.
package harness

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Resource is one registration: what the engine would be asked to create.
type Resource struct {
	URN    string
	Type   string
	Name   string
	Parent string
	// Custom is false for component resources.
	Custom bool
	// Remote is true for components implemented by a provider plugin (pulumi-eks).
	Remote bool
	// StandIn marks a resource that a remote component would create in its plugin, registered by
	// the harness to answer the component's outputs (see the component's ComponentFunc).
	StandIn bool
	Inputs  resource.PropertyMap
	// ID is the physical ID the mocks gave a custom resource.
	ID string
	// Outputs are the state the mocks answered: the inputs plus what the provider would compute
	// (made-up values: ARNs, IDs, endpoints), or a remote component's outputs.
	Outputs resource.PropertyMap
	// Dependencies are the URNs this resource waits for, explicit and through its inputs.
	Dependencies []string
	// PropertyDependencies maps each input to the URNs its value came from.
	PropertyDependencies map[string][]string
	// Provider is the provider reference ("<urn>::<id>"), empty for the default provider.
	Provider string
	// Providers are a component's providers by package.
	Providers map[string]string
	Options   Options
}

// Options are the resource options a reviewer checks.
type Options struct {
	Protect             bool
	IgnoreChanges       []string
	DeleteBeforeReplace bool
	RetainOnDelete      bool
	// Import is the ID the resource adopts (the `import` resource option), "" when it is created.
	Import           string
	ReplaceOnChanges []string
}

// Invoke is one data-source call.
type Invoke struct {
	Token    string
	Args     resource.PropertyMap
	Provider string
	// Result is what the mocks answered.
	Result resource.PropertyMap
}

// Call is one method call on a resource (pulumi-eks's Cluster.getKubeconfig).
type Call struct {
	Token string
	// Self is the URN of the resource whose method was called.
	Self string
	// Args are the call's arguments, without __self__.
	Args resource.PropertyMap
	// Result is what the mocks answered.
	Result resource.PropertyMap
}

// Record is everything a run registered, invoked and called, sorted so that two runs of the same
// program and config compare equal.
type Record struct {
	Resources []Resource
	Invokes   []Invoke
	Calls     []Call
	// MissingKeys are the stack's StackConfig.MissingKeys: keys the CLI would refuse the stack
	// without.
	MissingKeys []string
}

// ByType returns the resources of a type token, in URN order.
func (r *Record) ByType(token string) []Resource {
	var out []Resource
	for _, res := range r.Resources {
		if res.Type == token {
			out = append(out, res)
		}
	}
	return out
}

// Get returns the resource with the given type and name.
func (r *Record) Get(token, name string) (Resource, bool) {
	i := slices.IndexFunc(r.Resources, func(res Resource) bool { return res.Type == token && res.Name == name })
	if i < 0 {
		return Resource{}, false
	}
	return r.Resources[i], true
}

// ByURN returns the resource with the given URN.
func (r *Record) ByURN(urn string) (Resource, bool) {
	i := slices.IndexFunc(r.Resources, func(res Resource) bool { return res.URN == urn })
	if i < 0 {
		return Resource{}, false
	}
	return r.Resources[i], true
}

// CountByType counts resources per type token.
func (r *Record) CountByType() map[string]int {
	counts := map[string]int{}
	for _, res := range r.Resources {
		counts[res.Type]++
	}
	return counts
}

// ProviderURN is the URN part of the resource's provider reference ("<urn>::<id>").
func (res Resource) ProviderURN() string {
	i := strings.LastIndex(res.Provider, "::")
	if i < 0 {
		return res.Provider
	}
	return res.Provider[:i]
}

// DependsOn says whether res waits for the resource with the given URN.
func (res Resource) DependsOn(urn string) bool { return slices.Contains(res.Dependencies, urn) }

// Value returns the input at a dotted path ("metadataOptions.httpTokens"), unwrapping secrets.
func (res Resource) Value(path string) (resource.PropertyValue, bool) {
	v := resource.NewProperty(res.Inputs)
	for _, key := range strings.Split(path, ".") {
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		if !v.IsObject() {
			return resource.PropertyValue{}, false
		}
		next, ok := v.ObjectValue()[resource.PropertyKey(key)]
		if !ok {
			return resource.PropertyValue{}, false
		}
		v = next
	}
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v, true
}

// String returns a string input at a dotted path, or "" when it is absent or not a string.
func (res Resource) String(path string) string {
	v, ok := res.Value(path)
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// Bool returns a bool input at a dotted path, and whether it was set.
func (res Resource) Bool(path string) (value, set bool) {
	v, ok := res.Value(path)
	if !ok || !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

// Number returns a numeric input at a dotted path, and whether it was set.
func (res Resource) Number(path string) (float64, bool) {
	v, ok := res.Value(path)
	if !ok || !v.IsNumber() {
		return 0, false
	}
	return v.NumberValue(), true
}

// Strings returns a list-of-strings input at a dotted path.
func (res Resource) Strings(path string) []string {
	v, ok := res.Value(path)
	if !ok || !v.IsArray() {
		return nil
	}
	var out []string
	for _, item := range v.ArrayValue() {
		if item.IsString() {
			out = append(out, item.StringValue())
		}
	}
	return out
}

// StringMap returns a map-of-strings input (tags) at a dotted path.
func (res Resource) StringMap(path string) map[string]string {
	v, ok := res.Value(path)
	if !ok || !v.IsObject() {
		return nil
	}
	out := map[string]string{}
	for k, item := range v.ObjectValue() {
		if item.IsString() {
			out[string(k)] = item.StringValue()
		}
	}
	return out
}

// Objects returns a list-of-objects input (security group rules) at a dotted path, each as a
// Resource whose Inputs are the object, so the accessors above work on its fields.
func (res Resource) Objects(path string) []Resource {
	v, ok := res.Value(path)
	if !ok || !v.IsArray() {
		return nil
	}
	var out []Resource
	for i, item := range v.ArrayValue() {
		if item.IsObject() {
			out = append(out, Resource{URN: fmt.Sprintf("%s#%s[%d]", res.URN, path, i), Inputs: item.ObjectValue()})
		}
	}
	return out
}

// InputSource returns the one custom resource that an input's value came from (a reference by ID
// or ARN), so tests follow references instead of matching made-up values. An input may depend on
// more resources than the one it names (pulumi.OutputWithDependencies orders a resource after
// others, as vpc's private subnet IDs wait for their egress): then the source is the one whose ID
// or ARN is the input's value.
func (r *Record) InputSource(res Resource, input string) (Resource, error) {
	var found []Resource
	for _, urn := range res.PropertyDependencies[input] {
		if dep, ok := r.ByURN(urn); ok && dep.Custom {
			found = append(found, dep)
		}
	}
	if value := res.String(input); len(found) > 1 && value != "" {
		found = slices.DeleteFunc(found, func(dep Resource) bool { return !dep.names(value) })
	}
	if len(found) != 1 {
		return Resource{}, fmt.Errorf("%s.%s comes from %v, not exactly one resource", res.Name, input, res.PropertyDependencies[input])
	}
	return found[0], nil
}

// names reports whether value is the resource's ID, or else its ARN: what a reference to it is.
func (res Resource) names(value string) bool {
	if res.ID == value {
		return true
	}
	arn, ok := res.Outputs["arn"]
	return ok && arn.IsString() && arn.StringValue() == value
}
