package vpc

import (
	"fmt"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/vpc/vpcargs"
)

const anywhereIPv4 = "0.0.0.0/0"

// newRouting creates the internet gateway, the NAT gateways or NAT instance the mode asks for,
// one public route table, one private route table per AZ, exactly one association per subnet,
// and the S3 gateway endpoint on the private route tables. Each private subnet keeps its own
// table whatever the mode, so switching modes changes only routes, never tables or associations.
// It returns the NAT instance, or nil in the other modes.
func newRouting(ctx *pulumi.Context, name string, a vpcargs.NetworkArgs, vpc *awsec2.Vpc, zones []zone, parent pulumi.ResourceOrInvokeOption) (*natInstance, error) {
	igw, err := awsec2.NewInternetGateway(ctx, name, &awsec2.InternetGatewayArgs{
		VpcId: vpc.ID(),
		Tags:  nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating internet gateway %s: %w", name, err)
	}
	public, err := newRouteTable(ctx, name+"-public", vpc, parent)
	if err != nil {
		return nil, err
	}
	if _, err := newDefaultRoute(ctx, name+"-public", awsec2.RouteArgs{RouteTableId: public.ID(), GatewayId: igw.ID()}, parent); err != nil {
		return nil, err
	}
	if err := newNatGateways(ctx, name, a.NatGateways, zones, igw, parent); err != nil {
		return nil, err
	}
	var nat *natInstance
	if a.NatGateways == vpcargs.NatInstance {
		if nat, err = newNatInstance(ctx, name, a, vpc, zones[0], igw, parent); err != nil {
			return nil, err
		}
	}
	private := make([]*awsec2.RouteTable, 0, len(zones))
	for i := range zones {
		route, target := egressRoute(a.NatGateways, zones, i, nat)
		if target != nil {
			zones[i].egress = append(zones[i].egress, target)
		}
		table, err := newZoneRouting(ctx, name, &zones[i], route, public, vpc, parent)
		if err != nil {
			return nil, err
		}
		private = append(private, table)
	}
	return nat, newS3GatewayEndpoint(ctx, name, vpc, zones, private, parent)
}

// newNatGateways puts a NAT gateway with its elastic IP in the public subnet of every AZ (perAz)
// or of the first AZ (single); the other modes have none.
func newNatGateways(ctx *pulumi.Context, name string, mode vpcargs.NatMode, zones []zone, igw *awsec2.InternetGateway, parent pulumi.ResourceOrInvokeOption) error {
	for i := range zones {
		if mode != vpcargs.NatPerAz && (mode != vpcargs.NatSingle || i > 0) {
			continue
		}
		z := &zones[i]
		natName := fmt.Sprintf("%s-nat-%s", name, z.name)
		eip, err := awsec2.NewEip(ctx, natName, &awsec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   nameTag(natName),
		}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return fmt.Errorf("creating elastic IP for NAT gateway %s: %w", natName, err)
		}
		z.natGateway, err = awsec2.NewNatGateway(ctx, natName, &awsec2.NatGatewayArgs{
			AllocationId: eip.ID(),
			SubnetId:     z.publicSubnet.ID(),
			Tags:         nameTag(natName),
		}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return fmt.Errorf("creating NAT gateway %s: %w", natName, err)
		}
	}
	return nil
}

// egressRoute is the default route of zones[i]'s private subnet, and what it leads to: its own
// AZ's NAT gateway (perAz), the first AZ's (single), the NAT instance (instance), or nil (none).
func egressRoute(mode vpcargs.NatMode, zones []zone, i int, nat *natInstance) (*awsec2.RouteArgs, pulumi.Resource) {
	switch mode {
	case vpcargs.NatPerAz:
		return &awsec2.RouteArgs{NatGatewayId: zones[i].natGateway.ID()}, zones[i].natGateway
	case vpcargs.NatSingle:
		return &awsec2.RouteArgs{NatGatewayId: zones[0].natGateway.ID()}, zones[0].natGateway
	case vpcargs.NatInstance:
		return &awsec2.RouteArgs{NetworkInterfaceId: nat.eni.ID()}, nat.instance
	default:
		return nil, nil
	}
}

// newZoneRouting gives the AZ's private subnet its own route table (with a default route to
// egress, when there is one) and associates both of the AZ's subnets, each exactly once; the
// private association and route join z.egress. It returns the private route table.
func newZoneRouting(ctx *pulumi.Context, name string, z *zone, egress *awsec2.RouteArgs, public *awsec2.RouteTable, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) (*awsec2.RouteTable, error) {
	privateName := fmt.Sprintf("%s-private-%s", name, z.name)
	private, err := newRouteTable(ctx, privateName, vpc, parent)
	if err != nil {
		return nil, err
	}
	if egress != nil {
		route := *egress
		route.RouteTableId = private.ID()
		r, err := newDefaultRoute(ctx, privateName, route, parent)
		if err != nil {
			return nil, err
		}
		z.egress = append(z.egress, r)
	}
	if _, err := associate(ctx, fmt.Sprintf("%s-public-%s", name, z.name), z.publicSubnet, public, parent); err != nil {
		return nil, err
	}
	association, err := associate(ctx, privateName, z.privateSubnet, private, parent)
	if err != nil {
		return nil, err
	}
	z.egress = append(z.egress, association)
	return private, nil
}

func newRouteTable(ctx *pulumi.Context, name string, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) (*awsec2.RouteTable, error) {
	rt, err := awsec2.NewRouteTable(ctx, name, &awsec2.RouteTableArgs{
		VpcId: vpc.ID(),
		Tags:  nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating route table %s: %w", name, err)
	}
	return rt, nil
}

// newDefaultRoute sends the table's IPv4 traffic for the internet to the target set in args.
func newDefaultRoute(ctx *pulumi.Context, tableName string, args awsec2.RouteArgs, parent pulumi.ResourceOrInvokeOption) (*awsec2.Route, error) {
	args.DestinationCidrBlock = pulumi.String(anywhereIPv4)
	route, err := awsec2.NewRoute(ctx, tableName+"-default", &args, parent)
	if err != nil {
		return nil, fmt.Errorf("creating default route of %s: %w", tableName, err)
	}
	return route, nil
}

// associate links a subnet to its route table. The association is named after the subnet (its
// stable key): a subnet can have only one, and a second would collide in AWS.
func associate(ctx *pulumi.Context, subnetName string, subnet *awsec2.Subnet, rt *awsec2.RouteTable, parent pulumi.ResourceOrInvokeOption) (*awsec2.RouteTableAssociation, error) {
	association, err := awsec2.NewRouteTableAssociation(ctx, subnetName, &awsec2.RouteTableAssociationArgs{
		SubnetId:     subnet.ID(),
		RouteTableId: rt.ID(),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating route table association for subnet %s: %w", subnetName, err)
	}
	return association, nil
}
