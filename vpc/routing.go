package vpc

import (
	"fmt"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const anywhereIPv4 = "0.0.0.0/0"

// newRouting creates the internet gateway, the NAT gateways the mode asks for, one public route
// table, one private route table per AZ, and exactly one association per subnet. Each private
// subnet keeps its own table even with a single NAT gateway, so switching between single and perAz
// changes only routes, never tables or associations.
func newRouting(ctx *pulumi.Context, name string, mode NatMode, vpc *awsec2.Vpc, zones []zone, parent pulumi.ResourceOrInvokeOption) error {
	igw, err := awsec2.NewInternetGateway(ctx, name, &awsec2.InternetGatewayArgs{
		VpcId: vpc.ID(),
		Tags:  nameTag(name),
	}, parent)
	if err != nil {
		return fmt.Errorf("creating internet gateway %s: %w", name, err)
	}
	public, err := newRouteTable(ctx, name+"-public", vpc, parent)
	if err != nil {
		return err
	}
	if err := newDefaultRoute(ctx, name+"-public", awsec2.RouteArgs{RouteTableId: public.ID(), GatewayId: igw.ID()}, parent); err != nil {
		return err
	}
	if err := newNatGateways(ctx, name, mode, zones, igw, parent); err != nil {
		return err
	}
	for i := range zones {
		if err := newZoneRouting(ctx, name, &zones[i], natFor(mode, zones, i), public, vpc, parent); err != nil {
			return err
		}
	}
	return nil
}

// newNatGateways puts a NAT gateway with its elastic IP in the public subnet of every AZ (perAz)
// or of the first AZ (single).
func newNatGateways(ctx *pulumi.Context, name string, mode NatMode, zones []zone, igw *awsec2.InternetGateway, parent pulumi.ResourceOrInvokeOption) error {
	for i := range zones {
		if mode == NatNone || (mode == NatSingle && i > 0) {
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

// natFor is the NAT gateway that the private subnet of zones[i] routes through, or nil.
func natFor(mode NatMode, zones []zone, i int) *awsec2.NatGateway {
	switch mode {
	case NatPerAz:
		return zones[i].natGateway
	case NatSingle:
		return zones[0].natGateway
	default:
		return nil
	}
}

// newZoneRouting gives the AZ's private subnet its own route table (with a default route through
// nat, when there is one) and associates both of the AZ's subnets, each exactly once.
func newZoneRouting(ctx *pulumi.Context, name string, z *zone, nat *awsec2.NatGateway, public *awsec2.RouteTable, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) error {
	privateName := fmt.Sprintf("%s-private-%s", name, z.name)
	private, err := newRouteTable(ctx, privateName, vpc, parent)
	if err != nil {
		return err
	}
	if nat != nil {
		if err := newDefaultRoute(ctx, privateName, awsec2.RouteArgs{RouteTableId: private.ID(), NatGatewayId: nat.ID()}, parent); err != nil {
			return err
		}
	}
	if err := associate(ctx, fmt.Sprintf("%s-public-%s", name, z.name), z.publicSubnet, public, parent); err != nil {
		return err
	}
	return associate(ctx, privateName, z.privateSubnet, private, parent)
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
func newDefaultRoute(ctx *pulumi.Context, tableName string, args awsec2.RouteArgs, parent pulumi.ResourceOrInvokeOption) error {
	args.DestinationCidrBlock = pulumi.String(anywhereIPv4)
	if _, err := awsec2.NewRoute(ctx, tableName+"-default", &args, parent); err != nil {
		return fmt.Errorf("creating default route of %s: %w", tableName, err)
	}
	return nil
}

// associate links a subnet to its route table. The association is named after the subnet (its
// stable key): a subnet can have only one, and a second would collide in AWS.
func associate(ctx *pulumi.Context, subnetName string, subnet *awsec2.Subnet, rt *awsec2.RouteTable, parent pulumi.ResourceOrInvokeOption) error {
	if _, err := awsec2.NewRouteTableAssociation(ctx, subnetName, &awsec2.RouteTableAssociationArgs{
		SubnetId:     subnet.ID(),
		RouteTableId: rt.ID(),
	}, parent); err != nil {
		return fmt.Errorf("creating route table association for subnet %s: %w", subnetName, err)
	}
	return nil
}
