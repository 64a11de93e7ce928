package harness

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AccountID is the account the mocks pretend to run in (AWS's documentation account).
const AccountID = "123456789012"

// regionZones are the AZ suffixes the mocks report per region (the region's AZs that are opted
// in by default, https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html).
// The mocks answer no AZ lookup for another region: they never invent AZs.
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
	// awsProfile is the stack's aws:profile, which pulumi-eks writes into a kubeconfig.
	awsProfile string
	states     map[string]StateFunc
	invokes    map[string]InvokeFunc
	components map[string]ComponentFunc
	methods    map[string]MethodFunc

	// ctx is the running program's context: remote components register stand-ins through it.
	ctx *pulumi.Context

	mu     sync.Mutex
	record Record
	// standIns maps "<type>::<name>" of a stand-in being registered to its parent in the record
	// (the component it stands in for, or another stand-in) and its inputs' sources.
	standIns map[string]standIn
	// outputs are the states the mocks returned, by URN as the monitor knows it.
	outputs map[string]resource.PropertyMap
	// displayURN maps a stand-in's URN as the mock monitor knows it to the URN it would have as
	// the remote component's child.
	displayURN map[string]string
	// logGroups are the CloudWatch log groups that exist in the account before the run, outside
	// the stack (see ExistingLogGroups); a fresh account has none.
	logGroups []string
	// ids are the made-up IDs given so far, to the URN that got each: no two resources share one.
	ids map[string]string
}

// ComponentFunc answers a remote component's registration (its children run in a provider
// plugin, never under mocks) with the outputs the real component returns. It may register
// stand-ins for the component's children with Mocks.StandIn.
type ComponentFunc func(m *Mocks, component Resource) (resource.PropertyMap, error)

// MethodFunc answers a method call on a resource (a remote component's method, which runs in its
// provider plugin), given the resource's record and the call's arguments without __self__.
type MethodFunc func(m *Mocks, self Resource, args resource.PropertyMap) (resource.PropertyMap, error)

var _ pulumi.MockResourceMonitorWithMethodCall = (*Mocks)(nil)

// NewMocks answers for a stack in region. Components that need more answers (a remote
// component's outputs, another invoke) add them with State and Answer.
func NewMocks(project, stack, region string) *Mocks {
	m := &Mocks{
		project: project, stack: stack, region: region,
		states: map[string]StateFunc{}, invokes: map[string]InvokeFunc{}, components: map[string]ComponentFunc{}, methods: map[string]MethodFunc{},
		standIns: map[string]standIn{}, displayURN: map[string]string{}, outputs: map[string]resource.PropertyMap{},
		ids: map[string]string{},
	}
	m.Answer("aws:index/getAvailabilityZones:getAvailabilityZones", m.availabilityZones)
	m.Answer("aws:index/getPartition:getPartition", m.partition)
	m.Answer("aws:index/getRegion:getRegion", m.regionInfo)
	m.Answer("aws:index/getCallerIdentity:getCallerIdentity", m.callerIdentity)
	m.Answer("aws:ssm/getParameter:getParameter", ssmParameter)
	m.Answer("aws:cloudwatch/getLogGroups:getLogGroups", m.logGroupsByPrefix)
	m.State("aws:ec2/natGateway:NatGateway", publicIPState)
	m.State("aws:ec2/eip:Eip", publicIPState)
	m.State("aws:ec2/launchTemplate:LaunchTemplate", launchTemplateState)
	m.State("random:index/randomPassword:RandomPassword", randomPasswordState)
	m.State("aws:ecr/repository:Repository", m.repositoryState)
	m.State("aws:sqs/queue:Queue", m.queueState)
	m.State("aws:kms/key:Key", m.keyState)
	m.State(eksClusterType, m.eksClusterState)
	m.State("aws:eks/nodeGroup:NodeGroup", nodeGroupState)
	m.Component("eks:index:Cluster", eksClusterComponent)
	m.Method("eks:index:Cluster/getKubeconfig", eksGetKubeconfig)
	return m
}

