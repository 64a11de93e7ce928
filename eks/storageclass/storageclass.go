// Package storageclass makes encrypted gp3 on the EBS CSI driver the cluster's default
// StorageClass, for the eks component.
package storageclass

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/kubeobject"
)

// Provisioner is the EBS CSI driver's provisioner name.
const Provisioner = "ebs.csi.aws.com"

// Name is the default StorageClass's name.
const Name = "gp3"

// NewDefault registers the class as <name>-gp3. Volumes wait for their first pod, so each is
// created in the AZ where the pod is scheduled. The caller passes the parent, the cluster's
// Kubernetes provider and the dependency on the EBS CSI addon as options.
func NewDefault(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) error {
	if _, err := kubeobject.NewStorageClass(ctx, name+"-gp3", kubeobject.StorageClassArgs{
		Metadata: kubeobject.Metadata{
			Name:        Name,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
		},
		Provisioner: Provisioner,
		Parameters: map[string]string{
			"type":                      "gp3",
			"encrypted":                 "true",
			"csi.storage.k8s.io/fstype": "ext4",
		},
		VolumeBindingMode:    "WaitForFirstConsumer",
		AllowVolumeExpansion: true,
		ReclaimPolicy:        "Delete",
	}, opts...); err != nil {
		return fmt.Errorf("creating gp3 storage class: %w", err)
	}
	return nil
}
