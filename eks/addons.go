package eks

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/eks/irsa"
)

// Managed addon names, as EKS spells them (eksargs.Addons lists every one the cluster installs).
const (
	AddonVpcCni        = eksargs.AddonVpcCni
	AddonEBSCSI        = eksargs.AddonEBSCSI
	AddonCoreDNS       = eksargs.AddonCoreDNS
	AddonKubeProxy     = eksargs.AddonKubeProxy
	AddonMetricsServer = eksargs.AddonMetricsServer
)

// The EBS CSI controller's service account, which the addon creates and annotates with the
// addon's serviceAccountRoleArn.
const (
	ebsCSINamespace      = "kube-system"
	ebsCSIServiceAccount = "ebs-csi-controller-sa"
	// ebsCSIPolicy is AWS managed; it lives under the service-role/ path.
	ebsCSIPolicy = "arn:%s:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
)

// vpcCniConfig is the vpc-cni addon's configuration values (its Helm values): the aws-node
// container's environment.
type vpcCniConfig struct {
	Env map[string]string `json:"env"`
}

// VpcCniConfiguration turns on prefix delegation: each ENI slot holds a /28 prefix (16 addresses)
// instead of one address, so a t3.medium runs 110 pods instead of 17.
func VpcCniConfiguration(args eksargs.VpcCniArgs) (string, error) {
	b, err := json.Marshal(vpcCniConfig{Env: map[string]string{
		"ENABLE_PREFIX_DELEGATION": "true",
		"WARM_PREFIX_TARGET":       strconv.Itoa(args.WarmPrefixTarget),
	}})
	if err != nil {
		return "", fmt.Errorf("encoding vpc-cni configuration: %w", err)
	}
	return string(b), nil
}

// newVpcCniAddon adopts the VPC CNI that EKS installs as a managed addon with prefix delegation.
// It needs no nodes, and nodes must come after it to start with the higher max pods.
func newVpcCniAddon(ctx *pulumi.Context, name string, clusterName pulumi.StringOutput, args eksargs.VpcCniArgs, parent pulumi.ResourceOrInvokeOption) (*awseks.Addon, error) {
	config, err := VpcCniConfiguration(args)
	if err != nil {
		return nil, err
	}
	return newAddon(ctx, name, AddonVpcCni, clusterName, &awseks.AddonArgs{
		ConfigurationValues: pulumi.String(config),
	}, parent)
}

// newNodeAddons creates the addons that run on nodes, after the node group: the EBS CSI driver
// with its IRSA role, CoreDNS, kube-proxy and the metrics server. It returns the EBS CSI addon and
// all of them.
func newNodeAddons(ctx *pulumi.Context, name string, c *Cluster, nodeGroup *awseks.NodeGroup, parent pulumi.ResourceOrInvokeOption) (*awseks.Addon, []pulumi.Resource, error) {
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	role, err := irsa.NewRole(ctx, name+"-ebs-csi", irsa.RoleArgs{
		OIDC:            c.OIDC,
		Namespace:       ebsCSINamespace,
		ServiceAccount:  ebsCSIServiceAccount,
		Description:     "EBS CSI driver controller (IRSA)",
		ManagedPolicies: map[string]pulumi.StringInput{"AmazonEBSCSIDriverPolicy": pulumi.Sprintf(ebsCSIPolicy, partition)},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	ebsCsi, err := newAddon(ctx, name, AddonEBSCSI, c.Name, &awseks.AddonArgs{
		ServiceAccountRoleArn: role.Arn,
	}, addonsAfter(nodeGroup, parent)...)
	if err != nil {
		return nil, nil, err
	}
	all := []pulumi.Resource{ebsCsi}
	for _, addon := range []string{AddonCoreDNS, AddonKubeProxy, AddonMetricsServer} {
		a, err := newAddon(ctx, name, addon, c.Name, &awseks.AddonArgs{}, addonsAfter(nodeGroup, parent)...)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, a)
	}
	return ebsCsi, all, nil
}

// newAddon creates a managed addon at the default version EKS picks for the cluster's Kubernetes
// version. The stack's settings win over whatever the cluster had (OVERWRITE).
func newAddon(ctx *pulumi.Context, name, addon string, clusterName pulumi.StringOutput, args *awseks.AddonArgs, opts ...pulumi.ResourceOption) (*awseks.Addon, error) {
	args.ClusterName = clusterName
	args.AddonName = pulumi.String(addon)
	args.ResolveConflictsOnCreate = pulumi.String("OVERWRITE")
	args.ResolveConflictsOnUpdate = pulumi.String("OVERWRITE")
	a, err := awseks.NewAddon(ctx, name+"-"+addon, args, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating addon %s of %s: %w", addon, name, err)
	}
	return a, nil
}
