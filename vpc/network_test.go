package vpc_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/vpc"
	"github.com/mission-link/infra/vpc/vpcargs"
)

const (
	typeVPC         = "aws:ec2/vpc:Vpc"
	typeSubnet      = "aws:ec2/subnet:Subnet"
	typeRouteTable  = "aws:ec2/routeTable:RouteTable"
	typeRoute       = "aws:ec2/route:Route"
	typeAssociation = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	typeNat         = "aws:ec2/natGateway:NatGateway"
	typeEip         = "aws:ec2/eip:Eip"
	typeInstance    = "aws:ec2/instance:Instance"
	typeSG          = "aws:ec2/securityGroup:SecurityGroup"
	typeRole        = "aws:iam/role:Role"
)

func runNetwork(t *testing.T, args vpcargs.NetworkArgs) (*harness.Record, error) {
	t.Helper()
	cfg := harness.StackConfig{Project: "mission-link", Stack: "test", Values: map[string]string{"aws:region": "ap-northeast-2"}}
	return harness.Run(cfg, func(ctx *pulumi.Context) error {
		zones, err := vpc.AvailableZones(ctx)
		if err != nil {
			return err
		}
		args.RegionZones = zones
		_, err = vpc.NewNetwork(ctx, "net", &args)
		return err
	})
}

