package harness

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AccountID is the account the mocks pretend to run in (AWS's documentation account).
const AccountID = "123456789012"

// regionZones are the AZ suffixes the mocks report per region; other regions get a, b and c.
var regionZones = map[string]string{
	"ap-northeast-2": "abcd",
	"us-east-1":      "abcdef",
	"us-west-2":      "abcd",
}

// StateFunc computes the outputs a provider would add to a resource's inputs.
type StateFunc func(args pulumi.MockResourceArgs) (resource.PropertyMap, error)

// InvokeFunc answers one invoke token.
type InvokeFunc func(args pulumi.MockCallArgs) (resource.PropertyMap, error)

// Mocks answers the engine's calls for one run and records them.
type Mocks struct {
	project, stack, region string
	states                 map[string]StateFunc
	invokes                map[string]InvokeFunc

	mu     sync.Mutex
	record Record
}

var _ pulumi.MockResourceMonitor = (*Mocks)(nil)

// NewMocks answers for a stack in region. Components that need more answers (a remote
// component's outputs, another invoke) add them with State and Answer.
func NewMocks(project, stack, region string) *Mocks {
	m := &Mocks{project: project, stack: stack, region: region, states: map[string]StateFunc{}, invokes: map[string]InvokeFunc{}}
	m.Answer("aws:index/getAvailabilityZones:getAvailabilityZones", m.availabilityZones)
	m.Answer("aws:index/getPartition:getPartition", m.partition)
	m.Answer("aws:index/getRegion:getRegion", m.regionInfo)
	m.Answer("aws:index/getCallerIdentity:getCallerIdentity", m.callerIdentity)
	m.Answer("aws:ssm/getParameter:getParameter", ssmParameter)
	m.State("aws:ec2/natGateway:NatGateway", natGatewayState)
	return m
}

// State sets the outputs computed for a resource type.
func (m *Mocks) State(token string, f StateFunc) { m.states[token] = f }

// Answer sets the answer to an invoke token.
func (m *Mocks) Answer(token string, f InvokeFunc) { m.invokes[token] = f }

// Record returns what was recorded, sorted by URN (resources) and token and arguments (invokes).
func (m *Mocks) Record() *Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &Record{Resources: slices.Clone(m.record.Resources), Invokes: slices.Clone(m.record.Invokes)}
	slices.SortFunc(r.Resources, func(a, b Resource) int { return strings.Compare(a.URN, b.URN) })
	slices.SortStableFunc(r.Invokes, func(a, b Invoke) int {
		return strings.Compare(a.Token+canonical(a.Args), b.Token+canonical(b.Args))
	})
	return r
}

// NewResource records a registration and returns a deterministic ID and state.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	res := m.recordOf(args)
	state := args.Inputs.Copy()
	if strings.HasPrefix(args.TypeToken, "aws:") && args.Custom {
		if _, ok := state["arn"]; !ok {
			state["arn"] = resource.NewProperty(m.arn(args.TypeToken, args.Name))
		}
		if _, ok := state["name"]; !ok {
			state["name"] = resource.NewProperty(args.Name)
		}
	}
	if f, ok := m.states[args.TypeToken]; ok {
		computed, err := f(args)
		if err != nil {
			return "", nil, fmt.Errorf("mock state of %s: %w", res.URN, err)
		}
		for k, v := range computed {
			state[k] = v
		}
	}
	m.mu.Lock()
	m.record.Resources = append(m.record.Resources, res)
	m.mu.Unlock()
	id := args.ID
	if id == "" {
		id = args.Name + "-id"
	}
	return id, state, nil
}

// Call answers an invoke, failing on one the harness does not know so that a new data source is
// answered on purpose rather than with nothing.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.record.Invokes = append(m.record.Invokes, Invoke{Token: args.Token, Args: args.Args, Provider: args.Provider})
	m.mu.Unlock()
	f, ok := m.invokes[args.Token]
	if !ok {
		return nil, fmt.Errorf("harness: no mock answer for invoke %s", args.Token)
	}
	return f(args)
}

