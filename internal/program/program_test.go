package program_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/eks"
	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/eks/storageclass"
	"github.com/mission-link/infra/gitops"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/internal/program"
	"github.com/mission-link/infra/internal/stackconfig"
	"github.com/mission-link/infra/internal/verify/expected"
	"github.com/mission-link/infra/secrets"
)

const (
	typeProvider    = "pulumi:providers:aws"
	typeSubnet      = "aws:ec2/subnet:Subnet"
	typeAssociation = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeSG          = "aws:ec2/securityGroup:SecurityGroup"
	typeInstance    = "aws:ec2/instance:Instance"
)

// testDate is the day the stacks are judged on (the EKS calendar's own date), never the clock.
const testDate = "2026-11-24"

func loadStack(t *testing.T, stack string) harness.StackConfig {
	t.Helper()
	cfg, err := harness.LoadStack("../..", stack)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func run(cfg harness.StackConfig) (*harness.Record, error) {
	in := stackconfig.Input{Values: cfg.Values, SecretKeys: cfg.SecretKeys, Date: testDate}
	return harness.Run(cfg, func(ctx *pulumi.Context) error { return program.Run(ctx, in) })
}

func runStack(t *testing.T, stack string) *harness.Record {
	t.Helper()
	r, err := run(loadStack(t, stack))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStackGraphs(t *testing.T) {
	common := map[string]int{
		typeProvider: 1,
		// the cluster component's, and pulumi-eks's two (<name>-eks-k8s, <name>-provider)
		"pulumi:providers:kubernetes": 3,
		// components
		"mission-link:vpc:Network":         1,
		"mission-link:eks:Cluster":         1,
		"eks:index:Cluster":                1,
		"eks:index:ServiceRole":            1, // pulumi-eks's cluster role
		"mission-link:ecr:Registry":        1,
		"mission-link:cicd:GitHubAccess":   1,
		"mission-link:messaging:Messaging": 1,
		"mission-link:secrets:Secrets":     1,
		"mission-link:app:Identity":        1,
		// network
		"aws:ec2/vpc:Vpc":                                   1,
		"aws:ec2/internetGateway:InternetGateway":           1,
		"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
		"aws:ec2/flowLog:FlowLog":                           1,
		"aws:cloudwatch/logGroup:LogGroup":                  2, // flow logs, control plane
		typeInstance:                                        1,
		"aws:iam/instanceProfile:InstanceProfile":           1,
		typeSG: 3, // bastion; pulumi-eks's cluster and node groups
		// pulumi-eks: the cluster group's egress, the node group's four rules and the cluster's 443 from nodes
		"aws:ec2/securityGroupRule:SecurityGroupRule": 6,
		// cluster
		"aws:kms/key:Key":                           3, // cluster secrets, messaging, the database secret
		"aws:eks/cluster:Cluster":                   1,
		"aws:eks/accessEntry:AccessEntry":           3, // nodes, CI preview, CI drift
		"aws:eks/addon:Addon":                       5,
		"aws:eks/nodeGroup:NodeGroup":               1,
		"aws:ec2/launchTemplate:LaunchTemplate":     1,
		"kubernetes:storage.k8s.io/v1:StorageClass": 1,
		"kubernetes:helm.sh/v3:Release":             1, // the Cluster Autoscaler (ArgoCD adds one in dev)
		// the CI preview role's read-only access to the cluster
		"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 2,
		// bastion, flow logs, nodes, EBS CSI, the cluster autoscaler, pulumi-eks's cluster role, push, CI preview and drift, app
		"aws:iam/role:Role":                                   10,
		"aws:iam/rolePolicy:RolePolicy":                       5, // flow logs, push, app, drift secret, cluster autoscaler
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment":   9, // bastion, 4 node, EBS CSI, pulumi-eks, CI preview and drift
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider": 2, // EKS, GitHub
		// registry, messaging, secrets
		"aws:ecr/repository:Repository":                  1,
		"aws:ecr/lifecyclePolicy:LifecyclePolicy":        1,
		"aws:cloudwatch/eventBus:EventBus":               1,
		"aws:cloudwatch/eventRule:EventRule":             1,
		"aws:cloudwatch/eventTarget:EventTarget":         1,
		"aws:kms/alias:Alias":                            1,
		"aws:sns/topic:Topic":                            1,
		"aws:sns/topicPolicy:TopicPolicy":                1,
		"aws:sns/topicSubscription:TopicSubscription":    1,
		"aws:sqs/queue:Queue":                            1,
		"aws:sqs/queuePolicy:QueuePolicy":                1,
		"aws:secretsmanager/secret:Secret":               1,
		"aws:secretsmanager/secretVersion:SecretVersion": 1,
		"random:index/randomPassword:RandomPassword":     1,
	}
	// gitops is on in dev only: prod has no overlay of its own yet.
	argocd := map[string]int{
		"mission-link:gitops:ArgoCD":                  1,
		"kubernetes:core/v1:Namespace":                1,
		"kubernetes:helm.sh/v3:Release":               2,
		"kubernetes:argoproj.io/v1alpha1:Application": 1,
	}
	// dev's NAT is an instance: its interface, elastic IP, security group and SSM role (with its attachment).
	natInstance := map[string]int{
		typeInstance: 2, // bastion, NAT
		"aws:iam/instanceProfile:InstanceProfile":   2,
		"aws:ec2/networkInterface:NetworkInterface": 1,
		"aws:ec2/eip:Eip":                           1,
		typeSG:                                      4, // bastion, pulumi-eks's cluster and node groups, NAT
		"aws:iam/role:Role":                         11,
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment": 10,
	}
	cases := []struct {
		stack   string
		zones   int
		nats    int
		protect bool
		extra   []map[string]int
	}{
		{"dev", 2, 0, false, []map[string]int{argocd, natInstance}},
		{"prod", 3, 3, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			r := runStack(t, tc.stack)
			want := maps.Clone(common)
			want[typeSubnet] = 2 * tc.zones
			want[typeAssociation] = 2 * tc.zones
			want["aws:ec2/routeTable:RouteTable"] = 1 + tc.zones
			want["aws:ec2/route:Route"] = 1 + tc.zones
			if tc.nats > 0 {
				want["aws:ec2/natGateway:NatGateway"] = tc.nats
				want["aws:ec2/eip:Eip"] = tc.nats
			}
			want["aws:ec2/vpcEndpoint:VpcEndpoint"] = 1 // S3, on every private route table
			want["aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation"] = tc.zones
			for _, extra := range tc.extra {
				maps.Copy(want, extra)
			}
			if got := r.CountByType(); !reflect.DeepEqual(got, want) {
				t.Errorf("resources per type:\n got %v\nwant %v", got, want)
			}
			for _, err := range reviewerChecks(r, tc.stack) {
				t.Error(err)
			}
			for _, typ := range []string{"aws:cloudwatch/logGroup:LogGroup", "aws:kms/key:Key", "aws:ecr/repository:Repository",
				"aws:secretsmanager/secret:Secret", "aws:sqs/queue:Queue"} {
				for _, res := range r.ByType(typ) {
					if res.Options.Protect != tc.protect {
						t.Errorf("%s protect = %v, want %v", res.Name, res.Options.Protect, tc.protect)
					}
				}
			}
		})
	}
}

// reviewerChecks are what a reviewer checks on any graph of this stack. They are held against
// deliberately broken graphs in TestReviewerChecksCatchBrokenGraphs.
func reviewerChecks(r *harness.Record, stack string) []error {
	var errs []error
	errs = append(errs, checkAssociations(r)...)
	errs = append(errs, checkNoSSHFromTheWorld(r)...)
	errs = append(errs, checkTags(r, stack)...)
	errs = append(errs, checkBastion(r)...)
	errs = append(errs, checkNatInstance(r)...)
	errs = append(errs, checkTopicAcceptsRule(r)...)
	return errs
}

// checkTopicAcceptsRule: every EventBridge target that is an SNS topic has a topic policy, made
// from the target's rule, that lets EventBridge publish for that rule only; otherwise events are
// dropped silently.
func checkTopicAcceptsRule(r *harness.Record) []error {
	var errs []error
	for _, target := range r.ByType("aws:cloudwatch/eventTarget:EventTarget") {
		topic, err := r.InputSource(target, "arn")
		if err != nil || topic.Type != "aws:sns/topic:Topic" {
			continue
		}
		rule, err := r.InputSource(target, "rule")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		accepted := false
		for _, policy := range r.ByType("aws:sns/topicPolicy:TopicPolicy") {
			if on, err := r.InputSource(policy, "arn"); err != nil || on.URN != topic.URN || !slices.Contains(policy.PropertyDependencies["policy"], rule.URN) {
				continue
			}
			doc, err := iampolicy.Parse(policy.String("policy"))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, st := range doc.Statement {
				if slices.Equal(st.Principal.Service, []string{"events.amazonaws.com"}) && slices.Equal(st.Action, []string{"sns:Publish"}) &&
					len(st.Condition["ArnEquals"]["aws:SourceArn"]) == 1 {
					accepted = true
				}
			}
		}
		if !accepted {
			errs = append(errs, fmt.Errorf("topic %s does not let EventBridge publish for rule %s", topic.Name, rule.Name))
		}
	}
	return errs
}

// checkAssociations: every subnet has exactly one route-table association, and every association
// names a registered subnet.
func checkAssociations(r *harness.Record) []error {
	var errs []error
	count := map[string]int{}
	for _, a := range r.ByType(typeAssociation) {
		deps := a.PropertyDependencies["subnetId"]
		if len(deps) != 1 {
			errs = append(errs, fmt.Errorf("association %s names %d subnets", a.Name, len(deps)))
			continue
		}
		if s, ok := r.ByURN(deps[0]); !ok || s.Type != typeSubnet {
			errs = append(errs, fmt.Errorf("association %s names %s, not a subnet of the stack", a.Name, deps[0]))
		}
		count[deps[0]]++
	}
	for _, s := range r.ByType(typeSubnet) {
		if count[s.URN] != 1 {
			errs = append(errs, fmt.Errorf("subnet %s has %d route-table associations, want exactly 1", s.Name, count[s.URN]))
		}
	}
	return errs
}

// checkNoSSHFromTheWorld: no security group rule lets the internet reach port 22.
func checkNoSSHFromTheWorld(r *harness.Record) []error {
	var errs []error
	for _, sg := range r.ByType(typeSG) {
		var cidrs []string
		for _, rule := range sg.Objects("ingress") {
			from, _ := rule.Number("fromPort")
			to, _ := rule.Number("toPort")
			all := rule.String("protocol") == "-1"
			if !all && (from > 22 || to < 22) {
				continue
			}
			cidrs = append(cidrs, append(rule.Strings("cidrBlocks"), rule.Strings("ipv6CidrBlocks")...)...)
		}
		if awsspec.OpenToWorldCIDRs(cidrs) {
			errs = append(errs, fmt.Errorf("security group %s opens SSH to the world: %v", sg.Name, cidrs))
		}
	}
	return errs
}

// checkTags: the one AWS provider carries the stack's default tags, and every AWS resource uses it.
func checkTags(r *harness.Record, stack string) []error {
	providers := r.ByType(typeProvider)
	if len(providers) != 1 {
		return []error{fmt.Errorf("%d AWS providers, want 1", len(providers))}
	}
	p := providers[0]
	var errs []error
	if p.String("region") != "ap-northeast-2" {
		errs = append(errs, fmt.Errorf("provider region %q", p.String("region")))
	}
	tags := p.StringMap("defaultTags.tags")
	for k, v := range map[string]string{"Project": "mission-link", "Stack": stack, "ManagedBy": "pulumi", "Environment": stack} {
		if tags[k] != v {
			errs = append(errs, fmt.Errorf("provider default tag %s = %q, want %q", k, tags[k], v))
		}
	}
	for _, res := range r.Resources {
		if res.Custom && strings.HasPrefix(res.Type, "aws:") && res.ProviderURN() != p.URN {
			errs = append(errs, fmt.Errorf("%s does not use the tagged provider (%q)", res.URN, res.Provider))
		}
		// The config check leaves room for exactly the tags the program sets itself.
		own := map[string]bool{stackconfig.TagProject: true, stackconfig.TagStack: true, stackconfig.TagManagedBy: true}
		for k := range res.StringMap("tags") {
			if k != "Environment" {
				own[k] = true
			}
		}
		if len(own) > stackconfig.ProgramTagsPerResource {
			errs = append(errs, fmt.Errorf("%s carries %d tags of the program's own, more than stackconfig.ProgramTagsPerResource (%d)", res.Name, len(own), stackconfig.ProgramTagsPerResource))
		}
	}
	return errs
}

// checkBastion: IMDSv2 required, no public IP, no key pair, in a private subnet.
func checkBastion(r *harness.Record) []error {
	var errs []error
	for _, b := range r.ByType(typeInstance) {
		if !strings.HasSuffix(b.Name, "-bastion") {
			continue
		}
		if b.String("metadataOptions.httpTokens") != "required" {
			errs = append(errs, fmt.Errorf("instance %s does not require IMDSv2", b.Name))
		}
		if public, set := b.Bool("associatePublicIpAddress"); !set || public {
			errs = append(errs, fmt.Errorf("instance %s may get a public IP", b.Name))
		}
		if b.String("keyName") != "" {
			errs = append(errs, fmt.Errorf("instance %s has a key pair", b.Name))
		}
		subnet, err := r.InputSource(b, "subnetId")
		if err != nil || subnet.StringMap("tags")["kubernetes.io/role/internal-elb"] != "1" {
			errs = append(errs, fmt.Errorf("instance %s is not in a private subnet", b.Name))
		}
	}
	return errs
}

// checkNatInstance: a NAT instance sits behind an interface in a public subnet with its
// source/destination check off, admits only the VPC, requires IMDSv2, has no key pair, and every
// private default route goes to that interface.
func checkNatInstance(r *harness.Record) []error {
	var errs []error
	for _, inst := range r.ByType(typeInstance) {
		if !strings.HasSuffix(inst.Name, "-nat-instance") {
			continue
		}
		if inst.String("metadataOptions.httpTokens") != "required" || inst.String("keyName") != "" {
			errs = append(errs, fmt.Errorf("NAT instance %s: IMDSv2 not required or a key pair", inst.Name))
		}
		eni, ok := r.ByURN(first(inst.PropertyDependencies["networkInterfaces"]))
		if !ok {
			errs = append(errs, fmt.Errorf("NAT instance %s has no interface of its own", inst.Name))
			continue
		}
		subnet, _ := r.ByURN(first(eni.PropertyDependencies["subnetId"]))
		if subnet.StringMap("tags")["kubernetes.io/role/elb"] != "1" {
			errs = append(errs, fmt.Errorf("NAT instance %s is not in a public subnet", inst.Name))
		}
		if check, set := eni.Bool("sourceDestCheck"); !set || check {
			errs = append(errs, fmt.Errorf("NAT interface %s checks source/destination: it would drop what it forwards", eni.Name))
		}
		sg, _ := r.ByURN(first(eni.PropertyDependencies["securityGroups"]))
		vpc := r.ByType("aws:ec2/vpc:Vpc")[0].String("cidrBlock")
		for _, rule := range sg.Objects("ingress") {
			if !slices.Equal(rule.Strings("cidrBlocks"), []string{vpc}) {
				errs = append(errs, fmt.Errorf("NAT security group %s admits %v, not only the VPC %s", sg.Name, rule.Strings("cidrBlocks"), vpc))
			}
		}
		for _, route := range r.ByType("aws:ec2/route:Route") {
			if strings.Contains(route.Name, "-private-") && first(route.PropertyDependencies["networkInterfaceId"]) != eni.URN {
				errs = append(errs, fmt.Errorf("private route %s does not go to the NAT interface", route.Name))
			}
		}
	}
	return errs
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// TestReviewerChecksCatchBrokenGraphs proves the checks above can fail: each breaks a good graph
// the way the team before us broke theirs.
func TestReviewerChecksCatchBrokenGraphs(t *testing.T) {
	breakages := map[string]func(r *harness.Record){
		"duplicated association": func(r *harness.Record) {
			r.Resources = append(r.Resources, r.ByType(typeAssociation)[0])
		},
		"unassociated subnet": func(r *harness.Record) {
			r.Resources = slices.DeleteFunc(r.Resources, func(res harness.Resource) bool {
				return res.Type == typeAssociation && strings.Contains(res.Name, "private")
			})
		},
		"SSH from the world": func(r *harness.Record) {
			sg := index(r, typeSG)
			rule := resource.PropertyMap{
				"protocol": resource.NewProperty("tcp"), "fromPort": resource.NewProperty(22.0),
				"toPort": resource.NewProperty(22.0), "cidrBlocks": resource.NewProperty([]resource.PropertyValue{resource.NewProperty("0.0.0.0/0")}),
			}
			r.Resources[sg].Inputs = r.Resources[sg].Inputs.Copy()
			r.Resources[sg].Inputs["ingress"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(rule)})
		},
		"IMDSv1 allowed": func(r *harness.Record) {
			i := index(r, typeInstance)
			r.Resources[i].Inputs = r.Resources[i].Inputs.Copy()
			delete(r.Resources[i].Inputs, "metadataOptions")
		},
		"topic closed to the rule": func(r *harness.Record) {
			r.Resources = slices.DeleteFunc(r.Resources, func(res harness.Resource) bool { return res.Type == "aws:sns/topicPolicy:TopicPolicy" })
		},
		"NAT interface checking source/destination": func(r *harness.Record) {
			i := index(r, "aws:ec2/networkInterface:NetworkInterface")
			r.Resources[i].Inputs = r.Resources[i].Inputs.Copy()
			delete(r.Resources[i].Inputs, "sourceDestCheck")
		},
		"NAT open to the world": func(r *harness.Record) {
			i := slices.IndexFunc(r.Resources, func(res harness.Resource) bool {
				return res.Type == typeSG && strings.HasSuffix(res.Name, "-nat-instance")
			})
			rule := resource.PropertyMap{"protocol": resource.NewProperty("-1"),
				"cidrBlocks": resource.NewProperty([]resource.PropertyValue{resource.NewProperty("0.0.0.0/0")})}
			r.Resources[i].Inputs = r.Resources[i].Inputs.Copy()
			r.Resources[i].Inputs["ingress"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(rule)})
		},
		"untagged resource": func(r *harness.Record) {
			r.Resources[index(r, typeSubnet)].Provider = ""
		},
	}
	for name, breakGraph := range breakages {
		t.Run(name, func(t *testing.T) {
			r := runStack(t, "dev")
			breakGraph(r)
			if errs := reviewerChecks(r, "dev"); len(errs) == 0 {
				t.Fatal("the checks did not notice")
			}
		})
	}
}