func mustRun(t *testing.T, args vpcargs.NetworkArgs) *harness.Record {
	t.Helper()
	r, err := runNetwork(t, args)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func enabled(b bool) *bool { return &b }

func names(rs []harness.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// dependency is the resource an input's value came from.

func TestNatModes(t *testing.T) {
	cases := []struct {
		mode         vpcargs.NatMode
		zones        int
		wantNats     []string
		wantRouteVia map[string]string // private route table -> NAT gateway
	}{
		{vpcargs.NatSingle, 3, []string{"net-nat-ap-northeast-2a"}, map[string]string{
			"net-private-ap-northeast-2a": "net-nat-ap-northeast-2a",
			"net-private-ap-northeast-2b": "net-nat-ap-northeast-2a",
			"net-private-ap-northeast-2c": "net-nat-ap-northeast-2a",
		}},
		{vpcargs.NatPerAz, 3, []string{"net-nat-ap-northeast-2a", "net-nat-ap-northeast-2b", "net-nat-ap-northeast-2c"}, map[string]string{
			"net-private-ap-northeast-2a": "net-nat-ap-northeast-2a",
			"net-private-ap-northeast-2b": "net-nat-ap-northeast-2b",
			"net-private-ap-northeast-2c": "net-nat-ap-northeast-2c",
		}},
		{vpcargs.NatNone, 2, nil, map[string]string{}},
		// The instance mode has no NAT gateway: every private table routes to the NAT
		// instance's interface (TestNatInstance checks the rest).
		{vpcargs.NatInstance, 3, nil, map[string]string{
			"net-private-ap-northeast-2a": "net-nat-instance",
			"net-private-ap-northeast-2b": "net-nat-instance",
			"net-private-ap-northeast-2c": "net-nat-instance",
		}},
	}
	for _, tc := range cases {
		t.Run(string(tc.mode), func(t *testing.T) {
			r := mustRun(t, vpcargs.NetworkArgs{AvailabilityZoneCount: tc.zones, NatGateways: tc.mode})
			nats := r.ByType(typeNat)
			if got := names(nats); !slices.Equal(got, tc.wantNats) {
				t.Fatalf("NAT gateways %v, want %v", got, tc.wantNats)
			}
			if got := names(r.ByType(typeEip)); tc.mode != vpcargs.NatInstance && !slices.Equal(got, tc.wantNats) {
				t.Fatalf("elastic IPs %v, want one per NAT gateway %v", got, tc.wantNats)
			}
			for _, nat := range nats {
				subnet := harnesstest.Source(t, r, nat, "subnetId")
				az := strings.TrimPrefix(nat.Name, "net-nat-")
				if subnet.Name != "net-public-"+az {
					t.Errorf("%s sits in %s, want the public subnet of %s", nat.Name, subnet.Name, az)
				}
				if eip := harnesstest.Source(t, r, nat, "allocationId"); eip.Name != nat.Name || eip.String("domain") != "vpc" {
					t.Errorf("%s uses elastic IP %s (domain %q)", nat.Name, eip.Name, eip.String("domain"))
				}
			}
			routedVia := map[string]string{}
			for _, route := range r.ByType(typeRoute) {
				table := harnesstest.Source(t, r, route, "routeTableId")
				if route.String("destinationCidrBlock") != "0.0.0.0/0" {
					t.Errorf("%s routes %s", route.Name, route.String("destinationCidrBlock"))
				}
				if table.Name == "net-public" {
					if harnesstest.Source(t, r, route, "gatewayId").Type != "aws:ec2/internetGateway:InternetGateway" {
						t.Errorf("public default route %s does not go to the internet gateway", route.Name)
					}
					continue
				}
				target := "natGatewayId"
				if tc.mode == vpcargs.NatInstance {
					target = "networkInterfaceId"
				}
				routedVia[table.Name] = harnesstest.Source(t, r, route, target).Name
			}
			if fmt.Sprint(routedVia) != fmt.Sprint(tc.wantRouteVia) {
				t.Errorf("private default routes %v, want %v", routedVia, tc.wantRouteVia)
			}
		})
	}
}

func TestOneAssociationPerSubnet(t *testing.T) {
	for _, mode := range []vpcargs.NatMode{vpcargs.NatSingle, vpcargs.NatPerAz, vpcargs.NatInstance, vpcargs.NatNone} {
		t.Run(string(mode), func(t *testing.T) { checkOneAssociationPerSubnet(t, mode) })
	}
}

func checkOneAssociationPerSubnet(t *testing.T, mode vpcargs.NatMode) {
	r := mustRun(t, vpcargs.NetworkArgs{AvailabilityZoneCount: 3, NatGateways: mode})
	subnets := r.ByType(typeSubnet)
	if len(subnets) != 6 {
		t.Fatalf("%d subnets, want 6", len(subnets))
	}
	associated := map[string]int{}
	for _, assoc := range r.ByType(typeAssociation) {
		subnet := harnesstest.Source(t, r, assoc, "subnetId")
		table := harnesstest.Source(t, r, assoc, "routeTableId")
		associated[subnet.Name]++
		if assoc.Name != subnet.Name {
			t.Errorf("association %s is not named after its subnet %s", assoc.Name, subnet.Name)
		}
		wantTable := subnet.Name
		if strings.Contains(subnet.Name, "-public-") {
			wantTable = "net-public"
		}
		if table.Name != wantTable {
			t.Errorf("subnet %s is associated with %s, want %s", subnet.Name, table.Name, wantTable)
		}
	}
	for _, s := range subnets {
		if associated[s.Name] != 1 {
			t.Errorf("subnet %s has %d route table associations, want 1", s.Name, associated[s.Name])
		}
	}
	if len(r.ByType(typeRouteTable)) != 4 {
		t.Errorf("route tables %v, want one public and one private per AZ", names(r.ByType(typeRouteTable)))
	}
}

// TestAddingAZKeepsOtherAZs: growing from 2 to 3 AZs only adds; every resource of the first two
// AZs keeps its URN and inputs, so nothing is replaced.
func TestAddingAZKeepsOtherAZs(t *testing.T) {
	two := mustRun(t, vpcargs.NetworkArgs{AvailabilityZoneCount: 2, NatGateways: vpcargs.NatPerAz})
	three := mustRun(t, vpcargs.NetworkArgs{AvailabilityZoneCount: 3, NatGateways: vpcargs.NatPerAz})
	for _, before := range two.Resources {
		after, ok := three.ByURN(before.URN)
		if !ok {
			t.Errorf("%s disappears when an AZ is added", before.URN)
			continue
		}
		if !before.Inputs.DeepEquals(after.Inputs) {
			t.Errorf("%s changes its inputs when an AZ is added", before.URN)
		}
	}
	// Two subnets and their associations, a private route table and its route, a NAT gateway and
	// its EIP, the S3 endpoint's association with the new route table.
	if added := len(three.Resources) - len(two.Resources); added != 9 {
		t.Errorf("adding an AZ adds %d resources, want 9", added)
	}
}

func TestSubnets(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{CidrBlock: "10.20.0.0/16", AvailabilityZoneCount: 2, ClusterName: "mission-link-dev"})
	want := map[string]string{
		"net-private-ap-northeast-2a": "10.20.0.0/20",
		"net-private-ap-northeast-2b": "10.20.16.0/20",
		"net-public-ap-northeast-2a":  "10.20.255.0/24",
		"net-public-ap-northeast-2b":  "10.20.254.0/24",
	}
	for _, s := range r.ByType(typeSubnet) {
		if s.String("cidrBlock") != want[s.Name] {
			t.Errorf("%s has %s, want %s", s.Name, s.String("cidrBlock"), want[s.Name])
		}
		if az := s.String("availabilityZone"); !strings.HasSuffix(s.Name, az) {
			t.Errorf("%s is in %s", s.Name, az)
		}
		if public, set := s.Bool("mapPublicIpOnLaunch"); !set || public {
			t.Errorf("%s: mapPublicIpOnLaunch must be set to false", s.Name)
		}
		tags := s.StringMap("tags")
		role := "kubernetes.io/role/internal-elb"
		if strings.Contains(s.Name, "-public-") {
			role = "kubernetes.io/role/elb"
		}
		if tags[role] != "1" || tags["kubernetes.io/cluster/mission-link-dev"] != "shared" || tags["Name"] != s.Name {
			t.Errorf("%s tags %v, want %s=1, the cluster tag and a Name", s.Name, tags, role)
		}
		if harnesstest.Source(t, r, s, "vpcId").Type != typeVPC {
			t.Errorf("%s is not in the VPC", s.Name)
		}
	}
	v, _ := r.Get(typeVPC, "net")
	for _, key := range []string{"enableDnsSupport", "enableDnsHostnames"} {
		if on, _ := v.Bool(key); !on {
			t.Errorf("VPC %s is not on", key)
		}
	}
}

func TestEveryChildIsParentedToTheComponent(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{NatGateways: vpcargs.NatInstance, Bastion: vpcargs.BastionArgs{Enabled: enabled(true)}})
	component, ok := r.Get(vpc.TypeToken, "net")
	if !ok {
		t.Fatal("no Network component registered")
	}
	for _, res := range r.Resources {
		if res.URN != component.URN && res.Parent != component.URN {
			t.Errorf("%s is parented to %q", res.URN, res.Parent)
		}
	}
}

