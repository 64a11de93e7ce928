package expected

import "fmt"

// Names the program gives resources verify looks for without an output (a test in internal/program/
// keeps them equal to the eks package's).
const (
	// AddonEBSCSI and AddonVpcCni are the managed addons the stack's storage and pod density need.
	AddonEBSCSI = "aws-ebs-csi-driver"
	AddonVpcCni = "vpc-cni"
	// EBSCSIProvisioner is the EBS CSI driver's provisioner, which the default StorageClass names.
	EBSCSIProvisioner = "ebs.csi.aws.com"
)

// The tags EKS puts on a managed node group's Auto Scaling group for the cluster autoscaler's
// auto-discovery; the autoscaler's role may scale only a group that carries both (a test in
// internal/program/ keeps them equal to eks.AutoscalerPolicy's).
const (
	AutoscalerEnabledTag      = "k8s.io/cluster-autoscaler/enabled"
	AutoscalerEnabledTagValue = "true"
	// AutoscalerClusterTagValue is the value of AutoscalerClusterTag(cluster).
	AutoscalerClusterTagValue = "owned"
)

// AutoscalerClusterTag is the tag key that marks an Auto Scaling group as cluster's.
func AutoscalerClusterTag(cluster string) string { return "k8s.io/cluster-autoscaler/" + cluster }

// SecretsManagerService is the kms:ViaService value of Secrets Manager's calls to KMS in region,
// which the secret key's policy requires of every decryption (secrets.KeyPolicy; a test in
// internal/program/ keeps the two equal, since verify must not link the secrets package's Pulumi
// provider SDK).
func SecretsManagerService(region string) string {
	return fmt.Sprintf("secretsmanager.%s.amazonaws.com", region)
}
