package vpcargs_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mission-link/infra/internal/validationtest"
	"github.com/mission-link/infra/vpc/vpcargs"
)

var testZones = []string{"ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"}

func validArgs() vpcargs.NetworkArgs {
	a := vpcargs.NetworkArgs{RegionZones: testZones, ClusterName: "mission-link-dev"}.WithDefaults()
	a.Bastion.Enabled = ptr(true)
	return a
}

func TestDefaults(t *testing.T) {
	a := vpcargs.NetworkArgs{}.WithDefaults()
	if a.CidrBlock != vpcargs.DefaultCidrBlock || a.AvailabilityZoneCount != 2 || a.NatGateways != vpcargs.NatSingle ||
		a.PublicSubnetPrefixLength != 24 || a.PrivateSubnetPrefixLength != 20 ||
		!*a.FlowLogs.Enabled || a.FlowLogs.RetentionInDays != 30 ||
		*a.Bastion.Enabled || a.Bastion.InstanceType != "t4g.nano" || a.NatInstance.InstanceType != "" {
		t.Fatalf("defaults changed: %+v", a)
	}
	if err := validArgs().Validate(); err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []validationtest.Case[vpcargs.NetworkArgs]{
		validationtest.Reject("cidr does not parse", func(a *vpcargs.NetworkArgs) { a.CidrBlock = "10.0.0/16" }, `network.cidrBlock ("10.0.0/16")`, "not a CIDR block"),
		validationtest.Reject("cidr is a host address", func(a *vpcargs.NetworkArgs) { a.CidrBlock = "10.0.1.0/16" }, `network.cidrBlock ("10.0.1.0/16")`, `did you mean "10.0.0.0/16"`),
		validationtest.Reject("cidr is ipv6", func(a *vpcargs.NetworkArgs) { a.CidrBlock = "fd00::/56" }, "network.cidrBlock", "IPv4"),
		validationtest.Reject("vpc prefix too large", func(a *vpcargs.NetworkArgs) { a.CidrBlock = "10.0.0.0/8" }, `network.cidrBlock ("10.0.0.0/8")`, "/16 to /24"),
		validationtest.Reject("vpc prefix too small", func(a *vpcargs.NetworkArgs) { a.CidrBlock = "10.0.0.0/25" }, `network.cidrBlock ("10.0.0.0/25")`, "/16 to /24"),
		validationtest.Reject("one AZ", func(a *vpcargs.NetworkArgs) { a.AvailabilityZoneCount = 1 }, "network.availabilityZoneCount (1)", "at least 2"),
		validationtest.Reject("more AZs than the region", func(a *vpcargs.NetworkArgs) { a.AvailabilityZoneCount = 5 }, "network.availabilityZoneCount (5)", "at most 4", "ap-northeast-2d"),
		validationtest.Reject("unknown NAT mode", func(a *vpcargs.NetworkArgs) { a.NatGateways = "perAZ" }, `network.natGateways ("perAZ")`, `"single", "perAz", "none", "instance"`),
		validationtest.Reject("x86 NAT instance", func(a *vpcargs.NetworkArgs) {
			a.NatGateways = vpcargs.NatInstance
			a.NatInstance.InstanceType = "t3.micro"
		},
			`network.natInstance.instanceType ("t3.micro")`, "x86_64", "Graviton"),
		validationtest.Reject("NAT instance type that is no type", func(a *vpcargs.NetworkArgs) {
			a.NatGateways = vpcargs.NatInstance
			a.NatInstance.InstanceType = "t4gnano"
		},
			`network.natInstance.instanceType ("t4gnano")`),
		validationtest.Reject("NAT instance type for NAT gateways", func(a *vpcargs.NetworkArgs) { a.NatInstance.InstanceType = "t4g.micro" },
			`network.natInstance.instanceType ("t4g.micro")`, `network.natGateways is "single"`, `only to "instance"`),
		validationtest.Reject("no NAT with a bastion", func(a *vpcargs.NetworkArgs) { a.NatGateways = vpcargs.NatNone }, `network.natGateways ("none")`, "network.bastion.enabled"),
		validationtest.Reject("public subnet wider than the VPC", func(a *vpcargs.NetworkArgs) { a.PublicSubnetPrefixLength = 16 }, "network.publicSubnetPrefixLength (16)", "from 17 to 28"),
		validationtest.Reject("private subnet below /28", func(a *vpcargs.NetworkArgs) { a.PrivateSubnetPrefixLength = 29 }, "network.privateSubnetPrefixLength (29)", "from 17 to 28"),
		validationtest.Reject("subnets do not fit", func(a *vpcargs.NetworkArgs) { a.CidrBlock = "10.0.0.0/20"; a.PrivateSubnetPrefixLength = 21 }, "network.privateSubnetPrefixLength (21)", `network.cidrBlock ("10.0.0.0/20")`, "do not fit network.availabilityZoneCount (2) AZs"),
		validationtest.Reject("retention CloudWatch does not offer", func(a *vpcargs.NetworkArgs) { a.FlowLogs.RetentionInDays = 10 }, "network.flowLogs.retentionInDays (10)", "one of [1 3 5 7 14 30"),
		validationtest.Reject("SSH from the world", func(a *vpcargs.NetworkArgs) { a.Bastion.SSHCidrs = []string{"203.0.113.0/24", "0.0.0.0/0"} }, `network.bastion.sshCidrs[1] ("0.0.0.0/0")`, "whole internet"),
		validationtest.Reject("SSH CIDR does not parse", func(a *vpcargs.NetworkArgs) { a.Bastion.SSHCidrs = []string{"office"} }, `network.bastion.sshCidrs[0] ("office")`, "not a CIDR block"),
		validationtest.Reject("SSH CIDR is a host address", func(a *vpcargs.NetworkArgs) { a.Bastion.SSHCidrs = []string{"203.0.113.7/24"} }, `network.bastion.sshCidrs[0] ("203.0.113.7/24")`, `"203.0.113.0/24"`),
		validationtest.Reject("SSH CIDR twice", func(a *vpcargs.NetworkArgs) { a.Bastion.SSHCidrs = []string{"203.0.113.7/32", "203.0.113.7/32"} }, `network.bastion.sshCidrs[1]`, "twice"),
		validationtest.Reject("bad instance type", func(a *vpcargs.NetworkArgs) { a.Bastion.InstanceType = "t3micro" }, `network.bastion.instanceType ("t3micro")`),
		validationtest.Reject("bad AMI", func(a *vpcargs.NetworkArgs) { a.Bastion.AmiID = "ami-xyz" }, `network.bastion.amiId ("ami-xyz")`),
		validationtest.Reject("bad cluster name", func(a *vpcargs.NetworkArgs) { a.ClusterName = "-dev" }, `cluster name ("-dev")`),
	}
	validationtest.Rejects(t, validArgs, vpcargs.NetworkArgs.Validate, cases)
}