func index(r *harness.Record, token string) int {
	return slices.IndexFunc(r.Resources, func(res harness.Resource) bool { return res.Type == token })
}

// TestRunsProduceIdenticalGraphs runs each stack several times: registrations happen on
// goroutines, and a dependency taken on a component (whose children the Go SDK learns of only as
// their registrations start) once made the graph differ between runs.
func TestRunsProduceIdenticalGraphs(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		first := runStack(t, stack)
		for i := range 8 {
			if again := runStack(t, stack); !reflect.DeepEqual(first, again) {
				t.Fatalf("%s: run %d differs from the first", stack, i+2)
			}
		}
	}
}

func TestBadConfigRegistersNothing(t *testing.T) {
	cfg := loadStack(t, "dev")
	cfg.Values = maps.Clone(cfg.Values)
	cfg.Values["mission-link:network"] = `{"cidrBlock":"10.20.0.1/16","natGateway":"perAz","availabilityZoneCount":3,` +
		`"bastion":{"enabled":true,"sshCidrs":["0.0.0.0/0"]}}`
	r, err := run(cfg)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, key := range []string{"network.cidrBlock", "network.natGateway ", "network.bastion.sshCidrs[0]"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not report %s:\n%v", key, err)
		}
	}
	if len(r.Resources) != 0 {
		t.Errorf("%d resources registered before the config error", len(r.Resources))
	}
}