func TestDefaultSecurityGroupHasNoRules(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{})
	sgs := r.ByType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
	if len(sgs) != 1 {
		t.Fatalf("%d default security groups managed, want 1", len(sgs))
	}
	if _, ok := sgs[0].Value("ingress"); ok {
		t.Error("default security group has ingress rules")
	}
	if _, ok := sgs[0].Value("egress"); ok {
		t.Error("default security group has egress rules")
	}
}

func TestFlowLogs(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{FlowLogs: vpcargs.FlowLogsArgs{RetentionInDays: 90}, Protect: true})
	logs := r.ByType("aws:ec2/flowLog:FlowLog")
	if len(logs) != 1 {
		t.Fatalf("%d flow logs, want 1", len(logs))
	}
	fl := logs[0]
	if fl.String("trafficType") != "ALL" || fl.String("logDestinationType") != "cloud-watch-logs" {
		t.Errorf("flow log captures %q to %q", fl.String("trafficType"), fl.String("logDestinationType"))
	}
	group := harnesstest.Source(t, r, fl, "logDestination")
	if days, _ := group.Number("retentionInDays"); days != 90 || !group.Options.Protect {
		t.Errorf("log group keeps logs %v days (protect %v), want 90 and protected", days, group.Options.Protect)
	}
	role := harnesstest.Source(t, r, fl, "iamRoleArn")
	trust, err := iampolicy.Parse(role.String("assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	s := trust.Statement[0]
	if !slices.Equal(s.Principal.Service, []string{"vpc-flow-logs.amazonaws.com"}) ||
		!slices.Equal(s.Condition["StringEquals"]["aws:SourceAccount"], []string{harness.AccountID}) ||
		!slices.Equal(s.Condition["ArnLike"]["aws:SourceArn"], []string{"arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/*"}) {
		t.Errorf("flow log trust policy %+v", s)
	}

	off := mustRun(t, vpcargs.NetworkArgs{FlowLogs: vpcargs.FlowLogsArgs{Enabled: enabled(false)}})
	if n := len(off.ByType("aws:ec2/flowLog:FlowLog")) + len(off.ByType("aws:cloudwatch/logGroup:LogGroup")); n != 0 {
		t.Errorf("flow logs disabled, yet %d flow log resources", n)
	}
}

func TestBastion(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{Bastion: vpcargs.BastionArgs{Enabled: enabled(true)}})
	instances := r.ByType(typeInstance)
	if len(instances) != 1 {
		t.Fatalf("%d instances, want the bastion", len(instances))
	}
	b := instances[0]
	if b.String("metadataOptions.httpTokens") != "required" {
		t.Error("bastion does not require IMDSv2")
	}
	if public, set := b.Bool("associatePublicIpAddress"); !set || public {
		t.Error("bastion may get a public IP")
	}
	if b.String("keyName") != "" {
		t.Error("bastion has a key pair")
	}
	if enc, _ := b.Bool("rootBlockDevice.encrypted"); !enc || b.String("rootBlockDevice.volumeType") != "gp3" {
		t.Error("bastion root volume is not encrypted gp3")
	}
	if subnet := harnesstest.Source(t, r, b, "subnetId"); subnet.Name != "net-private-ap-northeast-2a" {
		t.Errorf("bastion is in %s, want a private subnet", subnet.Name)
	}
	if b.String("ami") != "ami-0123456789abcdef0" || !slices.Equal(b.Options.IgnoreChanges, []string{"ami"}) {
		t.Errorf("bastion AMI %q with ignoreChanges %v: a new AMI release must not replace it", b.String("ami"), b.Options.IgnoreChanges)
	}
	if b.Inputs["ami"].IsSecret() {
		t.Error("the public AMI ID is a secret: every diff would show [secret] (the provider marks SSM parameter values secret)")
	}
	param := slices.IndexFunc(r.Invokes, func(i harness.Invoke) bool {
		return i.Token == "aws:ssm/getParameter:getParameter" &&
			i.Args["name"].StringValue() == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
	})
	if !slices.Equal(b.Options.ReplaceOnChanges, []string{"instanceType"}) {
		t.Errorf("bastion replaceOnChanges %v: moving between x86_64 and arm64 types cannot be done in place", b.Options.ReplaceOnChanges)
	}
	if b.String("instanceType") != "t4g.nano" || param < 0 {
		t.Errorf("bastion is a %s: the default t4g.nano needs the Amazon Linux 2023 arm64 parameter", b.String("instanceType"))
	}

	sg := harnesstest.Source(t, r, b, "vpcSecurityGroupIds")
	if rules := sg.Objects("ingress"); len(rules) != 0 {
		t.Errorf("bastion security group has %d ingress rules by default", len(rules))
	}
	for _, rule := range sg.Objects("egress") {
		if rule.String("description") == "" {
			t.Error("bastion egress rule without a description")
		}
	}
	profile := harnesstest.Source(t, r, b, "iamInstanceProfile")
	role := harnesstest.Source(t, r, profile, "role")
	attachments := r.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
	if len(attachments) != 1 || attachments[0].String("policyArn") != "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" ||
		harnesstest.Source(t, r, attachments[0], "role").URN != role.URN {
		t.Errorf("bastion role policies: %v", attachments)
	}
}