// Method sets the answer to a method token.
func (m *Mocks) Method(token string, f MethodFunc) { m.methods[token] = f }

// ExistingLogGroups makes the account hold log groups of these names before the run, as EKS
// leaves `/aws/eks/<cluster>/cluster` behind after a destroy: pass it to Run.
func ExistingLogGroups(names ...string) func(*Mocks) {
	return func(m *Mocks) { m.logGroups = append(m.logGroups, names...) }
}

// Component sets the answer to a remote component type.
func (m *Mocks) Component(token string, f ComponentFunc) { m.components[token] = f }

// State sets the outputs computed for a resource type.
func (m *Mocks) State(token string, f StateFunc) { m.states[token] = f }

// Answer sets the answer to an invoke token.
func (m *Mocks) Answer(token string, f InvokeFunc) { m.invokes[token] = f }

// Record returns what was recorded, sorted by URN (resources) and token and arguments (invokes),
// with stand-ins shown under the remote component they stand in for.
func (m *Mocks) Record() *Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &Record{Invokes: slices.Clone(m.record.Invokes), Calls: slices.Clone(m.record.Calls)}
	for _, res := range m.record.Resources {
		r.Resources = append(r.Resources, m.display(res))
	}
	slices.SortFunc(r.Resources, func(a, b Resource) int { return strings.Compare(a.URN, b.URN) })
	slices.SortStableFunc(r.Invokes, func(a, b Invoke) int {
		return strings.Compare(a.Token+canonical(a.Args), b.Token+canonical(b.Args))
	})
	slices.SortStableFunc(r.Calls, func(a, b Call) int {
		return strings.Compare(a.Self+a.Token+canonical(a.Args), b.Self+b.Token+canonical(b.Args))
	})
	return r
}

// NewResource records a registration and returns a deterministic ID and state.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	res := m.recordOf(args)
	if f, ok := m.components[args.TypeToken]; ok && res.Remote {
		state, err := f(m, res)
		if err != nil {
			return "", nil, fmt.Errorf("mock of remote component %s: %w", res.URN, err)
		}
		res.Outputs = state
		m.mu.Lock()
		m.record.Resources = append(m.record.Resources, res)
		m.mu.Unlock()
		return "", state, nil
	}
	state := args.Inputs.Copy()
	if strings.HasPrefix(args.TypeToken, "aws:") && args.Custom {
		// A resource given no name gets one the way Pulumi autonames it: its logical name, a dash
		// and 7 hex digits. Never the bare logical name, which other resources share and which
		// literals (a cluster name, a Name tag) repeat: a value traced back to a made-up name
		// must find the one resource that has it.
		physical := autoName(args.Name, res.URN)
		if v, ok := state["name"]; ok && v.IsString() {
			physical = v.StringValue()
		}
		if _, ok := state["arn"]; !ok {
			state["arn"] = resource.NewProperty(m.arnOf(args.TypeToken, physical, args.Inputs))
		}
		if _, ok := state["name"]; !ok {
			state["name"] = resource.NewProperty(physical)
		}
	}
	id := args.ID
	if id == "" {
		id = madeUpID(args.Name, res.URN)
	}
	if f, ok := m.states[args.TypeToken]; ok {
		computed, err := f(args)
		if err != nil {
			return "", nil, fmt.Errorf("mock state of %s: %w", res.URN, err)
		}
		for k, v := range computed {
			state[k] = v
		}
		// A state may name the ID (a KMS key's ID is its key ID); "id" is not a property.
		if v, ok := computed["id"]; ok && v.IsString() && args.ID == "" {
			id = v.StringValue()
			delete(state, "id")
		}
	}
	res.ID, res.Outputs = id, state
	m.mu.Lock()
	defer m.mu.Unlock()
	if owner, taken := m.ids[id]; taken && args.Custom {
		return "", nil, fmt.Errorf("harness: made-up ID %s of %s was already given to %s", id, res.URN, owner)
	}
	if args.Custom {
		m.ids[id] = res.URN
	}
	m.record.Resources = append(m.record.Resources, res)
	m.outputs[res.URN] = state
	return id, state, nil
}