func TestValidateReportsEveryProblem(t *testing.T) {
	a := validArgs()
	a.CidrBlock = "10.0.0.0/8"
	a.NatGateways = "double"
	a.FlowLogs.RetentionInDays = 2
	a.Bastion.SSHCidrs = []string{"0.0.0.0/0"}
	err := a.Validate()
	if err == nil {
		t.Fatal("Validate accepted it")
	}
	for _, key := range []string{"network.cidrBlock", "network.natGateways", "network.flowLogs.retentionInDays", "network.bastion.sshCidrs[0]"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not report %s:\n%v", key, err)
		}
	}
}

func TestSubnetCIDRs(t *testing.T) {
	block := netip.MustParsePrefix("10.20.0.0/16")
	want := map[int][2]string{
		0: {"10.20.0.0/20", "10.20.255.0/24"},
		1: {"10.20.16.0/20", "10.20.254.0/24"},
		2: {"10.20.32.0/20", "10.20.253.0/24"},
	}
	for i, w := range want {
		private, public := vpcargs.SubnetCIDRs(block, i, 20, 24)
		if private.String() != w[0] || public.String() != w[1] {
			t.Errorf("zone %d: got %s and %s, want %s and %s", i, private, public, w[0], w[1])
		}
	}
}

// TestSubnetsThatValidateNeverOverlap holds the fit check in Validate against the layout: whenever
// Validate accepts a layout, every subnet lies inside the VPC and no two overlap.
func TestSubnetsThatValidateNeverOverlap(t *testing.T) {
	zones := []string{"a", "b", "c", "d", "e", "f"}
	accepted := 0
	for vpcBits := 12; vpcBits <= 28; vpcBits++ { // wider than the allowed /16 to /24: Validate decides
		block := netip.PrefixFrom(netip.MustParseAddr("10.0.0.0"), vpcBits)
		for private := vpcBits + 1; private <= 30; private++ {
			for public := vpcBits + 1; public <= 30; public++ {
				for count := 2; count <= len(zones); count++ {
					a := vpcargs.NetworkArgs{CidrBlock: block.String(), AvailabilityZoneCount: count, RegionZones: zones,
						PublicSubnetPrefixLength: public, PrivateSubnetPrefixLength: private}.WithDefaults()
					if a.Validate() != nil {
						continue
					}
					accepted++
					var subnets []netip.Prefix
					for i := range count {
						p, q := vpcargs.SubnetCIDRs(block, i, private, public)
						subnets = append(subnets, p, q)
					}
					for i, s := range subnets {
						if !block.Contains(s.Addr()) || !block.Contains(lastAddr(s)) {
							t.Fatalf("%s /%d /%d x%d: %s lies outside the VPC", block, private, public, count, s)
						}
						for _, o := range subnets[i+1:] {
							if s.Overlaps(o) {
								t.Fatalf("%s /%d /%d x%d: %s overlaps %s", block, private, public, count, s, o)
							}
						}
					}
				}
			}
		}
	}
	if accepted < 1000 {
		t.Fatalf("only %d layouts validated: the property was hardly exercised", accepted)
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func TestNatInstanceDefaultsOnlyInItsMode(t *testing.T) {
	a := vpcargs.NetworkArgs{NatGateways: vpcargs.NatInstance, RegionZones: testZones}.WithDefaults()
	if a.NatInstance.InstanceType != vpcargs.DefaultNatInstanceType || vpcargs.DefaultNatInstanceType != "t4g.nano" {
		t.Errorf("NAT instance type %q, want the default t4g.nano", a.NatInstance.InstanceType)
	}
	if err := a.Validate(); err != nil {
		t.Errorf("the default NAT instance must be valid: %v", err)
	}
	kept := vpcargs.NetworkArgs{NatGateways: vpcargs.NatInstance, NatInstance: vpcargs.NatInstanceArgs{InstanceType: "c7gn.medium"}}.WithDefaults()
	if kept.NatInstance.InstanceType != "c7gn.medium" {
		t.Errorf("an explicit NAT instance type became %q", kept.NatInstance.InstanceType)
	}
}

func ptr[T any](v T) *T { return &v }