func TestBastionSSHAndPinnedAMI(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{Bastion: vpcargs.BastionArgs{
		Enabled: enabled(true), InstanceType: "t4g.micro", AmiID: "ami-0abcdef0123456789",
		SSHCidrs: []string{"198.51.100.0/24", "203.0.113.10/32"},
	}})
	b := r.ByType(typeInstance)[0]
	if b.String("ami") != "ami-0abcdef0123456789" || len(b.Options.IgnoreChanges) != 0 {
		t.Errorf("pinned AMI %q with ignoreChanges %v: changing the pin must replace the bastion", b.String("ami"), b.Options.IgnoreChanges)
	}
	if slices.ContainsFunc(r.Invokes, func(i harness.Invoke) bool { return i.Token == "aws:ssm/getParameter:getParameter" }) {
		t.Error("pinned AMI still looked up")
	}
	var sources []string
	for _, rule := range r.ByType(typeSG)[0].Objects("ingress") {
		from, _ := rule.Number("fromPort")
		to, _ := rule.Number("toPort")
		if from != 22 || to != 22 || rule.String("protocol") != "tcp" || rule.String("description") == "" {
			t.Errorf("ingress rule %v", rule.Inputs)
		}
		sources = append(sources, rule.Strings("cidrBlocks")...)
	}
	if !slices.Equal(sources, []string{"198.51.100.0/24", "203.0.113.10/32"}) {
		t.Errorf("SSH allowed from %v", sources)
	}

	x86 := mustRun(t, vpcargs.NetworkArgs{Bastion: vpcargs.BastionArgs{Enabled: enabled(true), InstanceType: "t3.micro"}})
	if !slices.ContainsFunc(x86.Invokes, func(i harness.Invoke) bool {
		return i.Token == "aws:ssm/getParameter:getParameter" && strings.HasSuffix(i.Args["name"].StringValue(), "-x86_64")
	}) {
		t.Error("an x86 bastion does not get an x86_64 AMI")
	}
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	r, err := runNetwork(t, vpcargs.NetworkArgs{AvailabilityZoneCount: 9, NatGateways: "many"})
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"network.availabilityZoneCount (9)", `network.natGateways ("many")`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	if len(r.Resources) != 0 {
		t.Errorf("%d resources registered before the error: %v", len(r.Resources), names(r.Resources))
	}
}