// madeUpID gives a resource an ID of its own: its name and a digest of its URN. Resources that
// share a name (a subnet, its route table and their association) must not share an ID, or a
// value traced back to its source finds the wrong resource.
func madeUpID(name, urn string) string {
	return name + "-" + digest(urn, 4)
}

// autoName is the physical name a resource gets without one: its name, "-" and 7 hex digits,
// digested from its URN so that runs compare equal.
func autoName(name, urn string) string {
	return name + "-" + digest(urn, 4)[:7]
}

// digest is the first n bytes of the SHA-256 of s, in hex.
func digest(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum[:n])
}

// Call answers an invoke, failing on one the harness does not know so that a new data source is
// answered on purpose rather than with nothing.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	f, ok := m.invokes[args.Token]
	if !ok {
		return nil, fmt.Errorf("harness: no mock answer for invoke %s", args.Token)
	}
	result, err := f(args)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.record.Invokes = append(m.record.Invokes, Invoke{Token: args.Token, Args: args.Args, Provider: args.Provider, Result: result})
	m.mu.Unlock()
	return result, nil
}

// MethodCall answers a method call on a resource and records it, failing on a method the harness
// does not know, like Call.
func (m *Mocks) MethodCall(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	f, ok := m.methods[args.Token]
	if !ok {
		return nil, fmt.Errorf("harness: no mock answer for method %s", args.Token)
	}
	self := args.Args["__self__"]
	var selfURN string
	switch {
	case self.IsResourceReference():
		selfURN = string(self.ResourceReferenceValue().URN)
	case self.IsString():
		selfURN = self.StringValue()
	}
	m.mu.Lock()
	var res Resource
	for _, r := range m.record.Resources {
		if r.URN == selfURN {
			res = r
		}
	}
	m.mu.Unlock()
	if res.URN == "" {
		return nil, fmt.Errorf("harness: method %s called on %q, which was not registered", args.Token, selfURN)
	}
	callArgs := args.Args.Copy()
	delete(callArgs, "__self__")
	result, err := f(m, res, callArgs)
	if err != nil {
		return nil, fmt.Errorf("mock of method %s on %s: %w", args.Token, res.URN, err)
	}
	m.mu.Lock()
	m.record.Calls = append(m.record.Calls, Call{Token: args.Token, Self: m.display(res).URN, Args: callArgs, Result: result})
	m.mu.Unlock()
	return result, nil
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
		Import:              rpc.GetImportId(),
		ReplaceOnChanges:    slices.Clone(rpc.GetReplaceOnChanges()),
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.standIns[args.TypeToken+"::"+args.Name]; ok {
		owner := s.parent
		display := m.urn(owner.URN, args.TypeToken, args.Name)
		m.displayURN[res.URN] = display
		res.StandIn = true
		res.Parent = owner.URN
		res.Provider = owner.Providers[packageOf(args.TypeToken)]
		for key, urns := range s.from {
			res.PropertyDependencies[key] = sortedUnique(urns)
			res.Dependencies = sortedUnique(append(res.Dependencies, urns...))
		}
	}
	return res
}

// display rewrites a recorded resource's URNs so that stand-ins appear as the remote component's
// children, and references to them follow.
func (m *Mocks) display(res Resource) Resource {
	rename := func(urn string) string {
		if d, ok := m.displayURN[urn]; ok {
			return d
		}
		return urn
	}
	res.URN = rename(res.URN)
	res.Parent = rename(res.Parent)
	deps := make([]string, len(res.Dependencies))
	for i, d := range res.Dependencies {
		deps[i] = rename(d)
	}
	res.Dependencies = sortedUnique(deps)
	if res.PropertyDependencies != nil {
		pd := map[string][]string{}
		for k, urns := range res.PropertyDependencies {
			renamed := make([]string, len(urns))
			for i, u := range urns {
				renamed[i] = rename(u)
			}
			pd[k] = sortedUnique(renamed)
		}
		res.PropertyDependencies = pd
	}
	return res
}