func TestAZCountAboveTheRegionRegistersNothing(t *testing.T) {
	cfg := loadStack(t, "dev")
	cfg.Values = maps.Clone(cfg.Values)
	cfg.Values["mission-link:network"] = `{"availabilityZoneCount":5}`
	r, err := run(cfg)
	if err == nil || !strings.Contains(err.Error(), "network.availabilityZoneCount (5) must be at most 4") {
		t.Fatalf("error %v", err)
	}
	if len(r.Resources) != 0 {
		t.Errorf("%d resources registered before the config error", len(r.Resources))
	}
}

// TestPodsThatCannotFitRegisterNothing: /26 private subnets on two AZs leave two t3.medium
// nodes' pods no address; the program stops before the first resource, naming the key and what
// fits, where it used to build the cluster and report success.
func TestPodsThatCannotFitRegisterNothing(t *testing.T) {
	cfg := loadStack(t, "dev")
	cfg.Values = maps.Clone(cfg.Values)
	cfg.Values["mission-link:network"] = `{"cidrBlock":"10.20.0.0/16","privateSubnetPrefixLength":26}`
	r, err := run(cfg)
	if err == nil || !strings.Contains(err.Error(), "network.privateSubnetPrefixLength (26) leaves the pods 0 addresses") || !strings.Contains(err.Error(), "Use 25 or less") {
		t.Fatalf("error %v", err)
	}
	if len(r.Resources) != 0 {
		t.Errorf("%d resources registered before the config error", len(r.Resources))
	}
}

