package vpc

import (
	"fmt"
	"net/netip"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/vpc/vpcargs"
)

// Subnet tags that the AWS Load Balancer Controller and EKS use to discover subnets.
const (
	publicELBTag   = "kubernetes.io/role/elb"
	internalELBTag = "kubernetes.io/role/internal-elb"
	clusterTagFmt  = "kubernetes.io/cluster/%s"
)

// newSubnets creates a public and a private subnet in each of the first AvailabilityZoneCount AZs.
func newSubnets(ctx *pulumi.Context, name string, a vpcargs.NetworkArgs, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) ([]zone, error) {
	vpcCidr := netip.MustParsePrefix(a.CidrBlock)
	zones := make([]zone, 0, a.AvailabilityZoneCount)
	for i, az := range a.RegionZones[:a.AvailabilityZoneCount] {
		privateCidr, publicCidr := vpcargs.SubnetCIDRs(vpcCidr, i, a.PrivateSubnetPrefixLength, a.PublicSubnetPrefixLength)
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
