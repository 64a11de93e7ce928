package eks

import (
	"fmt"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EBSCSIProvisioner is the EBS CSI driver's provisioner name.
const EBSCSIProvisioner = "ebs.csi.aws.com"

// StorageClassName is the cluster's default StorageClass.
const StorageClassName = "gp3"

// newDefaultStorageClass makes encrypted gp3 the cluster's default class. Volumes wait for their
// first pod, so each is created in the AZ where the pod is scheduled.
func newDefaultStorageClass(ctx *pulumi.Context, name string, provider *kubernetes.Provider, ebsCsi *awseks.Addon, parent pulumi.ResourceOrInvokeOption) error {
	if _, err := storagev1.NewStorageClass(ctx, name+"-gp3", &storagev1.StorageClassArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(StorageClassName),
			Annotations: pulumi.StringMap{"storageclass.kubernetes.io/is-default-class": pulumi.String("true")},
		},
		Provisioner: pulumi.String(EBSCSIProvisioner),
		Parameters: pulumi.StringMap{
			"type":                      pulumi.String("gp3"),
			"encrypted":                 pulumi.String("true"),
			"csi.storage.k8s.io/fstype": pulumi.String("ext4"),
		},
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String("Delete"),
	}, parent, pulumi.Provider(provider), pulumi.DependsOn([]pulumi.Resource{ebsCsi})); err != nil {
		return fmt.Errorf("creating gp3 storage class: %w", err)
	}
	return nil
}