// TestNodesWaitForEgress: a node's first boot pulls images from ECR and registers with the EKS
// API through the NAT, so the node group is created after every private subnet's route table
// association, default route and NAT (instance in dev, a gateway per AZ in prod). A subnet ID is
// known long before its routes; only the network's PrivateSubnetIDs carry this ordering.
func TestNodesWaitForEgress(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		r, err := run(loadStack(t, stack))
		if err != nil {
			t.Fatal(err)
		}
		ng := harnesstest.Only(t, r, "aws:eks/nodeGroup:NodeGroup")
		var egress []harness.Resource
		for _, res := range r.Resources {
			private := strings.Contains(res.Name, "-private-")
			switch {
			case res.Type == typeAssociation && private,
				res.Type == "aws:ec2/route:Route" && private,
				res.Type == "aws:ec2/natGateway:NatGateway",
				res.Type == typeInstance && strings.HasSuffix(res.Name, "-nat-instance"):
				egress = append(egress, res)
			}
		}
		if len(egress) < 5 {
			t.Fatalf("%s: egress %d resources", stack, len(egress))
		}
		for _, res := range egress {
			if !slices.Contains(ng.PropertyDependencies["subnetIds"], res.URN) {
				t.Errorf("%s: the node group does not wait for %s %s", stack, res.Type, res.Name)
			}
		}
	}
}

