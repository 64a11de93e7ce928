package eks

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/iampolicy"
)

// NodePolicies are the AWS managed policies of the node role: the three EKS worker policies, and
// SSM so that nodes are reachable with Session Manager instead of SSH.
var NodePolicies = []string{
	"AmazonEKSWorkerNodePolicy",
	"AmazonEKS_CNI_Policy",
	"AmazonEC2ContainerRegistryReadOnly",
	"AmazonSSMManagedInstanceCore",
}

// NodeIMDSHopLimit is the nodes' IMDSv2 PUT response hop limit: the host only, no pod.
const NodeIMDSHopLimit = 1

// amiTypes are the Amazon Linux 2023 EKS AMI types by architecture (AL2 is end of life).
var amiTypes = map[string]string{
	awsspec.X86_64: "AL2023_x86_64_STANDARD",
	awsspec.ARM64:  "AL2023_ARM_64_STANDARD",
}

func newNodeRole(ctx *pulumi.Context, name string, parent pulumi.ResourceOrInvokeOption) (*awsiam.Role, error) {
	trust, err := iampolicy.ServiceTrust("ec2.amazonaws.com", nil).JSON()
	if err != nil {
		return nil, fmt.Errorf("building trust policy of %s: %w", name, err)
	}
	role, err := awsiam.NewRole(ctx, name, &awsiam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Description:      pulumi.String("EKS worker nodes"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating node role %s: %w", name, err)
	}
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	for _, policy := range NodePolicies {
		if _, err := awsiam.NewRolePolicyAttachment(ctx, name+"-"+policy, &awsiam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/%s", partition, policy),
		}, parent); err != nil {
			return nil, fmt.Errorf("attaching %s to %s: %w", policy, name, err)
		}
	}
	return role, nil
}

// newNodeGroup creates the managed node group in the private subnets, after the resources in
// after (the VPC CNI addon). With the Cluster Autoscaler on, the desired size is ignored after
// creation so that the autoscaler's change survives the next `pulumi up`; with it off, the program
// owns the desired size and puts it back to desiredSize. Ignoring it means the engine sends the
// desired size in state when minSize or maxSize changes (terraform-provider-aws sends the whole
// scaling config), so `up` runs with --refresh, which reads the live size into state first.
func newNodeGroup(ctx *pulumi.Context, name string, a ClusterArgs, clusterName pulumi.StringOutput, role *awsiam.Role, after []pulumi.Resource, parent pulumi.ResourceOrInvokeOption) (*awseks.NodeGroup, error) {
	ngName := name + "-nodes"
	template, err := newNodeLaunchTemplate(ctx, ngName, a, parent)
	if err != nil {
		return nil, err
	}
	n := a.NodeGroup
	ng, err := awseks.NewNodeGroup(ctx, ngName, &awseks.NodeGroupArgs{
		ClusterName:   clusterName,
		Version:       pulumi.String(a.Version),
		NodeRoleArn:   role.Arn,
		SubnetIds:     a.PrivateSubnetIDs,
		InstanceTypes: pulumi.ToStringArray(n.InstanceTypes),
		CapacityType:  pulumi.String(n.CapacityType),
		AmiType:       pulumi.String(amiTypes[awsspec.Architecture(n.InstanceTypes[0])]),
		ScalingConfig: awseks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(*n.MinSize),
			DesiredSize: pulumi.Int(*n.DesiredSize),
			MaxSize:     pulumi.Int(*n.MaxSize),
		},
		UpdateConfig: awseks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
		LaunchTemplate: awseks.NodeGroupLaunchTemplateArgs{
			Id:      template.ID(),
			Version: template.LatestVersion.ApplyT(strconv.Itoa).(pulumi.StringOutput),
		},
	}, parent, pulumi.DependsOn(after), pulumi.IgnoreChanges(ignoredNodeGroupChanges(a.Autoscaler)))
	if err != nil {
		return nil, fmt.Errorf("creating node group %s: %w", ngName, err)
	}
	return ng, nil
}

// ignoredNodeGroupChanges are the node group inputs the program leaves to others: the desired
// size, to the autoscaler when it runs.
func ignoredNodeGroupChanges(s eksargs.AutoscalerArgs) []string {
	if s.IsEnabled() {
		return []string{"scalingConfig.desiredSize"}
	}
	return nil
}

// newNodeLaunchTemplate requires IMDSv2 and gives nodes an encrypted gp3 root volume. It names no
// AMI, so EKS picks the AMI for the node group's version and computes max pods from the VPC CNI's
// prefix delegation.
func newNodeLaunchTemplate(ctx *pulumi.Context, name string, a ClusterArgs, parent pulumi.ResourceOrInvokeOption) (*awsec2.LaunchTemplate, error) {
	tags := pulumi.StringMap{"Name": pulumi.String(name)}
	for k, v := range a.InstanceTags {
		tags[k] = pulumi.String(v)
	}
	lt, err := awsec2.NewLaunchTemplate(ctx, name, &awsec2.LaunchTemplateArgs{
		Description:          pulumi.Sprintf("Nodes of EKS cluster %s", a.Name),
		UpdateDefaultVersion: pulumi.Bool(true),
		MetadataOptions: awsec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint: pulumi.String("enabled"),
			HttpTokens:   pulumi.String("required"),
			// 1: an IMDSv2 token does not survive the hop into a pod's network namespace, so no
			// pod can take the node role's credentials (Checkov CKV_AWS_341). Every workload here
			// has IRSA. The node agents that read IMDS, aws-node (VPC CNI) and kube-proxy, run on
			// the host network, where the limit is 1 hop. The EBS CSI node plugin falls back to
			// the Kubernetes API for its instance ID, type, region and zone (the Node's
			// providerID and topology labels, which EKS sets) when it cannot reach IMDS:
			// kubernetes-sigs/aws-ebs-csi-driver docs/install.md, "Metadata".
			HttpPutResponseHopLimit: pulumi.Int(NodeIMDSHopLimit),
		},
		BlockDeviceMappings: awsec2.LaunchTemplateBlockDeviceMappingArray{
			awsec2.LaunchTemplateBlockDeviceMappingArgs{
				DeviceName: pulumi.String("/dev/xvda"),
				Ebs: awsec2.LaunchTemplateBlockDeviceMappingEbsArgs{
					VolumeSize:          pulumi.Int(a.NodeGroup.DiskSizeGiB),
					VolumeType:          pulumi.String("gp3"),
					Encrypted:           pulumi.String("true"),
					DeleteOnTermination: pulumi.String("true"),
				},
			},
		},
		TagSpecifications: awsec2.LaunchTemplateTagSpecificationArray{
			awsec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: tags},
			awsec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: tags},
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating launch template %s: %w", name, err)
	}
	return lt, nil
}
