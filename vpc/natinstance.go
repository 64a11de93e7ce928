package vpc

import (
	_ "embed"
	"fmt"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/vpc/vpcargs"
)

// natInstanceUserData is what the NAT instance runs at its first boot: forwarding and
// masquerading, set up again by a boot service on every later boot. EC2 gets the file as it is.
//
//go:embed natinstance.sh
var natInstanceUserData string

// natInstance is the NAT of network.natGateways "instance". The private routes target its
// network interface, not the instance: the interface, its elastic IP and the routes are separate
// resources that outlive any one instance, so replacing the instance strands nothing.
type natInstance struct {
	eni      *awsec2.NetworkInterface
	eip      *awsec2.Eip
	instance *awsec2.Instance
}

// newNatInstance puts the NAT instance in the public subnet of z (the first AZ): an interface
// with source/destination check off, an elastic IP on it, and an instance that takes the
// interface as its primary one (device index 0) and reaches nothing else.
func newNatInstance(ctx *pulumi.Context, name string, a vpcargs.NetworkArgs, vpc *awsec2.Vpc, z zone, igw *awsec2.InternetGateway, parent pulumi.ResourceOrInvokeOption) (*natInstance, error) {
	natName := name + "-nat-instance"
	sg, err := newNatSecurityGroup(ctx, natName, a.CidrBlock, vpc, parent)
	if err != nil {
		return nil, err
	}
	eni, err := awsec2.NewNetworkInterface(ctx, natName, &awsec2.NetworkInterfaceArgs{
		SubnetId:        z.publicSubnet.ID(),
		SecurityGroups:  pulumi.StringArray{sg.ID()},
		SourceDestCheck: pulumi.Bool(false), // it forwards other hosts' packets
		Description:     pulumi.Sprintf("NAT for the private subnets of %s (outlives its instance)", name),
		Tags:            nameTag(natName),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating network interface of NAT instance %s: %w", natName, err)
	}
	eip, err := awsec2.NewEip(ctx, natName, &awsec2.EipArgs{
		Domain:           pulumi.String("vpc"),
		NetworkInterface: eni.ID(),
		Tags:             nameTag(natName),
	}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
	if err != nil {
		return nil, fmt.Errorf("creating elastic IP of NAT instance %s: %w", natName, err)
	}
	profile, err := newSSMProfile(ctx, natName, "NAT instance role: SSM Session Manager only", parent)
	if err != nil {
		return nil, err
	}
	// The latest Amazon Linux 2023 for the type's architecture, ignored after creation so that an
	// AMI release does not replace the NAT.
	ami, amiOpts := instanceAMI(ctx, a.NatInstance.InstanceType, "", parent)
	opts := append(amiOpts, parent,
		// The interface can be the primary one of only one instance: a replacement must wait
		// until the old instance is gone.
		pulumi.DeleteBeforeReplace(true),
		// The elastic IP is on the interface before the instance boots, so its user data can
		// reach the package repositories through the internet gateway.
		pulumi.DependsOn([]pulumi.Resource{eip}))
	instance, err := awsec2.NewInstance(ctx, natName, &awsec2.InstanceArgs{
		Ami:                ami,
		InstanceType:       pulumi.String(a.NatInstance.InstanceType),
		IamInstanceProfile: profile.Name,
		NetworkInterfaces: awsec2.InstanceNetworkInterfaceArray{&awsec2.InstanceNetworkInterfaceArgs{
			DeviceIndex:         pulumi.Int(0),
			NetworkInterfaceId:  eni.ID(),
			DeleteOnTermination: pulumi.Bool(false),
		}},
		UserData: pulumi.String(natInstanceUserData),
		// cloud-init runs user data only at an instance's first boot: a changed script takes
		// effect on a new instance, never half-applied on a restarted one.
		UserDataReplaceOnChange: pulumi.Bool(true),
		MetadataOptions:         imdsv2Only(),
		RootBlockDevice:         encryptedRootVolume(),
		// Simplified automatic recovery: on a failed system status check (the host's hardware
		// or network), EC2 moves the instance to new hardware, keeping its ID, interface and IPs.
		MaintenanceOptions: &awsec2.InstanceMaintenanceOptionsArgs{AutoRecovery: pulumi.String("default")},
		Tags:               nameTag(natName),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating NAT instance %s: %w", natName, err)
	}
	return &natInstance{eni: eni, eip: eip, instance: instance}, nil
}

// newNatSecurityGroup admits any traffic from the VPC (what the instance forwards) and nothing
// from outside it; it sends anywhere, as a NAT must.
func newNatSecurityGroup(ctx *pulumi.Context, name, vpcCidr string, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) (*awsec2.SecurityGroup, error) {
	sg, err := awsec2.NewSecurityGroup(ctx, name, &awsec2.SecurityGroupArgs{
		VpcId:       vpc.ID(),
		Description: pulumi.String("NAT instance: forwards traffic from the VPC to the internet"),
		Ingress: awsec2.SecurityGroupIngressArray{awsec2.SecurityGroupIngressArgs{
			Description: pulumi.String("Anything from the VPC, to be forwarded"),
			Protocol:    pulumi.String("-1"),
			FromPort:    pulumi.Int(0),
			ToPort:      pulumi.Int(0),
			CidrBlocks:  pulumi.StringArray{pulumi.String(vpcCidr)},
		}},
		Egress: awsec2.SecurityGroupEgressArray{awsec2.SecurityGroupEgressArgs{
			Description: pulumi.String("Forwarded traffic to the internet, and SSM"),
			Protocol:    pulumi.String("-1"),
			FromPort:    pulumi.Int(0),
			ToPort:      pulumi.Int(0),
			CidrBlocks:  pulumi.StringArray{pulumi.String(anywhereIPv4)},
		}},
		Tags: nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating NAT instance security group %s: %w", name, err)
	}
	return sg, nil
}
