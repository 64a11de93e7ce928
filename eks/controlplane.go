package eks

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/eks/controlplane"
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
func newControlPlane(ctx *pulumi.Context, name string, a ClusterArgs, nodeRole *awsiam.Role, parent pulumi.ResourceOrInvokeOption) (*controlplane.ControlPlane, error) {
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
	return controlplane.New(ctx, name, controlplane.Args{
		ClusterName:       a.Name,
		Version:           a.Version,
		VpcID:             a.VpcID,
		PrivateSubnetIDs:  a.PrivateSubnetIDs,
		AccessEntries:     accessEntries(a, partition),
		NodeRole:          nodeRole,
		LogTypes:          ControlPlaneLogTypes,
		SecretsKeyARN:     key.Arn,
		PublicAccessCidrs: a.PublicAccessCidrs,
		AWSProfile:        a.AWSProfile,
		Region:            regionOf(ctx, parent),
	}, parent, pulumi.DependsOn([]pulumi.Resource{logs}), providerOf(a))
}

var (
	nonKeyChars  = regexp.MustCompile(`[^A-Za-z0-9-]+`)
	roleARNParts = regexp.MustCompile(`:iam::([0-9]{12}):role/(?:.*/)?([^/]+)$`)
)

// accessEntries gives each admin role cluster-admin, keyed by account and role name so that
// reordering the list changes nothing, and each viewer role read-only access, keyed
// "viewer-<key>".
func accessEntries(a ClusterArgs, partition pulumi.StringOutput) map[string]controlplane.AccessEntry {
	entries := map[string]controlplane.AccessEntry{}
	for _, arn := range a.AdminRoleArns {
		entries[AccessEntryKey(arn)] = controlplane.AccessEntry{
			PrincipalARN: pulumi.String(arn), Association: "cluster-admin", PolicyARN: pulumi.Sprintf(ClusterAdminPolicy, partition),
		}
	}
	for key, arn := range a.ViewerRoleARNs {
		entries["viewer-"+key] = controlplane.AccessEntry{
			PrincipalARN: arn, Association: "view", PolicyARN: pulumi.Sprintf(ViewPolicy, partition),
		}
	}
	return entries
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
