// Package controlplane registers the EKS control plane through pulumi-eks's remote
// eks:index:Cluster component, and asks it for the kubeconfig, for the eks component.
//
// It binds the component itself instead of calling pulumi-eks's Go SDK, for the build's sake. The
// SDK's types reach the Kubernetes SDK's core/v1, meta/v1 and storage/v1 and pulumi-aws's
// autoscaling and cloudformation packages: compiling them is some two minutes of CPU on a fresh
// machine, and every test binary of the whole program loaded them (a third of what its link
// reads), for one component and one method. The plugin sees the same request either way: the same
// type token, the same property names and Go types (pinned against the SDK's source by
// controlplane_test.go), the SDK's package version, and the same method call. sdk.go keeps the
// SDK in go.mod, where the Go language host finds the eks plugin to install.
package controlplane

import (
	"fmt"
	"reflect"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	awsiam "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// Type is pulumi-eks's cluster component.
	Type = "eks:index:Cluster"
	// GetKubeconfig is the component's kubeconfig method.
	GetKubeconfig = Type + "/getKubeconfig"
	// Version is the pulumi-eks plugin the component runs on: go.mod's pulumi-eks SDK, whose
	// NewCluster sends it (pulumi.Version) so the engine loads that plugin.
	Version = "2.8.1"
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
	var cluster cluster
	// pulumi.Version first, then the caller's options, as the SDK's PkgResourceDefaultOpts orders
	// them.
	opts = append([]pulumi.ResourceOption{pulumi.Version(Version)}, opts...)
	if err := ctx.RegisterRemoteComponentResource(Type, name, clusterInputs{
		Name:                         pulumi.String(a.ClusterName),
		Version:                      pulumi.String(a.Version),
		VpcId:                        a.VpcID,
		PrivateSubnetIds:             a.PrivateSubnetIDs,
		NodeAssociatePublicIpAddress: pulumi.Bool(false),
		SkipDefaultNodeGroup:         pulumi.Bool(true),
		// The managed vpc-cni addon owns the CNI; otherwise pulumi-eks applies it with kubectl
		// from the deploying machine.
		UseDefaultVpcCni:   pulumi.Bool(true),
		CreateOidcProvider: pulumi.Bool(true),
		// Access entries only, no aws-auth ConfigMap. pulumi-eks also sets
		// bootstrapClusterCreatorAdminPermissions, so whoever creates the cluster is its admin.
		AuthenticationMode: pulumi.String("API"),
		AccessEntries:      accessEntries(a.AccessEntries),
		// The node role's EC2_LINUX access entry lets nodes join.
		InstanceRole:           a.NodeRole,
		EnabledClusterLogTypes: pulumi.ToStringArray(a.LogTypes),
		EncryptionConfigKeyArn: a.SecretsKeyARN,
		EndpointPrivateAccess:  pulumi.Bool(true),
		EndpointPublicAccess:   pulumi.Bool(true),
		PublicAccessCidrs:      pulumi.ToStringArray(a.PublicAccessCidrs),
	}, &cluster, opts...); err != nil {
		return nil, fmt.Errorf("creating EKS cluster %s: %w", name, err)
	}
	kubeconfig, err := kubeconfigOf(ctx, &cluster, a.AWSProfile)
	if err != nil {
		return nil, err
	}
	eksCluster := cluster.EksCluster
	return &ControlPlane{
		Component:       &cluster,
		Name:            eksCluster.Name(),
		Endpoint:        eksCluster.Endpoint(),
		OIDCProviderARN: cluster.Core.OidcProvider().Arn(),
		OIDCIssuerURL:   eksCluster.Identities().Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem(),
		Kubeconfig:      kubeconfig,
	}, nil
}

// accessEntries are the SDK's AccessEntry objects: principalArn, and accessPolicies keyed by
// association, each an AccessPolicyAssociation (policyArn, and accessScope, pulumi-aws's
// AccessPolicyAssociationAccessScope).
func accessEntries(entries map[string]AccessEntry) pulumi.Map {
	out := make(pulumi.Map, len(entries))
	for key, e := range entries {
		out[key] = pulumi.Map{
			"principalArn": e.PrincipalARN,
			"accessPolicies": pulumi.Map{
				e.Association: pulumi.Map{
					"policyArn":   e.PolicyARN,
					"accessScope": pulumi.Map{"type": pulumi.String("cluster")},
				},
			},
		}
	}
	return out
}