// TestProjectFileDocumentsEveryKey keeps Pulumi.yaml's config block and the program's keys in step,
// and checks that Pulumi's own loader accepts the project and stack files.
func TestProjectFileDocumentsEveryKey(t *testing.T) {
	project, err := workspace.LoadProject("../../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if project.Name != "mission-link" || project.Runtime.Name() != "go" {
		t.Errorf("project %s runtime %s", project.Name, project.Runtime.Name())
	}
	documented := slices.Sorted(maps.Keys(project.Config))
	var keys []string
	typ := reflect.TypeFor[stackconfig.Stack]()
	for i := range typ.NumField() {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != "-" {
			keys = append(keys, name)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(documented, keys) {
		t.Errorf("Pulumi.yaml documents %v, the program reads %v", documented, keys)
	}
	for _, key := range documented {
		if project.Config[key].Description == "" {
			t.Errorf("Pulumi.yaml: %s has no description", key)
		}
	}
	// The CLI refuses a plain-text password only for a typed key declared secret, and would store
	// a default as plain text (then refuse it): so typed, secret and without a default.
	if pw := project.Config["databasePassword"]; !pw.Secret || pw.TypeName() != "string" || pw.Default != nil {
		t.Errorf("Pulumi.yaml: databasePassword is secret %v, type %q, default %v; want secret, string, none", pw.Secret, pw.TypeName(), pw.Default)
	}
	for _, stack := range []string{"dev", "prod"} {
		if _, err := stackconfig.Parse("mission-link", stack, stackconfig.Input{Values: loadStack(t, stack).Values, Date: testDate}); err != nil {
			t.Errorf("Pulumi.%s.yaml: %v", stack, errors.Unwrap(err))
		}
	}
}

// TestDevClusterFitsTheApp is the cluster issue's acceptance on the real dev stack file: one node
// group of t3.medium scaling 1/1/2 with prefix delegation, the EBS CSI driver with its IRSA role,
// and gp3 as the default class.
func TestDevClusterFitsTheApp(t *testing.T) {
	r := runStack(t, "dev")
	groups := r.ByType("aws:eks/nodeGroup:NodeGroup")
	if len(groups) != 1 {
		t.Fatalf("%d node groups", len(groups))
	}
	ng := groups[0]
	minSize, _ := ng.Number("scalingConfig.minSize")
	desired, _ := ng.Number("scalingConfig.desiredSize")
	maxSize, _ := ng.Number("scalingConfig.maxSize")
	// Spot, with a second type of the same size for when t3.medium spot capacity runs out.
	if !slices.Equal(ng.Strings("instanceTypes"), []string{"t3.medium", "t3a.medium"}) || ng.String("capacityType") != "SPOT" ||
		minSize != 1 || desired != 1 || maxSize != 2 {
		t.Errorf("node group %v %s %v/%v/%v", ng.Strings("instanceTypes"), ng.String("capacityType"), minSize, desired, maxSize)
	}
	addons := map[string]harness.Resource{}
	for _, a := range r.ByType("aws:eks/addon:Addon") {
		addons[a.String("addonName")] = a
	}
	if !strings.Contains(addons["vpc-cni"].String("configurationValues"), `"ENABLE_PREFIX_DELEGATION":"true"`) || !ng.DependsOn(addons["vpc-cni"].URN) {
		t.Error("nodes do not start with prefix delegation")
	}
	ebs := addons["aws-ebs-csi-driver"]
	roleURN := first(ebs.PropertyDependencies["serviceAccountRoleArn"])
	role, ok := r.ByURN(roleURN)
	if !ok || !strings.Contains(role.String("assumeRolePolicy"), `:sub":["system:serviceaccount:kube-system:ebs-csi-controller-sa"]`) ||
		!strings.Contains(role.String("assumeRolePolicy"), `:aud":["sts.amazonaws.com"]`) {
		t.Errorf("EBS CSI role trust: %s", role.String("assumeRolePolicy"))
	}
	classes := r.ByType("kubernetes:storage.k8s.io/v1:StorageClass")
	if len(classes) != 1 || classes[0].StringMap("metadata.annotations")["storageclass.kubernetes.io/is-default-class"] != "true" ||
		classes[0].StringMap("parameters")["type"] != "gp3" {
		t.Errorf("storage classes %v", classes)
	}
	for _, s := range r.ByType(typeSubnet) {
		if s.StringMap("tags")["kubernetes.io/cluster/mission-link-dev"] != "shared" {
			t.Errorf("subnet %s lacks the cluster's discovery tag", s.Name)
		}
	}
	var nodeSubnets []string
	for _, urn := range ng.PropertyDependencies["subnetIds"] {
		if s, ok := r.ByURN(urn); ok && s.Type == typeSubnet {
			nodeSubnets = append(nodeSubnets, s.Name)
			if s.StringMap("tags")["kubernetes.io/role/internal-elb"] != "1" {
				t.Errorf("node group subnet %s is not private", s.Name)
			}
		}
	}
	if len(nodeSubnets) != 2 {
		t.Errorf("nodes in subnets %v, want the two private ones", nodeSubnets)
	}
}

// TestAutoscalerSwitch: the dev stack file turns the Cluster Autoscaler on (its release, and the
// node group's desired size left to it); cluster.autoscaler.enabled: false removes both.
func TestAutoscalerSwitch(t *testing.T) {
	releases := func(r *harness.Record) (n int) {
		for _, rel := range r.ByType("kubernetes:helm.sh/v3:Release") {
			if rel.String("chart") == "cluster-autoscaler" {
				n++
			}
		}
		return n
	}
	on := runStack(t, "dev")
	ng := on.ByType("aws:eks/nodeGroup:NodeGroup")[0]
	if releases(on) != 1 || !slices.Equal(ng.Options.IgnoreChanges, []string{"scalingConfig.desiredSize"}) {
		t.Errorf("dev: %d autoscaler releases, node group ignores %v", releases(on), ng.Options.IgnoreChanges)
	}
	cfg := loadStack(t, "dev")
	cfg.Values = maps.Clone(cfg.Values)
	var cluster map[string]any
	if err := json.Unmarshal([]byte(cfg.Values["mission-link:cluster"]), &cluster); err != nil {
		t.Fatal(err)
	}
	cluster["autoscaler"] = map[string]any{"enabled": false}
	text, err := json.Marshal(cluster)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Values["mission-link:cluster"] = string(text)
	off, err := run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ng = off.ByType("aws:eks/nodeGroup:NodeGroup")[0]
	if releases(off) != 0 || len(ng.Options.IgnoreChanges) != 0 {
		t.Errorf("autoscaler off: %d autoscaler releases, node group ignores %v", releases(off), ng.Options.IgnoreChanges)
	}
	if _, ok := off.Get("aws:iam/role:Role", "mission-link-dev-cluster-autoscaler"); ok {
		t.Error("autoscaler off: its role is still created")
	}
}

type stackOutputs struct {
	values map[string]any
	secret map[string]bool
}

// buildStack runs program.Build and captures the stack outputs, for assertions after the run.
func buildStack(t *testing.T, stack string) (*harness.Record, stackOutputs) {
	t.Helper()
	cfg := loadStack(t, stack)
	in := stackconfig.Input{Values: cfg.Values, SecretKeys: cfg.SecretKeys, Date: testDate}
	out := stackOutputs{secret: map[string]bool{}}
	r, err := harness.Run(cfg, func(ctx *pulumi.Context) error {
		outputs, err := program.Build(ctx, in)
		if err != nil {
			return err
		}
		for key, value := range outputs {
			out.secret[key] = pulumi.IsSecret(pulumi.ToOutput(value))
		}
		outputs.ToMapOutput().ApplyT(func(m map[string]any) map[string]any { out.values = m; return m })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, out
}

func TestStackOutputs(t *testing.T) {
	r, out := buildStack(t, "dev")
	want := []string{
		"appEventSource", "appNamespace", "appRoleArn", "appServiceAccount", "appServiceAccountAnnotations",
		"argocdApplication", "argocdNamespace", "availabilityZones", "bastionInstanceId", "bastionPortForwardCommand", "bastionSessionCommand",
		"clusterAutoscalerDeployment", "clusterAutoscalerNamespace", "clusterAutoscalerRoleArn", "clusterAutoscalerServiceAccount",
		"clusterEndpoint", "clusterLogTypes", "clusterName", "clusterVersion", "databaseSecretArn", "databaseSecretName",
		"deadLetterQueueArn", "deadLetterQueueUrl", "driftRoleArn",
		"eventBusArn", "eventBusName", "eventRuleArn", "githubOidcProviderArn", "kubeconfig", "natGatewayPublicIps", "nodeGroupName",
		"notificationEmails", "oidcIssuerUrl", "oidcProviderArn", "previewRoleArn", "privateSubnetIds", "publicSubnetIds", "pushRoleArn",
		"region", "repositoryUrl", "storageClassName", "topicArn", "updateKubeconfigCommand", "vpcId",
	}
	if got := slices.Sorted(maps.Keys(out.values)); !slices.Equal(got, want) {
		t.Errorf("outputs %v\nwant %v", got, want)
	}
	for key, secret := range out.secret {
		if secret != (key == "kubeconfig") {
			t.Errorf("output %s secret = %v", key, secret)
		}
	}
	appRole, _ := r.Get("aws:iam/role:Role", "mission-link-dev-app")
	annotations, _ := out.values["appServiceAccountAnnotations"].(map[string]string)
	if annotations["eks.amazonaws.com/role-arn"] != appRole.Outputs["arn"].StringValue() {
		t.Errorf("service account annotation %v, want the app role's ARN", annotations)
	}
	// The roles have no name input, so AWS's names (and ARNs) are Pulumi's autonames.
	previewRole, _ := r.Get("aws:iam/role:Role", "mission-link-dev-preview")
	if arn, _ := out.values["previewRoleArn"].(string); arn != previewRole.Outputs["arn"].StringValue() ||
		!strings.HasPrefix(arn, "arn:aws:iam::123456789012:role/mission-link-dev-preview-") {
		t.Errorf("preview role ARN %v, what the infrastructure repository's PULUMI_PREVIEW_ROLE_ARN is set to", out.values["previewRoleArn"])
	}
	if out.values["repositoryUrl"] != "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev" {
		t.Errorf("repository URL %v", out.values["repositoryUrl"])
	}
	if out.values["appEventSource"] != "mission-link" || out.values["appNamespace"] != "mission-link" {
		t.Errorf("app settings %v %v", out.values["appEventSource"], out.values["appNamespace"])
	}
	if cmd, _ := out.values["bastionSessionCommand"].(string); !strings.HasPrefix(cmd, "aws ssm start-session --region ap-northeast-2 --target ") {
		t.Errorf("bastion command %q", cmd)
	}
	// What a verifier needs to find the autoscaler: kubectl -n <namespace> get deploy/<deployment>.
	if out.values["clusterAutoscalerNamespace"] != "kube-system" || out.values["clusterAutoscalerDeployment"] != "cluster-autoscaler" ||
		out.values["clusterAutoscalerServiceAccount"] != "cluster-autoscaler" ||
		!strings.HasPrefix(fmt.Sprint(out.values["clusterAutoscalerRoleArn"]), "arn:aws:iam::123456789012:role/mission-link-dev-cluster-autoscaler-") {
		t.Errorf("autoscaler outputs %v %v %v %v", out.values["clusterAutoscalerNamespace"], out.values["clusterAutoscalerDeployment"],
			out.values["clusterAutoscalerServiceAccount"], out.values["clusterAutoscalerRoleArn"])
	}
}

// TestOutputsAreWhatVerifyReads: cmd/verify reads the outputs as `pulumi stack output --json`
// prints them, secrets blinded as "[secret]" (it reads without --show-secrets, so it needs no
// passphrase or kms:Decrypt), and checks the deployed stack against what they say was configured.
func TestOutputsAreWhatVerifyReads(t *testing.T) {
	cfg := loadStack(t, "dev")
	_, out := buildStack(t, "dev")
	// IDs AWS assigns, which the mocks leave empty or as the logical name.
	out.values["nodeGroupName"] = "mission-link-dev-nodes-5c2e9a1"
	out.values["bastionInstanceId"] = "i-0c4f1a9e2b7d35810"
	blinded := 0
	for key, secret := range out.secret {
		if secret {
			out.values[key] = "[secret]"
			blinded++
		}
	}
	if blinded == 0 {
		t.Fatal("no secret output to blind: the kubeconfig is one")
	}
	text, err := json.Marshal(out.values)
	if err != nil {
		t.Fatal(err)
	}
	got, err := expected.ReadOutputs(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("verify cannot read the dev stack's outputs: %v", err)
	}
	if got.Region != "ap-northeast-2" || got.ClusterVersion != eksargs.DefaultVersion || got.StorageClassName != storageclass.Name {
		t.Errorf("region %q, cluster version %q, storage class %q", got.Region, got.ClusterVersion, got.StorageClassName)
	}
	if !slices.Equal(got.ClusterLogTypes, eks.ControlPlaneLogTypes) {
		t.Errorf("cluster log types %v, want %v", got.ClusterLogTypes, eks.ControlPlaneLogTypes)
	}
	var emails []string
	if err := json.Unmarshal([]byte(cfg.Values["mission-link:messaging"]), &struct {
		NotificationEmails *[]string `json:"notificationEmails"`
	}{&emails}); err != nil {
		t.Fatal(err)
	}
	if len(emails) == 0 || !slices.Equal(got.NotificationEmails, emails) {
		t.Errorf("notification emails %v, want the stack file's %v", got.NotificationEmails, emails)
	}
	if got.EventRuleName() == "" || !strings.HasSuffix(got.EventRuleARN, "/"+got.EventRuleName()) {
		t.Errorf("event rule %q of %q", got.EventRuleName(), got.EventRuleARN)
	}
	if got.ArgoCDApplication != gitops.ApplicationName || got.ArgoCDNamespace == "" {
		t.Errorf("argocd application %q in %q", got.ArgoCDApplication, got.ArgoCDNamespace)
	}
}

// TestVerifyNamesTheStacksAddons: verify looks for the addons the program creates, by the same
// names.
func TestVerifyNamesTheStacksAddons(t *testing.T) {
	if expected.AddonEBSCSI != eks.AddonEBSCSI || expected.AddonVpcCni != eks.AddonVpcCni || expected.EBSCSIProvisioner != storageclass.Provisioner {
		t.Errorf("verify expects %s, %s and %s; the program creates %s, %s and %s", expected.AddonEBSCSI, expected.AddonVpcCni, expected.EBSCSIProvisioner,
			eks.AddonEBSCSI, eks.AddonVpcCni, storageclass.Provisioner)
	}
}

// TestVerifyKnowsTheStacksPolicyConditions: verify simulates the secret key's policy with the
// kms:ViaService Secrets Manager calls KMS with, and the autoscaler's role with the discovery tags
// its policy requires, as the program writes them (verify cannot import secrets or eks, which link
// the Pulumi provider SDKs).
func TestVerifyKnowsTheStacksPolicyConditions(t *testing.T) {
	if got, want := expected.SecretsManagerService("ap-northeast-2"), secrets.SecretsManagerService("ap-northeast-2"); got != want {
		t.Errorf("verify simulates kms:ViaService %s, the key policy requires %s", got, want)
	}
	if expected.AutoscalerEnabledTag != eks.AutoscalerEnabledTag || expected.AutoscalerEnabledTagValue != eks.AutoscalerEnabledTagValue ||
		expected.AutoscalerClusterTag("dev") != eks.AutoscalerClusterTag("dev") || expected.AutoscalerClusterTagValue != eks.AutoscalerClusterTagValue {
		t.Errorf("verify's discovery tags %s=%s, %s=%s; the autoscaler's policy requires %s=%s, %s=%s",
			expected.AutoscalerEnabledTag, expected.AutoscalerEnabledTagValue, expected.AutoscalerClusterTag("dev"), expected.AutoscalerClusterTagValue,
			eks.AutoscalerEnabledTag, eks.AutoscalerEnabledTagValue, eks.AutoscalerClusterTag("dev"), eks.AutoscalerClusterTagValue)
	}
}

// TestPreviewRoleCanReadTheCluster: the role CI previews run as has a read-only access entry, so
// the Kubernetes provider can read the cluster during `pulumi preview`; the cluster therefore
// waits for the role.
func TestPreviewRoleCanReadTheCluster(t *testing.T) {
	r, out := buildStack(t, "dev")
	preview, ok := r.Get("aws:iam/role:Role", "mission-link-dev-preview")
	if !ok {
		t.Fatal("no preview role")
	}
	arn, _ := out.values["previewRoleArn"].(string)
	var views []string
	for _, a := range r.ByType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation") {
		if a.String("principalArn") == arn {
			views = append(views, a.String("policyArn")+" "+a.String("accessScope.type"))
		}
	}
	if !slices.Equal(views, []string{"arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy cluster"}) {
		t.Errorf("the preview role %s has access policies %v, want exactly the view policy at cluster scope", arn, views)
	}
	clusters := r.ByType("eks:index:Cluster")
	if len(clusters) != 1 || !clusters[0].DependsOn(preview.URN) {
		t.Error("the cluster does not wait for the preview role")
	}
}

// TestProdKeepsNatGatewaysAndOnDemandNodes: the cheap modes are dev's choice; prod keeps a NAT
// gateway in every AZ and on-demand nodes.
func TestProdKeepsNatGatewaysAndOnDemandNodes(t *testing.T) {
	r := runStack(t, "prod")
	if n, instances := len(r.ByType("aws:ec2/natGateway:NatGateway")), len(r.ByType("aws:ec2/networkInterface:NetworkInterface")); n != 3 || instances != 0 {
		t.Errorf("prod has %d NAT gateways and %d NAT interfaces, want one gateway per AZ (3) and no NAT instance", n, instances)
	}
	for _, ng := range r.ByType("aws:eks/nodeGroup:NodeGroup") {
		if ng.String("capacityType") != "ON_DEMAND" {
			t.Errorf("prod node group %s runs %s", ng.Name, ng.String("capacityType"))
		}
	}
}
