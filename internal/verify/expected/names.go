package expected

// Names the program gives resources verify looks for without an output (a test in internal/program/
// keeps them equal to the eks package's).
const (
	// AddonEBSCSI and AddonVpcCni are the managed addons the stack's storage and pod density need.
	AddonEBSCSI = "aws-ebs-csi-driver"
	AddonVpcCni = "vpc-cni"
	// EBSCSIProvisioner is the EBS CSI driver's provisioner, which the default StorageClass names.
	EBSCSIProvisioner = "ebs.csi.aws.com"
)