func TestNoRoleWithoutFlowLogsOrBastion(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{FlowLogs: vpcargs.FlowLogsArgs{Enabled: enabled(false)}})
	if n := len(r.ByType(typeRole)) + len(r.ByType(typeInstance)); n != 0 {
		t.Errorf("%d roles and instances with flow logs and bastion off", n)
	}
}

// egressOf are the URNs of what gives the private subnet of zone egress in the mode: its route
// table association, its default route, and the NAT gateway or instance that route leads to.
func egressOf(r *harness.Record, mode vpcargs.NatMode, zone string) []string {
	urnOf := func(typ, name string) string {
		res, _ := r.Get(typ, name)
		return res.URN
	}
	private := "net-private-" + zone
	urns := []string{urnOf("aws:ec2/routeTableAssociation:RouteTableAssociation", private), urnOf("aws:ec2/route:Route", private+"-default")}
	switch mode {
	case vpcargs.NatPerAz:
		urns = append(urns, urnOf(typeNat, "net-nat-"+zone))
	case vpcargs.NatSingle:
		urns = append(urns, urnOf(typeNat, "net-nat-ap-northeast-2a"))
	case vpcargs.NatInstance:
		urns = append(urns, urnOf(typeInstance, "net-nat-instance"))
	}
	return urns
}

// TestOrderingsNoInputHolds: the orderings AWS needs that no input of the later resource refers
// to, so that only DependsOn holds them, in every NAT mode that has them:
//   - an elastic IP is associated only in a VPC whose internet gateway is attached (AWS answers
//     Gateway.NotAttached otherwise): the NAT gateways' and the NAT instance's interface's;
//   - a public NAT gateway needs the internet gateway to route through;
//   - the NAT instance boots with its elastic IP on its interface, or its first boot (user data
//     installing nftables) has no way out;
//   - what runs in a private subnet (here the bastion) waits for the subnet's egress (egressOf),
//     which only pulumi.OutputWithDependencies on the subnet ID holds.
func TestOrderingsNoInputHolds(t *testing.T) {
	for _, mode := range []vpcargs.NatMode{vpcargs.NatSingle, vpcargs.NatPerAz, vpcargs.NatInstance} {
		t.Run(string(mode), func(t *testing.T) {
			r := mustRun(t, vpcargs.NetworkArgs{AvailabilityZoneCount: 2, NatGateways: mode, Bastion: vpcargs.BastionArgs{Enabled: enabled(true)}})
			igw := harnesstest.Only(t, r, "aws:ec2/internetGateway:InternetGateway")
			waiting := append(r.ByType(typeEip), r.ByType(typeNat)...)
			if len(waiting) == 0 {
				t.Fatal("no elastic IP or NAT gateway")
			}
			for _, res := range waiting {
				if !res.DependsOn(igw.URN) {
					t.Errorf("%s %s does not wait for the internet gateway", res.Type, res.Name)
				}
			}
			// The bastion's SSM agent registers at first boot: its subnet's egress comes first.
			bastion, ok := r.Get(typeInstance, "net-bastion")
			if !ok {
				t.Fatal("no bastion")
			}
			for _, want := range egressOf(r, mode, "ap-northeast-2a") {
				if !slices.Contains(bastion.PropertyDependencies["subnetId"], want) {
					t.Errorf("the bastion does not wait for %s", want)
				}
			}
			for _, inst := range r.ByType(typeInstance) {
				if inst.Name != "net-nat-instance" {
					continue
				}
				for _, eip := range r.ByType(typeEip) {
					if !inst.DependsOn(eip.URN) {
						t.Errorf("the NAT instance does not wait for elastic IP %s", eip.Name)
					}
				}
			}
		})
	}
}
