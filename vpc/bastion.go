package vpc

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/vpc/vpcargs"
)

const (
	// al2023Parameter is the SSM public parameter holding the latest Amazon Linux 2023 AMI.
	al2023Parameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-%s"
	// BastionRootVolumeGiB is the size of the Amazon Linux 2023 root snapshot.
	BastionRootVolumeGiB = 8
)

// newBastion creates an instance in a private subnet that operators reach with SSM Session
// Manager: no key pair, no public IP, and no ingress unless sshCidrs names some. subnetID carries
// the subnet's egress (zone.privateSubnetID): the SSM agent registers at first boot.
func (n *Network) newBastion(ctx *pulumi.Context, name string, a vpcargs.NetworkArgs, vpc *awsec2.Vpc, subnetID pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) error {
	bastionName := name + "-bastion"
	profile, err := newSSMProfile(ctx, bastionName, "Bastion instance role: SSM Session Manager only", parent)
	if err != nil {
		return err
	}
	sg, err := newBastionSecurityGroup(ctx, bastionName, a, vpc, parent)
	if err != nil {
		return err
	}
	ami, instanceOpts := instanceAMI(ctx, a.Bastion.InstanceType, a.Bastion.AmiID, parent)
	instance, err := awsec2.NewInstance(ctx, bastionName, &awsec2.InstanceArgs{
		Ami:                      ami,
		InstanceType:             pulumi.String(a.Bastion.InstanceType),
		SubnetId:                 subnetID,
		VpcSecurityGroupIds:      pulumi.StringArray{sg.ID()},
		IamInstanceProfile:       profile.Name,
		AssociatePublicIpAddress: pulumi.Bool(false),
		MetadataOptions:          imdsv2Only(),
		RootBlockDevice:          encryptedRootVolume(),
		Tags:                     nameTag(bastionName),
		// A new type replaces the bastion (it holds nothing): EC2 cannot change a running
		// instance between x86_64 and arm64, and an unpinned AMI is not refreshed in place.
	}, append(instanceOpts, parent, pulumi.ReplaceOnChanges([]string{"instanceType"}))...)
	if err != nil {
		return fmt.Errorf("creating bastion instance %s: %w", bastionName, err)
	}
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent).Name()
	n.BastionInstanceID = instance.ID().ToStringOutput()
	n.BastionSessionCommand = pulumi.Sprintf("aws ssm start-session --region %s --target %s", region, instance.ID())
	n.BastionPortForwardCommand = pulumi.Sprintf(
		`aws ssm start-session --region %s --target %s --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host="$HOST",portNumber="$PORT",localPortNumber="$LOCAL_PORT"`,
		region, instance.ID())
	return nil
}

// instanceAMI is the pinned AMI, or the latest Amazon Linux 2023 for the instance type's
// architecture. An unpinned AMI is ignored after creation, so a new AMI release never replaces a
// running instance (the bastion, the NAT instance); changing a pinned AMI replaces it, as asked.
func instanceAMI(ctx *pulumi.Context, instanceType, pinned string, parent pulumi.ResourceOrInvokeOption) (pulumi.StringInput, []pulumi.ResourceOption) {
	if pinned != "" {
		return pulumi.String(pinned), nil
	}
	param := ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{
		Name: pulumi.String(fmt.Sprintf(al2023Parameter, awsspec.Architecture(instanceType))),
	}, parent)
	// The provider marks every parameter's `value` secret, and an output-form invoke with a secret
	// in its result is secret as a whole, so each diff showed this public AMI ID as [secret].
	// insecureValue is the same value for every parameter type but SecureString
	// (terraform-provider-aws, data source aws_ssm_parameter), and Unsecret drops the mark.
	ami := pulumi.Unsecret(param.InsecureValue()).(pulumi.StringOutput)
	return ami, []pulumi.ResourceOption{pulumi.IgnoreChanges([]string{"ami"})}
}

