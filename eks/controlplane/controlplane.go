// Package controlplane registers the EKS control plane through pulumi-eks's remote
// eks:index:Cluster component, and asks it for the kubeconfig, for the eks component.
//
// It is a package apart from eks for the build's sake: a package that names any pulumi-eks type
// compiles some 7,800 generic instantiations of the Pulumi SDK (pulumi-eks's types reach
// Kubernetes core/v1; 6 s on two cores). Here that happens only when this package changes; eks,
// which every edit of iampolicy or awsspec rebuilds, compiles in about 1 s without it. Nothing of
// pulumi-eks leaves this package: its outputs are plain Pulumi outputs.
package controlplane

import (
	"fmt"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	pulumieks "github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args are what the eks component hands to pulumi-eks; the eks component validated them.
type Args struct {
	// ClusterName is the EKS cluster's name and Version its Kubernetes minor.
	ClusterName, Version string
	VpcID                pulumi.StringInput
	PrivateSubnetIDs     pulumi.StringArrayInput
	// AccessEntries are keyed by a name that does not change when the list is reordered.
	AccessEntries map[string]AccessEntry
	// NodeRole gets the EC2_LINUX access entry that lets nodes join.
	NodeRole *awsiam.Role
	// LogTypes are the control plane logs sent to CloudWatch.
	LogTypes []string
	// SecretsKeyARN encrypts Kubernetes secrets.
	SecretsKeyARN     pulumi.StringInput
	PublicAccessCidrs []string
	// AWSProfile goes into the kubeconfig's token command; empty for none.
	AWSProfile string
	// Region is the stack's region, which the kubeconfig's token command names.
	Region pulumi.StringInput
}

// AccessEntry gives a principal one cluster-scoped EKS access policy.
type AccessEntry struct {
	PrincipalARN pulumi.StringInput
	// Association names the policy association inside the entry ("cluster-admin", "view").
	Association string
	PolicyARN   pulumi.StringInput
}

// ControlPlane is what the eks component reads of the cluster.
type ControlPlane struct {
	// Component is pulumi-eks's cluster, for dependencies.
	Component       pulumi.Resource
	Name            pulumi.StringOutput
	Endpoint        pulumi.StringOutput
	OIDCProviderARN pulumi.StringOutput
	// OIDCIssuerURL is the issuer with its https:// scheme, as EKS reports it.
	OIDCIssuerURL pulumi.StringOutput
	// Kubeconfig is secret (see kubeconfigOf).
	Kubeconfig pulumi.StringOutput
}

// New registers the cluster. opts carry the parent, the dependency on the log group and the AWS
// provider (pulumi.Providers: a remote component does not inherit it).
func New(ctx *pulumi.Context, name string, a Args, opts ...pulumi.ResourceOption) (*ControlPlane, error) {
	api := pulumieks.AuthenticationModeApi
	cluster, err := pulumieks.NewCluster(ctx, name, &pulumieks.ClusterArgs{
		Name:                         pulumi.String(a.ClusterName),
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
		AccessEntries:      accessEntries(a.AccessEntries),
		// The node role's EC2_LINUX access entry lets nodes join.
		InstanceRole:           a.NodeRole,
		EnabledClusterLogTypes: pulumi.ToStringArray(a.LogTypes),
		EncryptionConfigKeyArn: a.SecretsKeyARN,
		EndpointPrivateAccess:  pulumi.Bool(true),
		EndpointPublicAccess:   pulumi.Bool(true),
		PublicAccessCidrs:      pulumi.ToStringArray(a.PublicAccessCidrs),
		// Always sent, so that the cluster's inputs do not depend on who deploys it: without them
		// pulumi-eks 2.8.1 (cluster.js, createCluster) copies AWS_PROFILE from the environment of
		// the machine running `pulumi up` into the kubeconfig of its internal Kubernetes providers,
		// and a laptop with AWS_PROFILE exported and a runner without it would compute different
		// providers: a diff in every preview and a failed drift check every night.
		ProviderCredentialOpts: credentialOpts(a.AWSProfile),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating EKS cluster %s: %w", name, err)
	}
	kubeconfig, err := kubeconfigOf(ctx, cluster, a.AWSProfile, a.Region)
	if err != nil {
		return nil, err
	}
	eksCluster := cluster.EksCluster
	return &ControlPlane{
		Component:       cluster,
		Name:            eksCluster.Name(),
		Endpoint:        eksCluster.Endpoint(),
		OIDCProviderARN: cluster.Core.OidcProvider().Arn(),
		OIDCIssuerURL:   eksCluster.Identities().Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem(),
		Kubeconfig:      kubeconfig,
	}, nil
}

func accessEntries(entries map[string]AccessEntry) map[string]pulumieks.AccessEntryArgs {
	out := make(map[string]pulumieks.AccessEntryArgs, len(entries))
	for key, e := range entries {
		out[key] = pulumieks.AccessEntryArgs{
			PrincipalArn: e.PrincipalARN,
			AccessPolicies: map[string]pulumieks.AccessPolicyAssociationInput{
				e.Association: pulumieks.AccessPolicyAssociationArgs{
					PolicyArn:   e.PolicyARN,
					AccessScope: awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
				},
			},
		}
	}
	return out
}

// credentialOpts are the kubeconfig options the stack's config gives: the profile of aws:profile,
// or none (an empty object, which pulumi-eks takes as set, so it reads no environment).
func credentialOpts(profile string) *pulumieks.KubeconfigOptionsArgs {
	opts := &pulumieks.KubeconfigOptionsArgs{}
	if profile != "" {
		opts.ProfileName = pulumi.StringPtr(profile)
	}
	return opts
}

func ptr[T any](v T) *T { return &v }
