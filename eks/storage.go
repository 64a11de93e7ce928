package eks

import (
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/eks/storageclass"
)

// EBSCSIProvisioner is the EBS CSI driver's provisioner name.
const EBSCSIProvisioner = storageclass.Provisioner

// StorageClassName is the cluster's default StorageClass.
const StorageClassName = storageclass.Name

// newDefaultStorageClass makes encrypted gp3 the cluster's default class, once the EBS CSI driver
// that provisions it is installed.
func newDefaultStorageClass(ctx *pulumi.Context, name string, provider *kubernetes.Provider, ebsCsi *awseks.Addon, parent pulumi.ResourceOrInvokeOption) error {
	return storageclass.NewDefault(ctx, name, parent, pulumi.Provider(provider), pulumi.DependsOn([]pulumi.Resource{ebsCsi}))
}