func (m *Mocks) recordOf(args pulumi.MockResourceArgs) Resource {
	res := Resource{Type: args.TypeToken, Name: args.Name, Custom: args.Custom, Inputs: args.Inputs, Provider: args.Provider}
	rpc := args.RegisterRPC
	if rpc == nil {
		res.URN = m.urn("", args.TypeToken, args.Name)
		return res
	}
	res.Parent = rpc.GetParent()
	res.URN = m.urn(res.Parent, args.TypeToken, args.Name)
	res.Remote = rpc.GetRemote()
	res.Dependencies = sortedUnique(rpc.GetDependencies())
	res.Providers = rpc.GetProviders()
	res.PropertyDependencies = map[string][]string{}
	for k, deps := range rpc.GetPropertyDependencies() {
		res.PropertyDependencies[k] = sortedUnique(deps.GetUrns())
	}
	res.Options = Options{
		Protect:             rpc.GetProtect(),
		IgnoreChanges:       slices.Clone(rpc.GetIgnoreChanges()),
		DeleteBeforeReplace: rpc.GetDeleteBeforeReplace(),
		RetainOnDelete:      rpc.GetRetainOnDelete(),
	}
	return res
}

// urn computes a resource's URN the way the mock monitor does.
func (m *Mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// arn fabricates an ARN for a resource in the mock account: arn:aws:<module>:<region>:<account>:<name>.
func (m *Mocks) arn(token, name string) string {
	module := strings.Split(token, ":")[1]
	module, _, _ = strings.Cut(module, "/")
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", partitionOf(m.region), module, m.region, AccountID, name)
}

func (m *Mocks) availabilityZones(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	suffixes, ok := regionZones[m.region]
	if !ok {
		suffixes = "abc"
	}
	var names, ids []resource.PropertyValue
	for i, s := range suffixes {
		names = append(names, resource.NewProperty(m.region+string(s)))
		ids = append(ids, resource.NewProperty(fmt.Sprintf("%s-az%d", m.region, i+1)))
	}
	return resource.PropertyMap{
		"id":      resource.NewProperty(m.region),
		"names":   resource.NewProperty(names),
		"zoneIds": resource.NewProperty(ids),
	}, nil
}

func (m *Mocks) partition(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	p := partitionOf(m.region)
	suffix := map[string]string{"aws-cn": "amazonaws.com.cn"}[p]
	if suffix == "" {
		suffix = "amazonaws.com"
	}
	return resource.PropertyMap{
		"id":        resource.NewProperty(p),
		"partition": resource.NewProperty(p),
		"dnsSuffix": resource.NewProperty(suffix),
	}, nil
}

func (m *Mocks) regionInfo(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{
		"id":   resource.NewProperty(m.region),
		"name": resource.NewProperty(m.region),
	}, nil
}

func (m *Mocks) callerIdentity(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{
		"id":        resource.NewProperty(AccountID),
		"accountId": resource.NewProperty(AccountID),
		"arn":       resource.NewProperty(fmt.Sprintf("arn:%s:iam::%s:user/deployer", partitionOf(m.region), AccountID)),
		"userId":    resource.NewProperty("AIDAMOCKDEPLOYER"),
	}, nil
}

// ssmParameter answers the AMI public parameters with a fixed, well-formed AMI ID.
func ssmParameter(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	name := args.Args["name"].StringValue()
	if !strings.HasPrefix(name, "/aws/service/ami-") {
		return nil, fmt.Errorf("harness: no mock value for SSM parameter %s", name)
	}
	return resource.PropertyMap{
		"id":    resource.NewProperty(name),
		"name":  resource.NewProperty(name),
		"type":  resource.NewProperty("String"),
		"value": resource.NewProperty("ami-0123456789abcdef0"),
	}, nil
}

// natGatewayState gives each NAT gateway a stable address from the documentation range.
func natGatewayState(args pulumi.MockResourceArgs) (resource.PropertyMap, error) {
	sum := sha256.Sum256([]byte(args.Name))
	return resource.PropertyMap{"publicIp": resource.NewProperty(fmt.Sprintf("203.0.113.%d", int(sum[0])%254+1))}, nil
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

func sortedUnique(values []string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}

// canonical renders property values as sorted JSON, for ordering invokes deterministically.
func canonical(props resource.PropertyMap) string {
	b, err := json.Marshal(props.Mappable())
	if err != nil {
		return fmt.Sprint(props)
	}
	return string(b)
}
