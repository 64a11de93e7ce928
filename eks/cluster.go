// Package eks builds the stack's Kubernetes cluster: the EKS control plane through pulumi-eks, a
// managed node group with VPC CNI prefix delegation, IRSA for the EBS CSI driver and the app,
// the core managed addons, and a default encrypted gp3 StorageClass.
package eks

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/eks/irsa"
	"github.com/mission-link/infra/eks/storageclass"
)

// TypeToken is part of every child's URN: changing it replaces the cluster.
const TypeToken = "mission-link:eks:Cluster"

// Cluster is the EKS cluster and everything that makes it usable.
type Cluster struct {
	pulumi.ResourceState

	Name     pulumi.StringOutput `pulumi:"name"`
	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	// OIDC is the cluster's IAM OIDC provider, for IRSA roles (irsa.NewRole).
	OIDC          irsa.OIDCProvider
	NodeGroupName pulumi.StringOutput `pulumi:"nodeGroupName"`
	// Kubeconfig is secret: it names the cluster and how to get a token for it, with the stack's
	// AWS profile (AWSProfile) in the token command's environment.
	Kubeconfig pulumi.StringOutput `pulumi:"kubeconfig"`
	// UpdateKubeconfigCommand writes a kubeconfig entry for the cluster on an operator's machine.
	UpdateKubeconfigCommand pulumi.StringOutput `pulumi:"updateKubeconfigCommand"`
	// KubernetesProvider deploys to the cluster.
	KubernetesProvider *kubernetes.Provider
	// Ready are the node group and the addons running on it: what workloads deployed to the
	// cluster wait for. Depending on the component itself would race: the Go SDK adds a child to
	// its component only once the child's registration is under way.
	Ready []pulumi.Resource
	// Autoscaler is where the Cluster Autoscaler runs; nil when cluster.autoscaler.enabled is false.
	Autoscaler *ClusterAutoscaler
}

// ClusterArgs are the cluster's config (eksargs.ClusterArgs, decoded and validated with the stack
// file) and what the program wires in from the rest of the stack.
type ClusterArgs struct {
	eksargs.ClusterArgs

	// VpcID and PrivateSubnetIDs place the cluster.
	VpcID            pulumi.StringInput
	PrivateSubnetIDs pulumi.StringArrayInput
	// ViewerRoleARNs get read-only access entries (AmazonEKSViewPolicy, cluster scope), keyed by a
	// stable name such as "ci-preview". They are roles the stack creates itself; do not also list
	// one in AdminRoleArns (EKS allows one entry per principal).
	ViewerRoleARNs map[string]pulumi.StringInput
	// AWSProvider is handed to pulumi-eks explicitly: the Go SDK sends a remote component only
	// the providers given in its own options, not those it would inherit from its parent, so
	// without this pulumi-eks would create the cluster with the default provider and none of the
	// stack's default tags.
	AWSProvider *aws.Provider
}

var viewerKeyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// validate checks the config (eksargs.ClusterArgs.Validate) and the viewer roles, reporting every
// problem.
func (a ClusterArgs) validate() error {
	errs := []error{a.ClusterArgs.Validate()}
	for _, key := range slices.Sorted(maps.Keys(a.ViewerRoleARNs)) {
		if !viewerKeyPattern.MatchString(key) || a.ViewerRoleARNs[key] == nil {
			errs = append(errs, fmt.Errorf("viewer role %q: the key must be 1-40 lowercase letters, digits and hyphens, and the ARN set", key))
		}
	}
	return errors.Join(errs...)
}

// NewCluster validates args and builds the cluster. Nothing is registered when args are invalid.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if args == nil {
		return nil, fmt.Errorf("cluster %s: args are required", name)
	}
	a := *args
	a.ClusterArgs = args.ClusterArgs.WithDefaults()
	if a.VpcID == nil || a.PrivateSubnetIDs == nil {
		return nil, fmt.Errorf("cluster %s: VpcID and PrivateSubnetIDs are required", name)
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("cluster %s: invalid config:\n%w", name, err)
	}
	c := &Cluster{}
	if err := ctx.RegisterComponentResource(TypeToken, name, c, opts...); err != nil {
		return nil, fmt.Errorf("registering cluster %s: %w", name, err)
	}
	if err := c.build(ctx, name, a); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"name":            c.Name,
		"endpoint":        c.Endpoint,
		"oidcProviderArn": c.OIDC.ARN,
		"oidcIssuerUrl":   c.OIDC.IssuerURL,
		"nodeGroupName":   c.NodeGroupName,
		"kubeconfig":      c.Kubeconfig,
	}); err != nil {
		return nil, fmt.Errorf("registering outputs of cluster %s: %w", name, err)
	}
	return c, nil
}

// build orders the parts the way the cluster comes up: control plane; the VPC CNI with prefix
// delegation before any node, so nodes start with 110 pods; the node group; then the addons that
// need nodes to run on, the StorageClass that needs the EBS CSI driver, and the Cluster
// Autoscaler that scales the node group.
func (c *Cluster) build(ctx *pulumi.Context, name string, a ClusterArgs) error {
	parent := pulumi.Parent(c)
	nodeRole, err := newNodeRole(ctx, name+"-node", parent)
	if err != nil {
		return err
	}
	plane, err := newControlPlane(ctx, name, a, nodeRole, parent)
	if err != nil {
		return err
	}
	c.Name, c.Endpoint, c.Kubeconfig = plane.Name, plane.Endpoint, plane.Kubeconfig
	c.OIDC = irsa.OIDCProvider{ARN: plane.OIDCProviderARN, IssuerURL: plane.OIDCIssuerURL}
	c.UpdateKubeconfigCommand = pulumi.Sprintf("aws eks update-kubeconfig --region %s --name %s", regionOf(ctx, parent), c.Name)

	vpcCni, err := newVpcCniAddon(ctx, name, c.Name, a.VpcCni, parent)
	if err != nil {
		return err
	}
	nodeGroup, err := newNodeGroup(ctx, name, a, c.Name, nodeRole, []pulumi.Resource{vpcCni}, parent)
	if err != nil {
		return err
	}
	c.NodeGroupName = nodeGroup.NodeGroupName
	ebsCsi, nodeAddons, err := newNodeAddons(ctx, name, c, nodeGroup, parent)
	if err != nil {
		return err
	}
	c.Ready = append([]pulumi.Resource{nodeGroup, vpcCni}, nodeAddons...)
	c.KubernetesProvider, err = kubernetes.NewProvider(ctx, name, &kubernetes.ProviderArgs{
		Kubeconfig: c.Kubeconfig,
	}, parent)
	if err != nil {
		return fmt.Errorf("creating Kubernetes provider for %s: %w", name, err)
	}
	// The default StorageClass needs the EBS CSI driver that provisions it.
	if err := storageclass.NewDefault(ctx, name, parent, pulumi.Provider(c.KubernetesProvider), pulumi.DependsOn([]pulumi.Resource{ebsCsi})); err != nil {
		return err
	}
	if a.Autoscaler.IsEnabled() {
		c.Autoscaler, err = newAutoscaler(ctx, name, a, c, nodeGroup, parent)
	}
	return err
}

// addonsAfter are the options of addons that need running nodes: created before them, they sit
// DEGRADED until they time out.
func addonsAfter(nodeGroup *awseks.NodeGroup, parent pulumi.ResourceOrInvokeOption) []pulumi.ResourceOption {
	return []pulumi.ResourceOption{parent, pulumi.DependsOn([]pulumi.Resource{nodeGroup})}
}
