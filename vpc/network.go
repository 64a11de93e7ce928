// Package vpc builds the stack's network: a VPC with a public and a private subnet per AZ,
// internet and NAT gateways (or a NAT instance), one route-table association per subnet, an S3
// gateway endpoint, a locked default security group, flow logs, and a bastion reached through SSM
// Session Manager.
package vpc

import (
	"fmt"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/vpc/vpcargs"
)

// TypeToken is part of every child's URN: changing it replaces the network.
const TypeToken = "mission-link:vpc:Network"

// Network is the stack's VPC and everything in it.
type Network struct {
	pulumi.ResourceState

	VPCID     pulumi.StringOutput `pulumi:"vpcId"`
	CidrBlock pulumi.StringOutput `pulumi:"cidrBlock"`
	// AvailabilityZones are the AZs used, in the order of the subnet ID lists.
	AvailabilityZones pulumi.StringArrayOutput `pulumi:"availabilityZones"`
	PublicSubnetIDs   pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	// PrivateSubnetIDs depend on each private subnet's egress (zone.egress): what runs there
	// (the node group, the EKS control plane's interfaces) is created once the subnet routes to
	// the internet, so a node's first boot can reach ECR, STS and the EKS API.
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// NatGatewayPublicIPs are the addresses private egress leaves from: the NAT gateways' or the
	// NAT instance's elastic IPs (empty with natGateways none).
	NatGatewayPublicIPs pulumi.StringArrayOutput `pulumi:"natGatewayPublicIps"`
	// Bastion outputs are empty strings when the bastion is disabled.
	BastionInstanceID         pulumi.StringOutput `pulumi:"bastionInstanceId"`
	BastionSessionCommand     pulumi.StringOutput `pulumi:"bastionSessionCommand"`
	BastionPortForwardCommand pulumi.StringOutput `pulumi:"bastionPortForwardCommand"`
}

// zone is one AZ's share of the network, keyed by AZ name so that adding or removing an AZ never
// renames another AZ's resources.
type zone struct {
	name          string
	publicSubnet  *awsec2.Subnet
	privateSubnet *awsec2.Subnet
	natGateway    *awsec2.NatGateway // nil unless this AZ hosts a NAT gateway
	// egress is what an instance in the private subnet needs before its first boot reaches the
	// internet: the subnet's route table association, its default route, and the NAT gateway or
	// NAT instance that route leads to. Nothing but this slice holds that ordering: a subnet ID
	// is known before its routes exist.
	egress []pulumi.Resource
}

// privateSubnetID is the zone's private subnet ID, carrying its egress as dependencies: a
// resource that takes it is created after the subnet can reach the internet.
func (z zone) privateSubnetID(ctx *pulumi.Context) pulumi.StringOutput {
	return pulumi.OutputWithDependencies(ctx.Context(), z.privateSubnet.ID().ToStringOutput(), z.egress...).(pulumi.StringOutput)
}

// NewNetwork validates args and builds the network. Nothing is registered when args are invalid.
func NewNetwork(ctx *pulumi.Context, name string, args *vpcargs.NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, fmt.Errorf("network %s: args are required", name)
	}
	a := args.WithDefaults()
	if len(a.RegionZones) == 0 {
		return nil, fmt.Errorf("network %s: RegionZones must list the region's AZs (see AvailableZones)", name)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("network %s: invalid config:\n%w", name, err)
	}

	n := &Network{}
	if err := ctx.RegisterComponentResource(TypeToken, name, n, opts...); err != nil {
		return nil, fmt.Errorf("registering network %s: %w", name, err)
	}
	if err := n.build(ctx, name, a); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":               n.VPCID,
		"availabilityZones":   n.AvailabilityZones,
		"publicSubnetIds":     n.PublicSubnetIDs,
		"privateSubnetIds":    n.PrivateSubnetIDs,
		"natGatewayPublicIps": n.NatGatewayPublicIPs,
		"bastionInstanceId":   n.BastionInstanceID,
	}); err != nil {
		return nil, fmt.Errorf("registering outputs of network %s: %w", name, err)
	}
	return n, nil
}

func (n *Network) build(ctx *pulumi.Context, name string, a vpcargs.NetworkArgs) error {
	parent := pulumi.Parent(n)
	vpc, err := awsec2.NewVpc(ctx, name, &awsec2.VpcArgs{
		CidrBlock:          pulumi.String(a.CidrBlock),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		Tags:               nameTag(name),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating VPC %s: %w", name, err)
	}
	n.VPCID = vpc.ID().ToStringOutput()
	n.CidrBlock = vpc.CidrBlock

	zones, err := newSubnets(ctx, name, a, vpc, parent)
	if err != nil {
		return err
	}
	nat, err := newRouting(ctx, name, a, vpc, zones, parent)
	if err != nil {
		return err
	}
	if err := lockDefaultSecurityGroup(ctx, name, vpc, parent); err != nil {
		return err
	}
	if a.FlowLogs.IsEnabled() {
		if err := newFlowLogs(ctx, name, a.FlowLogs, a.Protect, vpc, parent); err != nil {
			return err
		}
	}
	n.setZoneOutputs(ctx, zones, nat)

	n.BastionInstanceID = pulumi.String("").ToStringOutput()
	n.BastionSessionCommand = n.BastionInstanceID
	n.BastionPortForwardCommand = n.BastionInstanceID
	if a.Bastion.IsEnabled() {
		return n.newBastion(ctx, name, a, vpc, zones[0].privateSubnetID(ctx), parent)
	}
	return nil
}

func (n *Network) setZoneOutputs(ctx *pulumi.Context, zones []zone, nat *natInstance) {
	var names, public, private, natIPs pulumi.StringArray
	for _, z := range zones {
		names = append(names, pulumi.String(z.name))
		public = append(public, z.publicSubnet.ID().ToStringOutput())
		private = append(private, z.privateSubnetID(ctx))
		if z.natGateway != nil {
			natIPs = append(natIPs, z.natGateway.PublicIp)
		}
	}
	if nat != nil {
		natIPs = append(natIPs, nat.eip.PublicIp)
	}
	n.AvailabilityZones = names.ToStringArrayOutput()
	n.PublicSubnetIDs = public.ToStringArrayOutput()
	n.PrivateSubnetIDs = private.ToStringArrayOutput()
	n.NatGatewayPublicIPs = natIPs.ToStringArrayOutput()
}

// nameTag is the Name tag the console shows; the stack-wide tags come from the provider.
func nameTag(name string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(name)}
}