// cluster is the component's outputs this project reads: the EKS cluster and, inside core, the
// OIDC provider. The engine sends both as resource references, which the Pulumi SDK turns into
// pulumi-aws resources (pulumi-aws's eks and iam packages register their types).
type cluster struct {
	pulumi.ResourceState

	EksCluster awseks.ClusterOutput `pulumi:"eksCluster"`
	Core       coreDataOutput       `pulumi:"core"`
}

// coreData is the part of the SDK's CoreData this project reads; the rest of the object is left
// unread.
type coreData struct {
	OidcProvider *awsiam.OpenIdConnectProvider `pulumi:"oidcProvider"`
}

type coreDataOutput struct{ *pulumi.OutputState }

func (coreDataOutput) ElementType() reflect.Type { return reflect.TypeFor[coreData]() }

func (o coreDataOutput) OidcProvider() awsiam.OpenIdConnectProviderOutput {
	return o.ApplyT(func(v coreData) *awsiam.OpenIdConnectProvider { return v.OidcProvider }).(awsiam.OpenIdConnectProviderOutput)
}

func init() {
	pulumi.RegisterOutputType(coreDataOutput{})
	pulumi.RegisterOutputType(kubeconfigResultOutput{})
}

// clusterInputs are the properties sent to the plugin; their names and plain types are the SDK's
// clusterArgs tags and field types (clusterProperties).
type clusterInputs struct {
	AccessEntries                pulumi.MapInput
	AuthenticationMode           pulumi.StringInput
	CreateOidcProvider           pulumi.BoolInput
	EnabledClusterLogTypes       pulumi.StringArrayInput
	EncryptionConfigKeyArn       pulumi.StringInput
	EndpointPrivateAccess        pulumi.BoolInput
	EndpointPublicAccess         pulumi.BoolInput
	InstanceRole                 awsiam.RoleInput
	Name                         pulumi.StringInput
	NodeAssociatePublicIpAddress pulumi.BoolInput
	PrivateSubnetIds             pulumi.StringArrayInput
	PublicAccessCidrs            pulumi.StringArrayInput
	SkipDefaultNodeGroup         pulumi.BoolInput
	UseDefaultVpcCni             pulumi.BoolInput
	Version                      pulumi.StringInput
	VpcId                        pulumi.StringInput
}

func (clusterInputs) ElementType() reflect.Type { return reflect.TypeFor[clusterProperties]() }

// clusterProperties is the plain shape of clusterInputs, whose tags name the properties.
type clusterProperties struct {
	AccessEntries                map[string]any `pulumi:"accessEntries"`
	AuthenticationMode           *string        `pulumi:"authenticationMode"`
	CreateOidcProvider           *bool          `pulumi:"createOidcProvider"`
	EnabledClusterLogTypes       []string       `pulumi:"enabledClusterLogTypes"`
	EncryptionConfigKeyArn       *string        `pulumi:"encryptionConfigKeyArn"`
	EndpointPrivateAccess        *bool          `pulumi:"endpointPrivateAccess"`
	EndpointPublicAccess         *bool          `pulumi:"endpointPublicAccess"`
	InstanceRole                 *awsiam.Role   `pulumi:"instanceRole"`
	Name                         *string        `pulumi:"name"`
	NodeAssociatePublicIpAddress *bool          `pulumi:"nodeAssociatePublicIpAddress"`
	PrivateSubnetIds             []string       `pulumi:"privateSubnetIds"`
	PublicAccessCidrs            []string       `pulumi:"publicAccessCidrs"`
	SkipDefaultNodeGroup         *bool          `pulumi:"skipDefaultNodeGroup"`
	UseDefaultVpcCni             *bool          `pulumi:"useDefaultVpcCni"`
	Version                      *string        `pulumi:"version"`
	VpcId                        *string        `pulumi:"vpcId"`
}