func packageOf(token string) string {
	pkg, _, _ := strings.Cut(token, ":")
	return pkg
}

// urn computes a resource's URN the way the mock monitor does.
func (m *Mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// arnShapes are the ARN resource parts of the types whose ARNs policies and tests read.
var arnShapes = map[string]string{
	"aws:iam/role:Role":                       "iam::%[2]s:role/%[3]s",
	"aws:iam/instanceProfile:InstanceProfile": "iam::%[2]s:instance-profile/%[3]s",
	"aws:iam/policy:Policy":                   "iam::%[2]s:policy/%[3]s",
	"aws:cloudwatch/logGroup:LogGroup":        "logs:%[1]s:%[2]s:log-group:%[3]s",
	"aws:eks/cluster:Cluster":                 "eks:%[1]s:%[2]s:cluster/%[3]s",
	"aws:kms/key:Key":                         "kms:%[1]s:%[2]s:key/%[3]s",
	"aws:sns/topic:Topic":                     "sns:%[1]s:%[2]s:%[3]s",
	"aws:sqs/queue:Queue":                     "sqs:%[1]s:%[2]s:%[3]s",
	"aws:cloudwatch/eventRule:EventRule":      "events:%[1]s:%[2]s:rule/%[3]s",
	"aws:cloudwatch/eventBus:EventBus":        "events:%[1]s:%[2]s:event-bus/%[3]s",
	"aws:ecr/repository:Repository":           "ecr:%[1]s:%[2]s:repository/%[3]s",
	"aws:secretsmanager/secret:Secret":        "secretsmanager:%[1]s:%[2]s:secret:%[3]s-AbCdEf",
}

// arnOf builds the ARN from the resource's physical name when its inputs give one (an OIDC
// provider's is its URL), else from its logical name.
func (m *Mocks) arnOf(token, name string, inputs resource.PropertyMap) string {
	if v, ok := inputs["name"]; ok && v.IsString() {
		name = v.StringValue()
	}
	if token == "aws:iam/openIdConnectProvider:OpenIdConnectProvider" {
		if v, ok := inputs["url"]; ok && v.IsString() {
			return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partitionOf(m.region), AccountID, strings.TrimPrefix(v.StringValue(), "https://"))
		}
	}
	if shape, ok := arnShapes[token]; ok {
		return fmt.Sprintf("arn:%s:", partitionOf(m.region)) + fmt.Sprintf(shape, m.region, AccountID, name)
	}
	module := strings.Split(token, ":")[1]
	module, kind, _ := strings.Cut(module, "/")
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s/%s", partitionOf(m.region), module, m.region, AccountID, strings.ToLower(kind), name)
}