// newSSMProfile is an instance profile whose role holds only AmazonSSMManagedInstanceCore: what an
// instance needs to be reached with Session Manager, and nothing else.
func newSSMProfile(ctx *pulumi.Context, name, description string, parent pulumi.ResourceOrInvokeOption) (*awsiam.InstanceProfile, error) {
	trust, err := iampolicy.ServiceTrust("ec2.amazonaws.com", nil).JSON()
	if err != nil {
		return nil, fmt.Errorf("building trust policy of %s: %w", name, err)
	}
	role, err := awsiam.NewRole(ctx, name, &awsiam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.String(description),
		Tags:             nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating instance role %s: %w", name, err)
	}
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	if _, err := awsiam.NewRolePolicyAttachment(ctx, name+"-ssm", &awsiam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/AmazonSSMManagedInstanceCore", partition),
	}, parent); err != nil {
		return nil, fmt.Errorf("attaching SSM policy to %s: %w", name, err)
	}
	profile, err := awsiam.NewInstanceProfile(ctx, name, &awsiam.InstanceProfileArgs{
		Role: role.Name,
		Tags: nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating instance profile %s: %w", name, err)
	}
	return profile, nil
}

func newBastionSecurityGroup(ctx *pulumi.Context, name string, a vpcargs.NetworkArgs, vpc *awsec2.Vpc, parent pulumi.ResourceOrInvokeOption) (*awsec2.SecurityGroup, error) {
	var ingress awsec2.SecurityGroupIngressArray
	for _, cidr := range a.Bastion.SSHCidrs {
		ingress = append(ingress, awsec2.SecurityGroupIngressArgs{
			Description: pulumi.Sprintf("SSH from %s (network.bastion.sshCidrs)", cidr),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(22),
			ToPort:      pulumi.Int(22),
			CidrBlocks:  pulumi.StringArray{pulumi.String(cidr)},
		})
	}
	sg, err := awsec2.NewSecurityGroup(ctx, name, &awsec2.SecurityGroupArgs{
		VpcId:       vpc.ID(),
		Description: pulumi.String("Bastion reached through SSM Session Manager"),
		Ingress:     ingress,
		Egress: awsec2.SecurityGroupEgressArray{
			awsec2.SecurityGroupEgressArgs{
				Description: pulumi.String("HTTPS to SSM endpoints and package repositories"),
				Protocol:    pulumi.String("tcp"),
				FromPort:    pulumi.Int(443),
				ToPort:      pulumi.Int(443),
				CidrBlocks:  pulumi.StringArray{pulumi.String(anywhereIPv4)},
			},
			awsec2.SecurityGroupEgressArgs{
				Description: pulumi.String("Port forwarding to private hosts in the VPC, and DNS"),
				Protocol:    pulumi.String("-1"),
				FromPort:    pulumi.Int(0),
				ToPort:      pulumi.Int(0),
				CidrBlocks:  pulumi.StringArray{pulumi.String(a.CidrBlock)},
			},
		},
		Tags: nameTag(name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating bastion security group %s: %w", name, err)
	}
	return sg, nil
}

// imdsv2Only is the metadata setting of every instance the network runs: IMDSv2 tokens required,
// and a hop limit of 1, so nothing behind the instance's own network stack can fetch a token.
func imdsv2Only() *awsec2.InstanceMetadataOptionsArgs {
	return &awsec2.InstanceMetadataOptionsArgs{
		HttpEndpoint:            pulumi.String("enabled"),
		HttpTokens:              pulumi.String("required"),
		HttpPutResponseHopLimit: pulumi.Int(1),
	}
}

// encryptedRootVolume is the root volume of every instance the network runs: encrypted gp3.
func encryptedRootVolume() *awsec2.InstanceRootBlockDeviceArgs {
	return &awsec2.InstanceRootBlockDeviceArgs{
		VolumeType: pulumi.String("gp3"),
		VolumeSize: pulumi.Int(BastionRootVolumeGiB),
		Encrypted:  pulumi.Bool(true),
	}
}
