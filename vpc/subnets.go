package vpc

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Subnet tags that the AWS Load Balancer Controller and EKS use to discover subnets.
const (
	publicELBTag   = "kubernetes.io/role/elb"
	internalELBTag = "kubernetes.io/role/internal-elb"
	clusterTagFmt  = "kubernetes.io/cluster/%s"
)

// SubnetCIDRs derives the private and public subnet of the AZ at zoneIndex from the VPC block.
// Private subnets are laid out upwards from the bottom of the VPC and public ones downwards from
// the top, so adding an AZ takes fresh space and never moves another AZ's subnets. Callers check
// that the subnets fit (NetworkArgs.Validate).
func SubnetCIDRs(vpcCidr netip.Prefix, zoneIndex, privatePrefixLength, publicPrefixLength int) (private, public netip.Prefix) {
	base := binary.BigEndian.Uint32(vpcCidr.Addr().AsSlice())
	top := base + uint32(addresses(vpcCidr.Bits()))
	privateStart := base + uint32(zoneIndex*addresses(privatePrefixLength))
	publicStart := top - uint32((zoneIndex+1)*addresses(publicPrefixLength))
	return prefixAt(privateStart, privatePrefixLength), prefixAt(publicStart, publicPrefixLength)
}

func prefixAt(start uint32, bits int) netip.Prefix {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], start)
	return netip.PrefixFrom(netip.AddrFrom4(b), bits)
}

// newSubnets creates a public and a private subnet in each of the first AvailabilityZoneCount AZs.
func newSubnets(ctx *pulumi.Context, name string, a NetworkArgs, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) ([]zone, error) {
	vpcCidr := netip.MustParsePrefix(a.CidrBlock)
	zones := make([]zone, 0, a.AvailabilityZoneCount)
	for i, az := range a.RegionZones[:a.AvailabilityZoneCount] {
		privateCidr, publicCidr := SubnetCIDRs(vpcCidr, i, a.PrivateSubnetPrefixLength, a.PublicSubnetPrefixLength)
		public, err := newSubnet(ctx, fmt.Sprintf("%s-public-%s", name, az), az, publicCidr, a.ClusterName, publicELBTag, vpc, parent)
		if err != nil {
			return nil, err
		}
		private, err := newSubnet(ctx, fmt.Sprintf("%s-private-%s", name, az), az, privateCidr, a.ClusterName, internalELBTag, vpc, parent)
		if err != nil {
			return nil, err
		}
		zones = append(zones, zone{name: az, publicSubnet: public, privateSubnet: private})
	}
	return zones, nil
}

func newSubnet(ctx *pulumi.Context, name, az string, cidr netip.Prefix, clusterName, roleTag string, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) (*awsec2.Subnet, error) {
	tags := nameTag(name)
	tags[roleTag] = pulumi.String("1")
	if clusterName != "" {
		tags[fmt.Sprintf(clusterTagFmt, clusterName)] = pulumi.String("shared")
	}
	subnet, err := awsec2.NewSubnet(ctx, name, &awsec2.SubnetArgs{
		VpcId:            vpc.ID(),
		AvailabilityZone: pulumi.String(az),
		CidrBlock:        pulumi.String(cidr.String()),
		// Public subnets hold load balancers and NAT gateways, which get their addresses
		// explicitly; nothing launched there gets a public IP by accident.
		MapPublicIpOnLaunch: pulumi.Bool(false),
		Tags:                tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating subnet %s: %w", name, err)
	}
	return subnet, nil
}