func (m *Mocks) availabilityZones(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	suffixes, ok := regionZones[m.region]
	if !ok {
		return nil, fmt.Errorf("harness: no AZ data for region %q (it has %s)", m.region, strings.Join(slices.Sorted(maps.Keys(regionZones)), ", "))
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

// KnowsRegion says whether the mocks know the region's AZs.
func KnowsRegion(region string) bool {
	_, ok := regionZones[region]
	return ok
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

// mockAMI is the AMI ID the mocks answer for every AMI public parameter.
const mockAMI = "ami-0123456789abcdef0"

// ssmParameter answers the AMI public parameters with a fixed, well-formed AMI ID, the way the
// provider answers a String parameter: `value` secret (terraform-provider-aws marks it Sensitive
// whatever the type) and `insecureValue` plain (set for every type but SecureString).
func ssmParameter(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	name := args.Args["name"].StringValue()
	if !strings.HasPrefix(name, "/aws/service/ami-") {
		return nil, fmt.Errorf("harness: no mock value for SSM parameter %s", name)
	}
	return resource.PropertyMap{
		"id":            resource.NewProperty(name),
		"name":          resource.NewProperty(name),
		"type":          resource.NewProperty("String"),
		"value":         resource.MakeSecret(resource.NewProperty(mockAMI)),
		"insecureValue": resource.NewProperty(mockAMI),
	}, nil
}

// logGroupsByPrefix answers cloudwatch.GetLogGroups as the provider does (DescribeLogGroups by
// prefix, every page): the existing groups whose names start with the prefix, and no error when
// there are none.
func (m *Mocks) logGroupsByPrefix(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	prefix := ""
	if v := args.Args["logGroupNamePrefix"]; v.IsString() {
		prefix = v.StringValue()
	}
	names, arns := []resource.PropertyValue{}, []resource.PropertyValue{}
	for _, name := range slices.Sorted(slices.Values(m.logGroups)) {
		if strings.HasPrefix(name, prefix) {
			names = append(names, resource.NewProperty(name))
			arns = append(arns, resource.NewProperty(m.arnOf("aws:cloudwatch/logGroup:LogGroup", name, nil)))
		}
	}
	return resource.PropertyMap{
		"id":                 resource.NewProperty(m.region),
		"logGroupNamePrefix": resource.NewProperty(prefix),
		"logGroupNames":      resource.NewProperty(names),
		"arns":               resource.NewProperty(arns),
	}, nil
}

// publicIPState gives each NAT gateway and elastic IP a stable address from the documentation
// range, which the plan shows as a reference, never as an address.
func publicIPState(args pulumi.MockResourceArgs) (resource.PropertyMap, error) {
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

// randomPasswordState answers a generated password with a fixed secret of the asked length, so
// runs compare equal and nothing downstream can mistake it for a real one.
func randomPasswordState(args pulumi.MockResourceArgs) (resource.PropertyMap, error) {
	length := 16
	if v := args.Inputs["length"]; v.IsNumber() {
		length = int(v.NumberValue())
	}
	return resource.PropertyMap{"result": resource.MakeSecret(resource.NewProperty(strings.Repeat("x", length)))}, nil
}

// repositoryState gives a repository its registry URL.
func (m *Mocks) repositoryState(args pulumi.MockResourceArgs) (resource.PropertyMap, error) {
	name := args.Name
	if v := args.Inputs["name"]; v.IsString() {
		name = v.StringValue()
	}
	return resource.PropertyMap{
		"repositoryUrl": resource.NewProperty(fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, m.region, name)),
		"registryId":    resource.NewProperty(AccountID),
	}, nil
}

// queueState gives a queue its URL.
func (m *Mocks) queueState(args pulumi.MockResourceArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{
		"url": resource.NewProperty(fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", m.region, AccountID, args.Name)),
	}, nil
}

// nodeGroupState gives a node group without a nodeGroupName the name Pulumi's autonaming would:
// the resource name and a suffix (here stable, not random). Without it the output stays unknown
// in a preview, and so would every stack output that waits on it.
func nodeGroupState(args pulumi.MockResourceArgs) (resource.PropertyMap, error) {
	if v := args.Inputs["nodeGroupName"]; v.IsString() {
		return resource.PropertyMap{"nodeGroupName": v}, nil
	}
	sum := sha256.Sum256([]byte(args.Name))
	return resource.PropertyMap{"nodeGroupName": resource.NewProperty(fmt.Sprintf("%s-%x", args.Name, sum[:4])[:len(args.Name)+8])}, nil
}

// keyState gives a key its key ID, a UUID of its own, which is also the key's resource ID.
func (m *Mocks) keyState(args pulumi.MockResourceArgs) (resource.PropertyMap, error) {
	sum := digest(m.argsURN(args), 16)
	uuid := fmt.Sprintf("%s-%s-%s-%s-%s", sum[0:8], sum[8:12], sum[12:16], sum[16:20], sum[20:32])
	return resource.PropertyMap{"keyId": resource.NewProperty(uuid), "id": resource.NewProperty(uuid)}, nil
}

// argsURN is the URN of the resource being registered, as the mock monitor knows it.
func (m *Mocks) argsURN(args pulumi.MockResourceArgs) string {
	parent := ""
	if args.RegisterRPC != nil {
		parent = args.RegisterRPC.GetParent()
	}
	return m.urn(parent, args.TypeToken, args.Name)
}
