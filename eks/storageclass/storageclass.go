// Package storageclass makes encrypted gp3 on the EBS CSI driver the cluster's default
// StorageClass, for the eks component.
//
// It is a package apart from eks for the build's sake: a package that names any Kubernetes
// core/v1, meta/v1 or storage/v1 type compiles some 7,800 generic instantiations of the Pulumi SDK
// (6 s on two cores). Here that happens only when this file changes; eks, which every edit of
// iampolicy or awsspec rebuilds, compiles in about 1 s without it.
package storageclass

import (
	"fmt"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Provisioner is the EBS CSI driver's provisioner name.
const Provisioner = "ebs.csi.aws.com"

// Name is the default StorageClass's name.
const Name = "gp3"

// NewDefault registers the class as <name>-gp3. Volumes wait for their first pod, so each is
// created in the AZ where the pod is scheduled. The caller passes the parent, the cluster's
// Kubernetes provider and the dependency on the EBS CSI addon as options.
func NewDefault(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) error {
	if _, err := storagev1.NewStorageClass(ctx, name+"-gp3", &storagev1.StorageClassArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(Name),
			Annotations: pulumi.StringMap{"storageclass.kubernetes.io/is-default-class": pulumi.String("true")},
		},
		Provisioner: pulumi.String(Provisioner),
		Parameters: pulumi.StringMap{
			"type":                      pulumi.String("gp3"),
			"encrypted":                 pulumi.String("true"),
			"csi.storage.k8s.io/fstype": pulumi.String("ext4"),
		},
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String("Delete"),
	}, opts...); err != nil {
		return fmt.Errorf("creating gp3 storage class: %w", err)
	}
	return nil
}
