package eks

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	pulumieks "github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ControlPlaneLogTypes are all the control plane logs EKS can send to CloudWatch.
var ControlPlaneLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// EKS access policies the cluster's access entries use; %s is the partition.
const (
	// ClusterAdminPolicy grants cluster-admin.
	ClusterAdminPolicy = "arn:%s:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
	// ViewPolicy grants read-only access, like Kubernetes' view ClusterRole.
	ViewPolicy = "arn:%s:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
)

// newControlPlane creates the secrets key, the control plane's log group (before EKS would
// create it without a retention), and the cluster through pulumi-eks.
func newControlPlane(ctx *pulumi.Context, name string, a ClusterArgs, nodeRole *awsiam.Role, parent pulumi.ResourceOrInvokeOption) (*pulumieks.Cluster, error) {
	key, err := kms.NewKey(ctx, name+"-secrets", &kms.KeyArgs{
		Description:       pulumi.Sprintf("Envelope encryption of Kubernetes secrets in EKS cluster %s", a.Name),
		EnableKeyRotation: pulumi.Bool(true),
		Tags:              pulumi.StringMap{"Name": pulumi.String(name + "-secrets")},
	}, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, fmt.Errorf("creating secrets encryption key of %s: %w", name, err)
	}
	logs, err := newControlPlaneLogGroup(ctx, name, a, parent)
	if err != nil {
		return nil, err
	}
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, parent).Partition()
	api := pulumieks.AuthenticationModeApi
	cluster, err := pulumieks.NewCluster(ctx, name, &pulumieks.ClusterArgs{
		Name:                         pulumi.String(a.Name),
		Version:                      pulumi.String(a.Version),
		VpcId:                        a.VpcID,
		PrivateSubnetIds:             a.PrivateSubnetIDs,
		NodeAssociatePublicIpAddress: ptr(false),
		SkipDefaultNodeGroup:         ptr(true),
		// The managed vpc-cni addon owns the CNI; otherwise pulumi-eks applies it with kubectl
		// from the deploying machine.
		UseDefaultVpcCni:   ptr(true),
		CreateOidcProvider: pulumi.Bool(true),
		// Access entries only, no aws-auth ConfigMap. pulumi-eks also sets
		// bootstrapClusterCreatorAdminPermissions, so whoever creates the cluster is its admin.
		AuthenticationMode: &api,
		AccessEntries:      accessEntries(a, partition),
		// The node role's EC2_LINUX access entry lets nodes join.
		InstanceRole:           nodeRole,
		EnabledClusterLogTypes: pulumi.ToStringArray(ControlPlaneLogTypes),
		EncryptionConfigKeyArn: key.Arn,
		EndpointPrivateAccess:  pulumi.Bool(true),
		EndpointPublicAccess:   pulumi.Bool(true),
		PublicAccessCidrs:      pulumi.ToStringArray(a.PublicAccessCidrs),
	}, parent, pulumi.DependsOn([]pulumi.Resource{logs}), providerOf(a))
	if err != nil {
		return nil, fmt.Errorf("creating EKS cluster %s: %w", name, err)
	}
	return cluster, nil
}

var (
	nonKeyChars  = regexp.MustCompile(`[^A-Za-z0-9-]+`)
	roleARNParts = regexp.MustCompile(`:iam::([0-9]{12}):role/(?:.*/)?([^/]+)$`)
)

// accessEntries gives each admin role cluster-admin, keyed by account and role name so that
// reordering the list changes nothing, and each viewer role read-only access, keyed
// "viewer-<key>".
func accessEntries(a ClusterArgs, partition pulumi.StringOutput) map[string]pulumieks.AccessEntryArgs {
	entries := map[string]pulumieks.AccessEntryArgs{}
	for _, arn := range a.AdminRoleArns {
		entries[AccessEntryKey(arn)] = clusterScopedEntry(pulumi.String(arn), "cluster-admin", pulumi.Sprintf(ClusterAdminPolicy, partition))
	}
	for key, arn := range a.ViewerRoleARNs {
		entries["viewer-"+key] = clusterScopedEntry(arn, "view", pulumi.Sprintf(ViewPolicy, partition))
	}
	return entries
}

func clusterScopedEntry(principal pulumi.StringInput, association string, policy pulumi.StringInput) pulumieks.AccessEntryArgs {
	return pulumieks.AccessEntryArgs{
		PrincipalArn: principal,
		AccessPolicies: map[string]pulumieks.AccessPolicyAssociationInput{
			association: pulumieks.AccessPolicyAssociationArgs{
				PolicyArn:   policy,
				AccessScope: awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
			},
		},
	}
}

// AccessEntryKey names an admin role's access entry: "admin-<account>-<role name>".
func AccessEntryKey(roleARN string) string {
	m := roleARNParts.FindStringSubmatch(roleARN)
	if m == nil {
		return "admin-" + nonKeyChars.ReplaceAllString(roleARN, "-")
	}
	return "admin-" + m[1] + "-" + nonKeyChars.ReplaceAllString(m[2], "-")
}

// providerOf passes the stack's AWS provider to a remote component, which does not inherit it.
func providerOf(a ClusterArgs) pulumi.ResourceOption {
	if a.AWSProvider == nil {
		return pulumi.Providers()
	}
	return pulumi.Providers(a.AWSProvider)
}

func regionOf(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption) pulumi.StringOutput {
	return aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, parent).Name()
}
